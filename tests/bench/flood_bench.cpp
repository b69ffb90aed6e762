// A flood of denials (issue 16's acceptance): a program under a layer
// causing 100,000 denials a second must not grow aalayerd's memory past its
// bound, and other users' requests must keep answering.
//
// The real aalayerd on a private bus with the real polkitd, compile-only,
// reading an auditd-style log (denial_source audit-log) that this program
// appends to as auditd would: AVC records, apparmor="DENIED", of the
// children of "nobody"'s four layers (app//aalayer.65534.floodK), half of
// them a new path each time (every ring stays full and drops), half one of
// 16 paths seen again (de-duplicated: a count). Meanwhile "nobody" follows
// one of the layers (SubscribeDenials: the Denials signals it receives are
// counted) and "daemon" lists its layers, checks and applies, as in
// hostile-bench; the reference is the same "daemon" alone, measured first in
// the same run. Reported: the rate written, how far the service's reader
// got (its file offset, /proc/PID/fdinfo) and what it says it read (its log
// line at the stop), its memory (VmRSS every 100 ms, VmHWM) against the
// bound, the records each layer kept, the signals the follower got, and
// the victim's latencies. No assertion on timings (a loaded CI machine
// would fail them); the victim's errors and memory past the bound fail it.
//   flood-bench           10 s of flood at 100,000 records a second (10 s alone before)
//   flood-bench --short   5 s of flood (3 s alone before): CI
// Each user runs in a process of its own with its own uid (--client).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sdbus-c++/sdbus-c++.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbus/sdbus_compat.h"
#include "tests/bench/victim.h"
#include "tests/support/measure.h"
#include "tests/support/service_fixture.h"

