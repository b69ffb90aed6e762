#include "client/lib/environment.h"

#include <array>
#include <cstdlib>

#include <pwd.h>
#include <unistd.h>

namespace aalayer::client {

std::string env_value(const char* name) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read, never set, here
    return value != nullptr ? value : "";
}

std::string home_directory() {
    if (std::string home = env_value("HOME"); !home.empty() && home[0] == '/') return home;
    std::array<char, 4096> buf{};
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr)
        return pw.pw_dir;
    return {};
}

}  // namespace aalayer::client
