// Reading a file whole: the binary cache, the kernel's feature files, the
// record files and the parser's output all need exactly this, and a read
// that fails part way must not pass for a shorter file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace aalayer::service {

// The file's bytes, or nothing when it cannot be opened or a read fails.
std::optional<std::string> read_whole_file(const std::filesystem::path& path);

}  // namespace aalayer::service
