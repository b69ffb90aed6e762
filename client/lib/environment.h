// What the caller's environment says about where their files are, read the
// same way by the aalayer command and the client library (not installed).
#pragma once

#include <string>

namespace aalayer::client {

// The variable's value, "" when unset.
std::string env_value(const char* name);

// $HOME when absolute, else the passwd entry's home: the caller's own, as a
// shell's ~ is. "" when neither says.
std::string home_directory();

}  // namespace aalayer::client
