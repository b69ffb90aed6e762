// aalayerd under attack by two local users while a third uses it (issue
// 12's acceptance): "nobody" floods Check with the costliest text it has
// found, from 8 connections at once; "bin" floods Check with 64 KiB texts
// (at the size limit), from 8 connections; meanwhile "daemon" lists its
// layers (GetManagedObjects), checks and applies, and every one of its
// requests must succeed. Reports that user's latencies (p50/p99), what the
// attackers got back, and the service's peak memory. No assertion on
// timings (a loaded CI machine would fail them); the victim's errors, and
// peak memory over the documented bound, fail the run. The reference,
// measured first in the same run: the same user's requests with nobody
// attacking, for a third of the time.
//   hostile-bench           60 s of attack (20 s alone before)
//   hostile-bench --short   10 s of attack (CI)
// Each user runs in a process of its own with its own uid (--client).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <sstream>

#include "tests/bench/victim.h"
#include "tests/support/measure.h"
#include "tests/support/service_fixture.h"

namespace {

using namespace aalayer::test;

// The costliest layer text found so far: a `**` followed by many `?`.
const std::string kCostly = "owner @{HOME}/**a??????????????? rw,\n";

// 256 rules (the rule limit) padded with a comment to just under 64 KiB.
std::string big_text() {
    std::string t;
    for (int i = 0; i < 255; ++i)
        t += "owner @{HOME}/d" + std::to_string(i) + "/{a,b,c}*/** rw,\n";
    t += "#";
    t.resize(65535, 'x');
    t += "\n";
    return t;
}

// One user's loop (a process of that uid, tests/bench/victim.h).
int client(const std::string& address, const std::string& role, double seconds) {
    if (role == "victim") return victim_loop(address, seconds);
    return check_loop(address, seconds, role == "costly" ? kCostly : big_text());
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 4 && args[0] == "--client") return client(args[1], args[2], std::stod(args[3]));
    const bool short_mode = !args.empty() && args[0] == "--short";
    const double seconds = short_mode ? 10 : 60;
    Service s;
    const std::string exe = self_exe();
    if (exe.empty()) return 2;
    const auto start_client = [&](uid_t uid, const std::string& role, double secs) {
        return start_as(uid, {exe, "--client", s.bus().address(), role, std::to_string(secs)}, secs);
    };
    // The reference, in the same run: the same user alone.
    const VictimRun alone = parse_victim(start_client(kDaemon, "victim", seconds / 3).get());
    std::vector<std::future<ProcessResult>> attackers;
    for (int i = 0; i < 8; ++i) {
        attackers.push_back(start_client(kNobody, "costly", seconds));
        attackers.push_back(start_client(kBin, "big", seconds));
    }
    auto victim = start_client(kDaemon, "victim", seconds);
    long peak_rss = 0;
    while (victim.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
        peak_rss = std::max(peak_rss, status_kib(s.pid(), "VmRSS:"));
    const VictimRun attacked = parse_victim(victim.get());
    std::map<std::string, int> attacker_answers;
    for (auto& a : attackers) {
        std::istringstream al(a.get().out);
        for (std::string kind, value; al >> kind >> value;)
            ++attacker_answers[kind == "error" ? value : "ok"];
    }
    const long hwm = status_kib(s.pid(), "VmHWM:");
    std::printf(
        "| victim's request | alone (%.0f s): n, p50 / p99 | under attack (%.0f s): n, p50 / p99 / max |\n"
        "|---|---|---|\n",
        seconds / 3, seconds);
    for (const char* kind : {"list", "check", "apply"}) {
        const auto& a = alone.latency.count(kind) != 0 ? alone.latency.at(kind) : std::vector<double>{};
        const auto& l = attacked.latency.count(kind) != 0 ? attacked.latency.at(kind) : std::vector<double>{};
        std::printf("| %s | %zu, %.1f / %.1f ms | %zu, %.1f / %.1f / %.1f ms |\n", kind, a.size(),
                    percentile(a, 0.5), percentile(a, 0.99), l.size(), percentile(l, 0.5),
                    percentile(l, 0.99), l.empty() ? 0.0 : *std::max_element(l.begin(), l.end()));
    }
    std::printf(
        "\naalayerd peak memory: VmHWM %.1f MiB (RSS sampled every 100 ms under attack: max %.1f MiB)\n",
        static_cast<double>(hwm) / 1024.0, static_cast<double>(peak_rss) / 1024.0);
    std::printf("attackers' answers:");
    for (const auto& [kind, count] : attacker_answers)
        std::printf(" %s=%d", kind.c_str(), count);
    std::printf("\n");
    int failures = victim_failures(alone);
    failures += victim_failures(attacked);
#if !defined(__SANITIZE_ADDRESS__)
    // The documented bound (docs/RELIABILITY.md, "Memory"); a size, not a
    // time, so it holds on a loaded machine too. (AddressSanitizer keeps
    // freed memory in quarantine: no bound there.)
    if (hwm > 256L * 1024L) {
        std::printf("peak memory over the documented 256 MiB\n");
        ++failures;
    }
#endif
    return failures == 0 ? 0 : 1;
}
