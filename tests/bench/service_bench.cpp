// aalayerd end to end on a private bus with the real polkitd, compile-only:
// Apply (bus, polkit, engine, apparmor_parser) against apparmor_parser
// compiling the same child on its own, in the same run; and Check's round
// trip. Debian's Firefox profile as the base, the banking layer, as root
// (polkit allows uid 0; root is not rate limited). Prints Markdown.
//   service-bench            full run;   service-bench --short   a few rounds, for CI
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <sdbus-c++/sdbus-c++.h>

#include "tests/support/bus_harness.h"

namespace {

using namespace aalayer::test;
using Clock = std::chrono::steady_clock;
using Findings =
    std::vector<sdbus::Struct<std::string, std::uint32_t, std::uint32_t, std::string, std::string>>;

double median_ms(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = argc > 1 && std::string_view(argv[1]) == "--short";
    const int rounds = short_mode ? 3 : 30;
    const std::string firefox = "/usr/share/apparmor/extra-profiles/usr.lib.firefox.firefox";
    const std::string root = env_or("AALAYER_SOURCE_ROOT", ".");
    if (!std::filesystem::exists(firefox)) {
        std::fprintf(stderr, "service-bench: %s missing (install apparmor-profiles-extra)\n",
                     firefox.c_str());
        return 1;
    }
    PrivateSystemBus bus;
    Polkitd::Config pc;
    pc.action_files = {root + "/polkit/org.aalayer.policy"};
    Polkitd polkit(bus, pc);
    TempDir dir;
    std::filesystem::create_directories(dir.path() + "/profiles");
    std::filesystem::copy_file(firefox, dir.path() + "/profiles/firefox");
    dir.write("grants/firefox.conf", read(root + "/docs/examples/grants/firefox.conf"));
    BackgroundProcess::Options options;
    options.env = {"DBUS_SYSTEM_BUS_ADDRESS=" + bus.address()};
    options.log_path = dir.path() + "/service.log";
    BackgroundProcess service(
        {env_or("AALAYER_DAEMON", "aalayerd"), "--config", "/dev/null", "--set", "backend=compile-only",
         "--set", "state_dir=" + dir.path() + "/state", "--set", "grants_dir=" + dir.path() + "/grants",
         "--set", "profiles_dir=" + dir.path() + "/profiles"},
        options);
    if (!bus.wait_for_name("org.aalayer.Manager1", std::chrono::seconds(30))) {
        std::fprintf(stderr, "service-bench: aalayerd did not start\n%s\n",
                     read(dir.path() + "/service.log").c_str());
        return 1;
    }
    auto connection = sdbus::createSessionBusConnectionWithAddress(bus.address());
    auto manager = sdbus::createProxy(*connection, "org.aalayer.Manager1", "/org/aalayer/Manager1");
    const std::string base = "/usr/lib/firefox{,-[0-9]*}/firefox{,*[^s][^h]}";
    const std::string layer = read(root + "/docs/examples/layers/banking.layer");

    std::vector<double> check_ms;
    std::string child;
    for (int i = 0; i < rounds * 3; ++i) {
        Findings findings;
        const auto t = Clock::now();
        manager->callMethod("Check")
            .onInterface("org.aalayer.Manager1")
            .withArguments(base, std::string("banking"), layer)
            .storeResultsTo(child, findings);
        check_ms.push_back(ms_since(t));
    }
    std::vector<double> apply_ms;
    for (int i = 0; i < rounds; ++i) {
        sdbus::ObjectPath path;
        Findings findings;
        const auto t = Clock::now();
        manager->callMethod("Apply")
            .onInterface("org.aalayer.Manager1")
            .withTimeout(std::chrono::seconds(60))
            .withArguments(base, std::string("banking"), layer, std::map<std::string, sdbus::Variant>{})
            .storeResultsTo(path, findings);
        apply_ms.push_back(ms_since(t));
    }
    const std::string child_file = dir.write("child", child);
    std::vector<double> parser_ms;
    for (int i = 0; i < rounds; ++i) {
        const auto t = Clock::now();
        const auto r = run_process({"apparmor_parser", "-Q", "-K", "-T", "-M", "/etc/apparmor.d/abi/3.0",
                                    "-o", "/dev/null", child_file});
        parser_ms.push_back(ms_since(t));
        if (r.exit_code != 0) {
            std::fprintf(stderr, "service-bench: apparmor_parser refused the child: %s\n", r.err.c_str());
            return 1;
        }
    }
    const double apply = median_ms(apply_ms);
    const double parser = median_ms(parser_ms);
    std::printf(
        "| measure (Firefox base, banking layer, compile-only) | median ms | ratio |\n|---|---|---|\n");
    std::printf("| apparmor_parser compile-only of the child alone (%d runs) | %.1f | 1 |\n", rounds, parser);
    std::printf(
        "| Apply over the bus: polkit, engine, apparmor_parser, atomic write (%d calls) | %.1f | %.2f |\n",
        rounds, apply, apply / parser);
    std::printf("| Check over the bus: engine only (%d calls) | %.2f | |\n", rounds * 3, median_ms(check_ms));
    std::printf("\nApply overhead over apparmor_parser: %.0f%%\n", 100.0 * (apply - parser) / parser);
    return 0;
}
