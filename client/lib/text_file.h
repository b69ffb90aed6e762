// A whole file as text, for the aalayer command and the client library
// (not installed).
#pragma once

#include <optional>
#include <string>

namespace aalayer::client {

// Nothing when the file cannot be opened.
std::optional<std::string> read_text(const std::string& path);

}  // namespace aalayer::client
