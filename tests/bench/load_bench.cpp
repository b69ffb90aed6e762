// A bounded load test of aalayerd (compile-only) on a private bus: many
// clients applying layers (ApplyFor, for the real users of this machine)
// and checking layer texts, while a liveness ping runs throughout. Reports
// throughput, p50/p99 latency and the service's peak memory. No assertion
// on timings; errors other than LimitExceeded fail the run.
//   load-bench             200 clients, 2,000 applies, 20,000 checks
//   load-bench --short     20 clients, 100 applies, 1,000 checks (CI)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <pwd.h>
#include <sdbus-c++/sdbus-c++.h>

#include "dbus/sdbus_compat.h"
#include "tests/support/measure.h"
#include "tests/support/service_fixture.h"

namespace {

using namespace aalayer::test;
using Clock = std::chrono::steady_clock;
using Findings =
    std::vector<sdbus::Struct<std::string, std::uint32_t, std::uint32_t, std::string, std::string>>;

}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = argc > 1 && std::string_view(argv[1]) == "--short";
    const int clients = short_mode ? 20 : 200;
    const int applies_per_client = short_mode ? 5 : 10;
    const int checks_per_client = short_mode ? 50 : 100;
    // Real users with homes, so ApplyFor can expand @{HOME}.
    std::vector<std::uint32_t> uids;
    setpwent();
    while (passwd* p = getpwent())
        if (p->pw_uid != 0 && uids.size() < 20) uids.push_back(p->pw_uid);
    endpwent();

    // Every call is root's (ApplyFor for 20 users): its queue share as large as the queue.
    Service s({"rate_limit_per_minute=100000", "max_layers_per_user=100000", "max_queued=1024",
               "max_queued_per_user=1024", "workers=4"});
    const std::string address = s.bus().address();
    std::mutex mutex;
    std::vector<double> apply_ms;
    std::vector<double> check_ms;
    std::map<std::string, int> errors;
    std::atomic<bool> done{false};
    std::vector<double> ping_ms;
    std::thread pinger([&] {
        auto c = sdbus::createSessionBusConnectionWithAddress(address);
        auto p = aalayer::sdbus_compat::create_proxy(*c, "org.aalayer.Manager1", "/org/aalayer/Manager1");
        while (!done) {
            const auto t = Clock::now();
            p->callMethod("Ping")
                .onInterface("org.freedesktop.DBus.Peer")
                .withTimeout(std::chrono::seconds(30));
            const double d = ms(Clock::now() - t);
            {
                const std::lock_guard lock(mutex);
                ping_ms.push_back(d);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            auto conn = sdbus::createSessionBusConnectionWithAddress(address);
            auto m =
                aalayer::sdbus_compat::create_proxy(*conn, "org.aalayer.Manager1", "/org/aalayer/Manager1");
            const std::uint32_t uid = uids[static_cast<std::size_t>(c) % uids.size()];
            const int checks_between = checks_per_client / applies_per_client;
            for (int i = 0; i < applies_per_client; ++i) {
                const std::string name = "c" + std::to_string(c) + "x" + std::to_string(i % 3);
                const std::string text =
                    "owner @{HOME}/d" + std::to_string(i) + "/** rw,\ndeny @{HOME}/s/** r,\n";
                auto call = [&](auto&& fn, std::vector<double>& into) {
                    const auto t = Clock::now();
                    try {
                        fn();
                        const std::lock_guard lock(mutex);
                        into.push_back(ms(Clock::now() - t));
                    } catch (const sdbus::Error& e) {
                        const std::lock_guard lock(mutex);
                        ++errors[e.getName()];
                    }
                };
                call(
                    [&] {
                        sdbus::ObjectPath path;
                        Findings f;
                        m->callMethod("ApplyFor")
                            .onInterface("org.aalayer.Manager1")
                            .withTimeout(std::chrono::seconds(120))
                            .withArguments(uid, std::string("app"), name, text,
                                           std::map<std::string, sdbus::Variant>{})
                            .storeResultsTo(path, f);
                    },
                    apply_ms);
                for (int k = 0; k < checks_between; ++k) {
                    call(
                        [&] {
                            std::string child;
                            Findings f;
                            m->callMethod("Check")
                                .onInterface("org.aalayer.Manager1")
                                .withTimeout(std::chrono::seconds(120))
                                .withArguments(std::string("app"), name, text)
                                .storeResultsTo(child, f);
                        },
                        check_ms);
                }
            }
        });
    }
    for (auto& t : threads)
        t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    done = true;
    pinger.join();
    const long peak = status_kib(s.pid(), "VmHWM:");
    std::printf("| measure (%d clients, %zu users) | value |\n|---|---|\n", clients, uids.size());
    std::printf("| applies done | %zu in %.1f s (%.1f/s) |\n", apply_ms.size(), seconds,
                static_cast<double>(apply_ms.size()) / seconds);
    std::printf("| checks done | %zu (%.1f/s) |\n", check_ms.size(),
                static_cast<double>(check_ms.size()) / seconds);
    std::printf("| Apply latency p50 / p99 | %.1f / %.1f ms |\n", percentile(apply_ms, 0.5),
                percentile(apply_ms, 0.99));
    std::printf("| Check latency p50 / p99 | %.1f / %.1f ms |\n", percentile(check_ms, 0.5),
                percentile(check_ms, 0.99));
    std::printf("| liveness ping p50 / max (%zu pings) | %.2f / %.1f ms |\n", ping_ms.size(),
                percentile(ping_ms, 0.5),
                ping_ms.empty() ? 0.0 : *std::max_element(ping_ms.begin(), ping_ms.end()));
    std::printf("| aalayerd peak memory (VmHWM) | %.1f MiB |\n", static_cast<double>(peak) / 1024.0);
    int failures = 0;
    for (const auto& [name, count] : errors) {
        std::printf("| errors %s | %d |\n", name.c_str(), count);
        if (name != "org.aalayer.Error.LimitExceeded") failures += count;
    }
    return failures == 0 && !ping_ms.empty() ? 0 : 1;
}
