// The user a grant or layer is expanded for. @{HOME}, @{USER} and @{UID}
// come from here (the caller's passwd entry), never from policy text.
#pragma once

#include <cstdint>
#include <string>

#include "policy/load/loader.h"

namespace aalayer::policy {

struct UserIdentity {
    std::uint32_t uid = 0;
    std::string name;
    std::string home;  // absolute, without a trailing '/'
};

// Refuses names and homes that could not be written into a glob safely.
Status validate_identity(const UserIdentity& user);

// The system tunables (tunables/global from the include directories), read-only.
Result<VariableTable> load_tunables(const Loader& loader);

// The tunables with HOME, USER and UID set for the user; values are glob
// text, so any glob character in the home directory is escaped.
VariableTable user_variables(VariableTable tunables, const UserIdentity& user);

}  // namespace aalayer::policy
