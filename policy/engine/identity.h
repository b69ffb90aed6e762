// The user a grant or layer is expanded for. @{HOME}, @{USER} and @{UID}
// come from here (the caller's passwd entry), never from policy text.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "policy/load/loader.h"

namespace aalayer::policy {

struct UserIdentity {
    UserIdentity() = default;
    // Most users' home is where it says: the resolved home is rarely given.
    UserIdentity(std::uint32_t uid_, std::string name_, std::string home_, std::string resolved_home_ = {})
        : uid(uid_),
          name(std::move(name_)),
          home(std::move(home_)),
          resolved_home(std::move(resolved_home_)) {}

    std::uint32_t uid = 0;
    std::string name;
    std::string home;  // absolute, without a trailing '/'
    // The home as the kernel sees it, when that differs from `home` (a home
    // that is, or lies under, a symbolic link): the kernel mediates resolved
    // paths, so @{HOME} stands for both. Empty otherwise.
    std::string resolved_home;
};

// Refuses names and homes that could not be written into a glob safely.
Status validate_identity(const UserIdentity& user);

// The system tunables (tunables/global from the include directories), read-only.
Result<VariableTable> load_tunables(const Loader& loader);

// The tunables with HOME, USER and UID set for the user; values are glob
// text, so any glob character in the home directory is escaped. HOME has
// two values when the home resolves elsewhere.
VariableTable user_variables(VariableTable tunables, const UserIdentity& user);

}  // namespace aalayer::policy
