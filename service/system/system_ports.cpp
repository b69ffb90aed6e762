#include "service/system/system_ports.h"

#include <chrono>
#include <cstdlib>
#include <vector>

#include <pwd.h>
#include <unistd.h>

namespace aalayer::service {

std::string resolved_home(const std::string& home) {
    // The kernel matches the path with symbolic links resolved: a home that
    // is a link (/home/dave -> /srv/real/dave) is seen at its target, so
    // @{HOME} must stand for that too. A user who could re-point their home
    // only moves where their own layers decide, and a layer only narrows the
    // base. Unresolvable (no such directory yet): the passwd path alone.
    std::string out;
    std::string plain = home;
    while (plain.size() > 1 && plain.back() == '/')
        plain.pop_back();
    if (char* real = ::realpath(home.c_str(), nullptr)) {
        if (plain != real) out = real;
        std::free(real);  // NOLINT(cppcoreguidelines-no-malloc): realpath's contract
    }
    return out;
}

std::optional<policy::UserIdentity> PasswdUserDb::lookup(std::uint32_t uid) const {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr)
        return std::nullopt;
    return policy::UserIdentity{uid, found->pw_name, found->pw_dir, resolved_home(found->pw_dir)};
}

std::uint64_t SystemClock::now_usec() const {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

}  // namespace aalayer::service
