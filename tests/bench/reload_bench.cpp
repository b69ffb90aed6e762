// Memory across reloads and applies (issue: many users, many layers). aalayerd
// (compile-only) on a private bus with Debian's Firefox profile as base and
// the example grant; USERS users with LAYERS layers each, applied as root
// (ApplyFor). Then RELOADS reloads with nothing changed, then APPLIES more
// applies replacing those layers, VmRSS sampled after each step. Prints the
// curve's points and the ratio the goal is stated in (RSS after the last
// reload against after the first); asserts no timing and no size.
//   reload-bench            5 users x 20 layers, 100 reloads, 10,000 applies
//   reload-bench --short    2 users x 4 layers, 5 reloads, 100 applies (CI)
//   reload-bench USERS LAYERS RELOADS APPLIES
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <pwd.h>
#include <sdbus-c++/sdbus-c++.h>

#include "dbus/sdbus_compat.h"
#include "tests/support/firefox_profile.h"
#include "tests/support/measure.h"
#include "tests/support/service_fixture.h"

namespace {

using namespace aalayer::test;
using Clock = std::chrono::steady_clock;
using Findings =
    std::vector<sdbus::Struct<std::string, std::uint32_t, std::uint32_t, std::string, std::string>>;

double mib(long kib) {
    return static_cast<double>(kib) / 1024.0;
}

std::string layer_text(int i) {
    const std::string p = "p" + std::to_string(i);
    return "owner @{HOME}/.mozilla/firefox/" + p + "/ r,\nowner @{HOME}/.mozilla/firefox/" + p +
           "/** rwk,\nowner @{HOME}/.mozilla/firefox/profiles.ini r,\nowner @{HOME}/Downloads/" + p +
           "/** rw,\ndeny @{HOME}/.ssh/** rw,\n";
}

}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = argc > 1 && std::string_view(argv[1]) == "--short";
    const bool sized = argc == 5;
    auto arg = [&](int i, int otherwise) { return sized ? std::max(1, std::atoi(argv[i])) : otherwise; };
    const auto users = static_cast<std::size_t>(arg(1, short_mode ? 2 : 5));
    const int layers = arg(2, short_mode ? 4 : 20);
    const int reloads = arg(3, short_mode ? 5 : 100);
    const int applies = std::max(10, arg(4, short_mode ? 100 : 10'000));
    const auto firefox = debian_firefox_profile();
    if (!firefox) {
        std::fprintf(stderr,
                     "reload-bench: Debian's Firefox profile is not installed (apparmor-profiles-extra)\n");
        return 1;
    }
    std::vector<std::uint32_t> uids;
    setpwent();
    while (passwd* p = getpwent())
        if (p->pw_uid != 0 && uids.size() < users) uids.push_back(p->pw_uid);
    endpwent();

    Service s({"rate_limit_per_minute=1000000", "max_layers_per_user=100000"});
    std::filesystem::copy_file(firefox->path, s.dir() + "/profiles/firefox");
    std::filesystem::copy_file(std::string(std::getenv("AALAYER_EXAMPLES")) + "/grants/firefox.conf",
                               s.dir() + "/grants/firefox.conf");
    auto conn = sdbus::createSessionBusConnectionWithAddress(s.bus().address());
    auto m = aalayer::sdbus_compat::create_proxy(*conn, "org.aalayer.Manager1", "/org/aalayer/Manager1");
    auto reload = [&] {
        m->callMethod("Reload").onInterface("org.aalayer.Manager1").withTimeout(std::chrono::seconds(600));
    };
    std::map<std::string, int> errors;
    auto apply = [&](std::uint32_t uid, int i, int variant) {
        try {
            sdbus::ObjectPath path;
            Findings f;
            m->callMethod("ApplyFor")
                .onInterface("org.aalayer.Manager1")
                .withTimeout(std::chrono::seconds(120))
                .withArguments(uid, firefox->name, "l" + std::to_string(i), layer_text(i + variant),
                               std::map<std::string, sdbus::Variant>{})
                .storeResultsTo(path, f);
        } catch (const sdbus::Error& e) {
            ++errors[e.getName()];
        }
    };
    const long at_start = status_kib(s.pid(), "VmRSS:");
    reload();  // the Firefox base and its grant, copied in after the start
    for (const auto uid : uids)
        for (int i = 0; i < layers; ++i)
            apply(uid, i, 0);
    const long after_layers = status_kib(s.pid(), "VmRSS:");

    std::vector<long> rss;
    std::vector<double> reload_ms;
    for (int r = 0; r < reloads; ++r) {
        const auto t = Clock::now();
        reload();
        reload_ms.push_back(ms(Clock::now() - t));
        rss.push_back(status_kib(s.pid(), "VmRSS:"));
    }
    const auto t = Clock::now();
    std::vector<long> apply_rss;
    for (int a = 0; a < applies; ++a) {
        apply(uids[static_cast<std::size_t>(a) % uids.size()], a % layers, 1 + a % 7);
        if ((a + 1) % (applies / 10) == 0) apply_rss.push_back(status_kib(s.pid(), "VmRSS:"));
    }
    const double apply_seconds = std::chrono::duration<double>(Clock::now() - t).count();
    const long hwm = status_kib(s.pid(), "VmHWM:");

    std::printf("| reload-bench: %zu users x %d layers on Debian's Firefox profile | value |\n|---|---|\n",
                uids.size(), layers);
    std::printf("| VmRSS at start / with the layers | %.1f / %.1f MiB |\n", mib(at_start), mib(after_layers));
    std::printf("| VmRSS after reload 1 / %d / %d | %.1f / %.1f / %.1f MiB |\n", reloads / 2, reloads,
                mib(rss.front()), mib(rss[rss.size() / 2 - (rss.size() > 1 ? 1 : 0)]), mib(rss.back()));
    // One sample moves by a fifth with where the reload's last allocations fell:
    // the medians of the first and the last tenth of the curve say more.
    const std::size_t tenth = std::max<std::size_t>(3, rss.size() / 10);
    auto median_of = [&](std::size_t from) {
        std::vector<double> part;
        for (std::size_t i = from; i < std::min(rss.size(), from + tenth); ++i)
            part.push_back(static_cast<double>(rss[i]));
        return percentile(part, 0.5);
    };
    const double first = median_of(0);
    const double last = median_of(rss.size() > tenth ? rss.size() - tenth : 0);
    std::printf("| RSS after the last reload / after the first | %.2f (goal: within 1.10) |\n",
                static_cast<double>(rss.back()) / static_cast<double>(rss.front()));
    std::printf("| median RSS of the last %zu reloads / of the first %zu | %.1f / %.1f MiB = %.2f |\n", tenth,
                tenth, last / 1024.0, first / 1024.0, last / first);
    std::printf("| reload time p50 / max | %.0f / %.0f ms |\n", percentile(reload_ms, 0.5),
                percentile(reload_ms, 1.0));
    std::printf("| %d applies (%.0f/s): VmRSS every tenth |", applies, applies / apply_seconds);
    for (const long k : apply_rss)
        std::printf(" %.1f", mib(k));
    std::printf(" MiB |\n| peak (VmHWM) | %.1f MiB |\n", mib(hwm));
    std::printf("reload curve (MiB):");
    for (const long k : rss)
        std::printf(" %.1f", mib(k));
    std::printf("\n");
    for (const auto& [name, n] : errors)
        std::printf("error %s: %d\n", name.c_str(), n);
    const std::string log = s.log();
    const auto last_reload = log.rfind("grants and bases read again:");
    if (last_reload != std::string::npos)
        std::printf("last reload: %s\n",
                    log.substr(last_reload, log.find('\n', last_reload) - last_reload).c_str());
    return errors.empty() ? 0 : 1;
}
