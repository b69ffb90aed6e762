// Debian's Firefox profile, the base of the examples, benchmarks and demo. It
// is in apparmor-profiles-extra on both releases, under different names: Debian
// 13 ships `firefox` (profile `firefox`, abi 4.0), Debian 12
// `usr.lib.firefox.firefox` (named by its attachment path). The example grant
// (docs/examples/grants/firefox.conf) has a block for each name.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace aalayer::test {

struct FirefoxProfile {
    std::string path;  // the profile file
    std::string name;  // the profile's name, which the grant names
};

inline std::optional<FirefoxProfile> debian_firefox_profile() {
    const std::string dir = "/usr/share/apparmor/extra-profiles/";
    if (std::filesystem::exists(dir + "firefox")) return FirefoxProfile{dir + "firefox", "firefox"};
    if (std::filesystem::exists(dir + "usr.lib.firefox.firefox"))
        return FirefoxProfile{dir + "usr.lib.firefox.firefox",
                              "/usr/lib/firefox{,-[0-9]*}/firefox{,*[^s][^h]}"};
    return std::nullopt;
}

}  // namespace aalayer::test
