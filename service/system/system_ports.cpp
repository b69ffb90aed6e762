#include "service/system/system_ports.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
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

namespace {

// UID_MIN and UID_MAX of login.defs: the range useradd gives people.
std::pair<std::uint32_t, std::uint32_t> people_uid_range() {
    std::uint32_t low = 1000;
    std::uint32_t high = 60000;
    std::ifstream in("/etc/login.defs");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string key;
        std::uint64_t value = 0;
        if (!(words >> key >> value) || value > 0xffffffffU) continue;
        if (key == "UID_MIN") low = static_cast<std::uint32_t>(value);
        if (key == "UID_MAX") high = static_cast<std::uint32_t>(value);
    }
    return {low, high};
}

}  // namespace

PasswdUserDb::PasswdUserDb() : people_(people_uid_range()) {}

std::vector<std::uint32_t> PasswdUserDb::people() const {
    // getpwent's position is process-wide: one enumeration at a time.
    static std::mutex enumerating;
    const std::lock_guard lock(enumerating);
    const auto [low, high] = people_;
    std::vector<std::uint32_t> out;
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    ::setpwent();
    while (::getpwent_r(&entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
        if (found->pw_uid >= low && found->pw_uid <= high) out.push_back(found->pw_uid);
    }
    ::endpwent();
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

bool PasswdUserDb::is_person(std::uint32_t uid) const {
    return uid >= people_.first && uid <= people_.second;
}

std::uint64_t SystemClock::now_usec() const {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

}  // namespace aalayer::service
