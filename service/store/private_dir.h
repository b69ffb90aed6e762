// Directories only root may enter: the state and cache directories and
// every directory below them that the service creates. The systemd unit's
// StateDirectoryMode says the same, but the demo and the tests start
// aalayerd without the unit, and umask decides nothing here.
#pragma once

#include <optional>
#include <string>

namespace aalayer::service {

// Creates `dir` and each missing parent up to it with mode 0700, and makes
// `dir` itself 0700 if it existed (parents that existed are left alone).
struct DirectoryError {
    std::string message;  // what failed, for a person
    int err = 0;          // its errno (ENOSPC is the admin's to act on)
};
std::optional<DirectoryError> make_private_directory(const std::string& dir);

}  // namespace aalayer::service
