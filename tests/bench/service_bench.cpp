// aalayerd end to end on a private bus with the real polkitd, compile-only:
// Apply (bus, polkit, engine, apparmor_parser, the write) against
// apparmor_parser compiling the same child on its own, in the same run; and
// Check's round trip. Debian's Firefox profile as the base, the banking
// layer. The calls come from a user (nobody) whom a polkit rule allows, so
// polkit is asked for every Apply as in real use; Apply as root (not asked)
// is shown beside it. Prints Markdown.
//   service-bench            full run;   service-bench --short   a few rounds, for CI
//   service-bench --client ADDRESS ROUNDS   (internal) the calls, as the uid it runs as
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <sdbus-c++/sdbus-c++.h>

#include "dbus/sdbus_compat.h"
#include "tests/support/bus_harness.h"
#include "tests/support/firefox_profile.h"

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

struct Samples {
    std::vector<double> check_ms;
    std::vector<double> apply_ms;
    std::string child;
};

// Check three times per round, then Apply once per round, timing each call.
Samples call_service(const std::string& address, int rounds, const std::string& layer) {
    auto connection = sdbus::createSessionBusConnectionWithAddress(address);
    auto manager =
        aalayer::sdbus_compat::create_proxy(*connection, "org.aalayer.Manager1", "/org/aalayer/Manager1");
    const std::string base = aalayer::test::debian_firefox_profile().value().name;
    Samples out;
    for (int i = 0; i < rounds * 3; ++i) {
        Findings findings;
        const auto t = Clock::now();
        manager->callMethod("Check")
            .onInterface("org.aalayer.Manager1")
            .withArguments(base, std::string("banking"), layer)
            .storeResultsTo(out.child, findings);
        out.check_ms.push_back(ms_since(t));
    }
    for (int i = 0; i < rounds; ++i) {
        sdbus::ObjectPath path;
        Findings findings;
        const auto t = Clock::now();
        manager->callMethod("Apply")
            .onInterface("org.aalayer.Manager1")
            .withTimeout(std::chrono::seconds(60))
            .withArguments(base, std::string("banking"), layer, std::map<std::string, sdbus::Variant>{})
            .storeResultsTo(path, findings);
        out.apply_ms.push_back(ms_since(t));
    }
    return out;
}

// The client half, run as another uid: samples on stdout, then the child.
int client_main(const std::string& address, int rounds, const std::string& layer_file) {
    const Samples s = call_service(address, rounds, read(layer_file));
    for (const double ms : s.check_ms)
        std::printf("check %f\n", ms);
    for (const double ms : s.apply_ms)
        std::printf("apply %f\n", ms);
    std::printf("child\n%s", s.child.c_str());
    return 0;
}

Samples parse_samples(const std::string& out) {
    Samples s;
    std::istringstream in(out);
    std::string word;
    while (in >> word) {
        if (word == "child") {
            in.get();
            std::stringstream rest;
            rest << in.rdbuf();
            s.child = rest.str();
            break;
        }
        double ms = 0;
        in >> ms;
        (word == "check" ? s.check_ms : s.apply_ms).push_back(ms);
    }
    return s;
}

constexpr const char* kAllowNobody = R"(
polkit.addRule(function(action, subject) {
    if (action.id == "org.aalayer.manage-own" && subject.user == "nobody") return polkit.Result.YES;
});
)";

}  // namespace

int main(int argc, char** argv) {
    if (argc == 5 && std::string_view(argv[1]) == "--client")
        return client_main(argv[2], std::stoi(argv[3]), argv[4]);
    const bool short_mode = argc > 1 && std::string_view(argv[1]) == "--short";
    const int rounds = short_mode ? 3 : 30;
    const auto profile = aalayer::test::debian_firefox_profile();
    const std::string root = env_or("AALAYER_SOURCE_ROOT", ".");
    if (!profile) {
        std::fprintf(
            stderr, "service-bench: Debian's Firefox profile is missing (install apparmor-profiles-extra)\n");
        return 1;
    }
    const std::string& firefox = profile->path;
    std::printf("service-bench: base %s (profile %s)\n", firefox.c_str(), profile->name.c_str());
    PrivateSystemBus bus;
    Polkitd::Config pc;
    pc.action_files = {root + "/polkit/org.aalayer.policy"};
    pc.rules = {{"50-bench", kAllowNobody}};
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
         "--set", "profiles_dir=" + dir.path() + "/profiles", "--set", "rate_limit_per_minute=100000",
         "--set", "check_rate_limit_per_minute=100000"},
        options);
    if (!bus.wait_for_name("org.aalayer.Manager1", std::chrono::seconds(30))) {
        std::fprintf(stderr, "service-bench: aalayerd did not start\n%s\n",
                     read(dir.path() + "/service.log").c_str());
        return 1;
    }
    const std::string layer_file = root + "/docs/examples/layers/banking.layer";
    const auto as_nobody = run_as(65534, 65534,
                                  {std::filesystem::canonical("/proc/self/exe").string(), "--client",
                                   bus.address(), std::to_string(rounds), layer_file},
                                  std::chrono::minutes(10));
    if (as_nobody.exit_code != 0) {
        std::fprintf(stderr, "service-bench: the calls as nobody failed: %s\n%s\n", as_nobody.err.c_str(),
                     read(dir.path() + "/service.log").c_str());
        return 1;
    }
    const Samples user = parse_samples(as_nobody.out);
    const Samples as_root = call_service(bus.address(), rounds, read(layer_file));
    const std::string& child = user.child;
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
    const double apply = median_ms(user.apply_ms);
    const double apply_root = median_ms(as_root.apply_ms);
    const double parser = median_ms(parser_ms);
    std::printf(
        "| measure (Firefox base, banking layer, compile-only) | median ms | ratio |\n|---|---|---|\n");
    std::printf("| apparmor_parser compile-only of the child alone (%d runs) | %.1f | 1 |\n", rounds, parser);
    std::printf(
        "| Apply as a user: bus, polkit, engine, apparmor_parser, atomic write (%d calls) | %.1f | %.2f |\n",
        rounds, apply, apply / parser);
    std::printf("| Apply as root: the same without polkit (%d calls) | %.1f | %.2f |\n", rounds, apply_root,
                apply_root / parser);
    std::printf("| Check over the bus as a user: engine only (%d calls) | %.2f | |\n", rounds * 3,
                median_ms(user.check_ms));
    std::printf("\nApply overhead over apparmor_parser: %.0f%% as a user, %.0f%% as root\n",
                100.0 * (apply - parser) / parser, 100.0 * (apply_root - parser) / parser);
    return 0;
}
