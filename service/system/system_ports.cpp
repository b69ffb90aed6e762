#include "service/system/system_ports.h"

#include <chrono>
#include <vector>

#include <pwd.h>
#include <unistd.h>

namespace aalayer::service {

std::optional<policy::UserIdentity> PasswdUserDb::lookup(std::uint32_t uid) const {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr)
        return std::nullopt;
    return policy::UserIdentity{uid, found->pw_name, found->pw_dir};
}

std::uint64_t SystemClock::now_usec() const {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

}  // namespace aalayer::service