namespace {

using namespace aalayer::test;
using Clock = std::chrono::steady_clock;
// Layer1's denial record: (last, first, count, operation, class, path, peer,
// detail, requested, denied, owner, fsuid, ouid, pid, comm, mode, origin,
// rule, allow, note, info).
using DenialRecord =
    sdbus::Struct<std::uint64_t, std::uint64_t, std::uint64_t, std::string, std::string, std::string,
                  std::string, std::string, std::string, std::string, std::string, std::uint32_t,
                  std::uint32_t, std::uint32_t, std::string, std::string, std::string, std::string,
                  std::string, std::string, std::string>;

constexpr int kLayers = 4;
constexpr double kRate = 100'000;       // records a second
constexpr std::size_t kPerLayer = 256;  // max_denials_per_layer, the default
// What one kept record may take with its key (docs/service.md, "Memory and cost").
constexpr long kRecordKib = 12;

// The layer's owner following it: prints "signals N records M".
int follower(const std::string& address, const std::string& path, double seconds) {
    auto conn = sdbus::createSessionBusConnectionWithAddress(address);
    std::atomic<long> signals{0};
    std::atomic<long> records{0};
    auto slot = aalayer::sdbus_compat::add_match(
        *conn, "type='signal',interface='org.aalayer.Layer1',member='Denials',path='" + path + "'",
        [&](auto&& message) {
            std::vector<DenialRecord> denials;
            message >> denials;
            ++signals;
            records += static_cast<long>(denials.size());
        });
    auto layer = aalayer::sdbus_compat::create_proxy(*conn, "org.aalayer.Manager1", path);
    layer->callMethod("SubscribeDenials")
        .onInterface("org.aalayer.Layer1")
        .withTimeout(std::chrono::seconds(60))
        .storeResultsTo();
    conn->enterEventLoopAsync();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    conn->leaveEventLoop();
    std::printf("signals %ld records %ld\n", signals.load(), records.load());
    return 0;
}

// An auditd log line: a read denied to the child of nobody's layer floodK.
void append_record(std::string& out, std::uint64_t serial, std::uint64_t epoch_ms) {
    const int layer = static_cast<int>(serial % kLayers);
    const bool fresh = (serial / kLayers) % 2 == 0;
    out += "type=AVC msg=audit(" + std::to_string(epoch_ms / 1000) + "." + std::to_string(epoch_ms % 1000) +
           ":" + std::to_string(serial) +
           "): apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"app//aalayer.65534.flood" +
           std::to_string(layer) + "\" name=\"/nonexistent/docs/" +
           (fresh ? "flood/" + std::to_string(serial) : "hot/" + std::to_string(serial % 16)) +
           "\" pid=4242 comm=\"flooder\" requested_mask=\"r\" denied_mask=\"r\" fsuid=65534 ouid=65534\n";
}

struct Written {
    std::uint64_t records = 0;
    double seconds = 0;
};

// Appends records at `rate` a second for `seconds`, in one write(2) a
// millisecond or so (auditd writes a record at a time; the reader sees the
// same bytes either way).
Written flood(const std::string& log, double rate, double seconds) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return {};
    Written w;
    std::string batch;
    const auto start = Clock::now();
    while (true) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        if (elapsed >= seconds) break;
        const auto target = static_cast<std::uint64_t>(rate * elapsed);
        const auto epoch_ms =
            static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
        batch.clear();
        // At most 10,000 a round: a writer fallen behind still looks at the clock.
        for (int i = 0; w.records < target && i < 10'000; ++w.records, ++i)
            append_record(batch, w.records, epoch_ms);
        for (std::size_t done = 0; done < batch.size();) {
            const ssize_t n = ::write(fd, batch.data() + done, batch.size() - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    w.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    ::close(fd);
    return w;
}

// How far `pid` has read `path`: the offset of its descriptor on it (-1 if none).
long long read_offset(pid_t pid, const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        std::error_code link_ec;
        if (fs::read_symlink(entry.path(), link_ec) != path) continue;
        std::ifstream info("/proc/" + std::to_string(pid) + "/fdinfo/" + entry.path().filename().string());
        for (std::string line; std::getline(info, line);)
            if (line.starts_with("pos:")) return std::stoll(line.substr(4));
    }
    return -1;
}

long long file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

// The CPU time `pid` has used (user and system), in seconds.
double cpu_seconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    double ticks = 0;
    // Fields 3 on: utime is the 14th, stime the 15th.
    for (int i = 3; i <= 15 && fields >> field; ++i)
        if (i >= 14) ticks += std::stod(field);
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double mib(long kib) {
    return static_cast<double>(kib) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 3 && args[0] == "--client") return victim_loop(args[1], std::stod(args[2]));
    if (args.size() == 4 && args[0] == "--follower") return follower(args[1], args[2], std::stod(args[3]));
    const bool short_mode = !args.empty() && args[0] == "--short";
    const double seconds = short_mode ? 5 : 10;
    const double alone_seconds = short_mode ? 3 : 10;

    TempDir logs;
    ::chmod(logs.path().c_str(), 0755);
    const std::string audit_log = logs.write("audit.log", "");
    Service s({"denial_source=audit-log", "audit_log=" + audit_log,
               "max_denials_per_layer=" + std::to_string(kPerLayer)});
    for (int k = 0; k < kLayers; ++k) {
        const auto r = s.apply(kNobody, "flood" + std::to_string(k), "owner @{HOME}/docs/** r,\n");
        if (r.exit_code != 0) {
            std::printf("apply flood%d: %s\n%s", k, r.out.c_str(), s.log().c_str());
            return 1;
        }
    }
    const std::string exe = self_exe();
    if (exe.empty()) return 2;
    const auto start_victim = [&](double secs) {
        return start_as(kDaemon, {exe, "--client", s.bus().address(), std::to_string(secs)}, secs);
    };

    // The reference, in the same run: the same user with no flood.
    const VictimRun alone = parse_victim(start_victim(alone_seconds).get());
    // The service's memory before the flood, with its layers and one victim run behind it.
    const long baseline_rss = status_kib(s.pid(), "VmRSS:");
    const long baseline_hwm = status_kib(s.pid(), "VmHWM:");

    auto follow = start_as(
        kNobody,
        {exe, "--follower", s.bus().address(), layer_path(kNobody, "flood0"), std::to_string(seconds + 2)},
        seconds);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // subscribed before the flood
    const double cpu_before = cpu_seconds(s.pid());
    auto writer = std::async(std::launch::async, [&] { return flood(audit_log, kRate, seconds); });
    auto attacked_victim = start_victim(seconds);
    long peak_rss = 0;
    long long max_behind = 0;  // bytes written and not yet read
    const auto sample = [&] {
        peak_rss = std::max(peak_rss, status_kib(s.pid(), "VmRSS:"));
        const long long pos = read_offset(s.pid(), audit_log);
        if (pos >= 0) max_behind = std::max(max_behind, file_size(audit_log) - pos);
    };
    while (writer.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
        sample();
    const Written written = writer.get();
    const auto flood_end = Clock::now();
    // Until the reader is at the end (or 60 s): how long it takes to catch up.
    double catch_up = -1;
    while (Clock::now() - flood_end < std::chrono::seconds(60)) {
        sample();
        if (read_offset(s.pid(), audit_log) == file_size(audit_log)) {
            catch_up = std::chrono::duration<double>(Clock::now() - flood_end).count();
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const double cpu_flood = cpu_seconds(s.pid()) - cpu_before;
    while (attacked_victim.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
        sample();
    const VictimRun attacked = parse_victim(attacked_victim.get());
    const std::string followed = follow.get().out;
    const long hwm = status_kib(s.pid(), "VmHWM:");

    // What each layer kept (as root, who may read any layer's records).
    int failures = 0;
    std::uint64_t kept_records = 0;
    std::uint64_t counted = 0;
    std::uint64_t dropped = 0;
    {
        auto conn = sdbus::createSessionBusConnectionWithAddress(s.bus().address());
        for (int k = 0; k < kLayers; ++k) {
            auto layer = aalayer::sdbus_compat::create_proxy(
                *conn, "org.aalayer.Manager1", layer_path(kNobody, "flood" + std::to_string(k)));
            std::vector<DenialRecord> denials;
            std::uint64_t d = 0;
            layer->callMethod("GetDenials")
                .onInterface("org.aalayer.Layer1")
                .withTimeout(std::chrono::seconds(60))
                .withArguments(std::uint64_t{0})
                .storeResultsTo(denials, d);
            kept_records += denials.size();
            dropped += d;
            for (const auto& r : denials)
                counted += std::get<2>(r);
            if (denials.size() > kPerLayer) {
                std::printf("layer flood%d keeps %zu records, over %zu\n", k, denials.size(), kPerLayer);
                ++failures;
            }
        }
    }
    const int stop_code = s.terminate();
    // The service's own count, logged at its stop.
    std::uint64_t service_read = 0;
    std::string stats_line;
    {
        // (No std::regex: GCC 12 warns inside it in the sanitizer build.)
        const std::string log = s.log();
        const std::string mark = "denials from audit-log: ";
        if (const auto at = log.find(mark); at != std::string::npos) {
            stats_line = log.substr(at, log.find('\n', at) - at);
            service_read = std::strtoull(log.c_str() + at + mark.size(), nullptr, 10);
        }
    }

    const double rate = written.seconds > 0 ? static_cast<double>(written.records) / written.seconds : 0;
    // The bound: what the service held before the flood, plus every layer's
    // ring full of the largest records, plus one batch of the follower's
    // layer in flight (copied, explained, marshalled: three copies).
    const long bound_kib = baseline_rss + (kLayers + 3) * static_cast<long>(kPerLayer) * kRecordKib;
    std::printf("flood: %llu records in %.2f s written (%.0f a second; asked %.0f), %.1f MiB\n",
                static_cast<unsigned long long>(written.records), written.seconds, rate, kRate,
                static_cast<double>(file_size(audit_log)) / (1024.0 * 1024.0));
    std::printf("reader: at most %.1f MiB behind the writer; %s\n",
                static_cast<double>(max_behind) / (1024.0 * 1024.0),
                catch_up < 0 ? "not caught up 60 s after the flood"
                             : ("at the end of the log " + std::to_string(catch_up).substr(0, 4) +
                                " s after the flood")
                                   .c_str());
    std::printf(
        "service: %s (%llu of %llu written)\n", stats_line.empty() ? "no stats line" : stats_line.c_str(),
        static_cast<unsigned long long>(service_read), static_cast<unsigned long long>(written.records));
    std::printf("aalayerd's CPU time from the flood's start until it had read it all: %.2f s\n", cpu_flood);
    std::printf("kept: %llu records in %d layers (rings of %zu), counting %llu denials; %llu pushed out\n",
                static_cast<unsigned long long>(kept_records), kLayers, kPerLayer,
                static_cast<unsigned long long>(counted), static_cast<unsigned long long>(dropped));
    std::printf("follower of flood0: %s", followed.empty() ? "no output\n" : followed.c_str());
    std::printf(
        "memory: before the flood VmRSS %.1f MiB (VmHWM %.1f); during it VmRSS max %.1f MiB, VmHWM %.1f MiB; "
        "bound %.1f MiB (before + (%d layers + 3) x %zu records x %ld KiB)\n",
        mib(baseline_rss), mib(baseline_hwm), mib(peak_rss), mib(hwm), mib(bound_kib), kLayers, kPerLayer,
        kRecordKib);
    std::printf(
        "\n| victim's request | alone (%.0f s): n, p50 / p99 | under the flood (%.0f s): n, p50 / p99 / max "
        "| p99 "
        "ratio |\n|---|---|---|---|\n",
        alone_seconds, seconds);
    for (const char* kind : {"list", "check", "apply"}) {
        const auto& a = alone.latency.count(kind) != 0 ? alone.latency.at(kind) : std::vector<double>{};
        const auto& l = attacked.latency.count(kind) != 0 ? attacked.latency.at(kind) : std::vector<double>{};
        const double a99 = percentile(a, 0.99);
        const double l99 = percentile(l, 0.99);
        std::printf("| %s | %zu, %.1f / %.1f ms | %zu, %.1f / %.1f / %.1f ms | %.2f |\n", kind, a.size(),
                    percentile(a, 0.5), a99, l.size(), percentile(l, 0.5), l99,
                    l.empty() ? 0.0 : *std::max_element(l.begin(), l.end()), a99 > 0 ? l99 / a99 : 0.0);
    }
    failures += victim_failures(alone);
    failures += victim_failures(attacked);
    if (stop_code != 0) {
        std::printf("aalayerd exited %d at SIGTERM\n", stop_code);
        ++failures;
    }
    if (service_read == 0 || kept_records == 0) {
        std::printf("the service read no records\n");
        ++failures;
    }
#if !defined(__SANITIZE_ADDRESS__)
    // Sizes, not times: they hold on a loaded machine too. (AddressSanitizer
    // keeps freed memory in quarantine: no bound there.)
    if (peak_rss > bound_kib || hwm > std::max(baseline_hwm, bound_kib)) {
        std::printf("memory past the bound\n");
        ++failures;
    }
#endif
    return failures == 0 ? 0 : 1;
}
