// The shared machine at scale (issue: many users, many layers): aalayerd
// (compile-only) on a private bus with Debian's Firefox profile as base and
// the example grant, USERS users with LAYERS layers each, applied as root
// (ApplyFor). Prints each measure beside its reference from the same run:
//   - RSS with USERS x LAYERS layers, right after the applies, once the
//     service has been idle a while, and after a restart;
//   - the cost of a user apart from the caches bounds_cache_size bounds: with
//     a cache of one, the slope of RSS against the number of users with 2
//     layers each (the caches full at every count), and of the heap in use
//     (mallinfo2, from bench/heap_probe.cpp preloaded), which does not move
//     with where allocations fell as RSS does; and what the
//     caches hold: RSS at bounds_cache_size (aalayerd.conf's default, or
//     CACHE) against a cache of one, with the same layers;
//   - Explain of a layer whose composition is not kept, its user's bounds
//     evicted and kept, against Explain of a kept one (the cache's trade-off);
//   - reload with nothing changed, and the service's own count of what it
//     recomputed;
//   - Explain over D-Bus from 16 clients against Peer.Ping on the same bus;
//   - start (compile-only), with the start records and without them (every
//     layer composed), against apparmor_parser compiling the same children in
//     one process (the children recorded as the service compiled them, by a
//     parser wrapper, during the applies).
// The last line, `scale-data: ...`, is what tests/bench/scale-plot.sh plots.
// Asserts no timing and no size; any error but none fails the run.
//   scale-bench                 50 users x 20 layers
//   scale-bench --short         3 users x 2 layers (CI: keeps it working)
//   scale-bench USERS LAYERS [CACHE]
// Users beyond this machine's come from an NSS wrapper (libnss-wrapper):
// aalayerd resolves them with getpwuid as it would real accounts.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <pwd.h>
#include <sdbus-c++/sdbus-c++.h>

#include "dbus/sdbus_compat.h"
#include "tests/support/firefox_profile.h"
#include "tests/support/measure.h"
#include "tests/support/service_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace aalayer::test;
using Clock = std::chrono::steady_clock;
using Findings =
    std::vector<sdbus::Struct<std::string, std::uint32_t, std::uint32_t, std::string, std::string>>;

constexpr const char* kNssWrapper = "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so";
constexpr std::uint32_t kFirstBenchUid = 70000;
constexpr int kClients = 16;
// Users whose Explain is timed, one after another, in the cache-of-one service.
constexpr std::size_t kTimedUsers = 8;
// Long enough for what the service does once its workers are idle (return
// freed memory) to have happened.
constexpr std::chrono::seconds kIdleWait{3};

double mib(long kib) {
    return static_cast<double>(kib) / 1024.0;
}

double seconds(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

// bounds_cache_size as aalayerd.conf ships it.
std::size_t shipped_bounds_cache_size() {
    std::istringstream conf(
        read_all(std::string(std::getenv("AALAYER_SOURCE_ROOT")) + "/service/data/aalayerd.conf.in"));
    for (std::string line; std::getline(conf, line);) {
        if (line.rfind("bounds_cache_size", 0) == 0 && line.find('=') != std::string::npos)
            return static_cast<std::size_t>(std::stoul(line.substr(line.find('=') + 1)));
    }
    std::fprintf(stderr, "scale-bench: no bounds_cache_size in aalayerd.conf.in\n");
    std::exit(1);
}

// Variations of the example layers: each its own profile directory, so no
// two layers of a user compose to the same child.
std::string layer_text(int i) {
    const std::string p = "p" + std::to_string(i);
    return "owner @{HOME}/.mozilla/firefox/" + p + "/ r,\nowner @{HOME}/.mozilla/firefox/" + p +
           "/** rwk,\nowner @{HOME}/.mozilla/firefox/profiles.ini r,\nowner @{HOME}/Downloads/" + p +
           "/** rw,\ndeny @{HOME}/.ssh/** rw,\n";
}

struct Users {
    std::vector<std::uint32_t> uids;
    std::vector<std::string> env;  // for aalayerd: the NSS wrapper, when used
};

// The heap probe (bench/heap_probe.cpp) preloaded beside what `env` preloads,
// writing to `file`. Not under a sanitizer: its runtime must be the first
// library loaded, which a preload would not let it be.
std::vector<std::string> with_heap_probe(std::vector<std::string> env, const std::string& file) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    (void)file;
    return env;
#else
    const std::string key = "LD_PRELOAD=";
    const auto it =
        std::find_if(env.begin(), env.end(), [&](const std::string& e) { return e.starts_with(key); });
    if (it == env.end()) {
        env.push_back(key + AALAYER_HEAP_PROBE_LIB);
    } else {
        *it += std::string(":") + AALAYER_HEAP_PROBE_LIB;
    }
    env.push_back("AALAYER_HEAP_PROBE=" + file);
    return env;
#endif
}

// What the probe wrote last, in KiB; -1 when there is none.
long heap_kib(const std::string& file) {
    const std::string text = read_all(file);
    return text.empty() ? -1 : static_cast<long>(std::stoull(text) / 1024);
}

// Least squares: the slope of `y` against `x`.
double slope(const std::vector<std::size_t>& x, const std::vector<long>& y) {
    if (x.size() < 2) return 0;
    double mx = 0;
    double my = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        mx += static_cast<double>(x[i]);
        my += static_cast<double>(y[i]);
    }
    mx /= static_cast<double>(x.size());
    my /= static_cast<double>(x.size());
    double sxy = 0;
    double sxx = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxy += (static_cast<double>(x[i]) - mx) * (static_cast<double>(y[i]) - my);
        sxx += (static_cast<double>(x[i]) - mx) * (static_cast<double>(x[i]) - mx);
    }
    return sxy / sxx;
}

// This machine's accounts but root, and made-up ones after them when more are
// wanted (through the NSS wrapper, in files under `dir`).
Users users_for(std::size_t wanted, const std::string& dir) {
    Users u;
    setpwent();
    while (passwd* p = getpwent())
        if (p->pw_uid != 0 && u.uids.size() < wanted) u.uids.push_back(p->pw_uid);
    endpwent();
    if (u.uids.size() == wanted) return u;
    if (!fs::exists(kNssWrapper)) {
        std::fprintf(stderr, "scale-bench: %zu users wanted, this machine has %zu; install libnss-wrapper\n",
                     wanted, u.uids.size());
        std::exit(1);
    }
    std::string passwd = read_all("/etc/passwd");
    std::string group = read_all("/etc/group");
    for (std::uint32_t uid = kFirstBenchUid; u.uids.size() < wanted; ++uid) {
        const std::string name = "scale" + std::to_string(uid);
        passwd +=
            name + ":x:" + std::to_string(uid) + ":" + std::to_string(uid) + "::/home/" + name + ":/bin/sh\n";
        group += name + ":x:" + std::to_string(uid) + ":\n";
        u.uids.push_back(uid);
    }
    std::ofstream(dir + "/passwd") << passwd;
    std::ofstream(dir + "/group") << group;
    u.env = {std::string("LD_PRELOAD=") + kNssWrapper, "NSS_WRAPPER_PASSWD=" + dir + "/passwd",
             "NSS_WRAPPER_GROUP=" + dir + "/group"};
    return u;
}

// apparmor_parser, keeping a copy of every child it compiles in `dir`, for
// the reference: one from stdin (-Q -K), or many as files (-W, at start).
std::string recording_parser(const std::string& dir) {
    std::string path = dir + "/recording-parser";
    std::ofstream(path)
        << "#!/bin/sh\n"
           "case \" $* \" in\n"
           "*\" -Q -K \"*) f=$(mktemp " +
               dir +
               "/children/c.XXXXXXXX); cat > \"$f\"; exec apparmor_parser \"$@\" \"$f\" ;;\n"
               "*\" -W \"*) for a in \"$@\"; do case \"$a\" in */texts/*) cp \"$a\" \"$(mktemp " +
               dir +
               "/children/c.XXXXXXXX)\" ;; esac; done ;;\n"
               "esac\n"
               "exec apparmor_parser \"$@\"\n";
    fs::create_directories(dir + "/children");
    fs::permissions(path, fs::perms::owner_all);
    return path;
}

class Bench {
public:
    explicit Bench(Service& s) : s_(s) {}

    void reload() {
        proxy()
            ->callMethod("Reload")
            .onInterface("org.aalayer.Manager1")
            .withTimeout(std::chrono::seconds(3600));
    }

    // (uid, layer index) applied from `threads` clients at once.
    void apply_all(const std::vector<std::pair<std::uint32_t, int>>& work, int threads) {
        std::atomic<std::size_t> next{0};
        std::vector<std::thread> pool;
        pool.reserve(static_cast<std::size_t>(threads));
        for (int t = 0; t < threads; ++t)
            pool.emplace_back([&] {
                auto c = sdbus::createSessionBusConnectionWithAddress(s_.bus().address());
                auto m =
                    aalayer::sdbus_compat::create_proxy(*c, "org.aalayer.Manager1", "/org/aalayer/Manager1");
                for (std::size_t i; (i = next++) < work.size();)
                    apply(*m, work[i].first, work[i].second);
            });
        for (auto& t : pool)
            t.join();
    }

    // Calls per second of `call` from kClients clients, each on its own connection.
    template <typename Call>
    double throughput(double run_seconds, Call call) {
        std::atomic<bool> stop{false};
        std::atomic<long> calls{0};
        std::vector<std::thread> clients;
        clients.reserve(kClients);
        for (int t = 0; t < kClients; ++t)
            clients.emplace_back([&, t] {
                auto c = sdbus::createSessionBusConnectionWithAddress(s_.bus().address());
                auto m =
                    aalayer::sdbus_compat::create_proxy(*c, "org.aalayer.Manager1", "/org/aalayer/Manager1");
                for (long n = 0; !stop; ++n) {
                    try {
                        call(*m, t, n);
                        ++calls;
                    } catch (const sdbus::Error& e) {
                        count_error(e.getName());
                    }
                }
            });
        const auto start = Clock::now();
        std::this_thread::sleep_for(std::chrono::duration<double>(run_seconds));
        stop = true;
        for (auto& t : clients)
            t.join();
        return static_cast<double>(calls) / seconds(Clock::now() - start);
    }

    void apply(sdbus::IProxy& m, std::uint32_t uid, int i) {
        try {
            sdbus::ObjectPath path;
            Findings f;
            m.callMethod("ApplyFor")
                .onInterface("org.aalayer.Manager1")
                .withTimeout(std::chrono::seconds(300))
                .withArguments(uid, base_, "l" + std::to_string(i), layer_text(i),
                               std::map<std::string, sdbus::Variant>{})
                .storeResultsTo(path, f);
            const std::lock_guard lock(mutex_);
            paths_[{uid, i}] = path;
        } catch (const sdbus::Error& e) {
            count_error(e.getName());
        }
    }

    // Milliseconds of one Layer1.Explain, as root, of the user's layer i.
    double explain_ms(std::uint32_t uid, int i) {
        if (!connection_) connection_ = sdbus::createSessionBusConnectionWithAddress(s_.bus().address());
        auto layer = aalayer::sdbus_compat::create_proxy(*connection_, "org.aalayer.Manager1",
                                                         std::string(paths_.at({uid, i})));
        std::string perms;
        std::vector<sdbus::Struct<std::string, std::string>> reasons;
        const auto t = Clock::now();
        try {
            layer->callMethod("Explain")
                .onInterface("org.aalayer.Layer1")
                .withArguments(std::string("/home/x/.mozilla/firefox/p0/prefs.js"))
                .storeResultsTo(perms, reasons);
        } catch (const sdbus::Error& e) {
            count_error(e.getName());
        }
        return ms(Clock::now() - t);
    }

    void set_base(std::string base) { base_ = std::move(base); }
    [[nodiscard]] const std::map<std::string, int>& errors() const { return errors_; }
    std::unique_ptr<sdbus::IProxy> proxy() {
        if (!connection_) connection_ = sdbus::createSessionBusConnectionWithAddress(s_.bus().address());
        return aalayer::sdbus_compat::create_proxy(*connection_, "org.aalayer.Manager1",
                                                   "/org/aalayer/Manager1");
    }

private:
    void count_error(const std::string& name) {
        const std::lock_guard lock(mutex_);
        ++errors_[name];
    }

    Service& s_;
    std::string base_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::mutex mutex_;
    std::map<std::string, int> errors_;
    std::map<std::pair<std::uint32_t, int>, sdbus::ObjectPath> paths_;
};

// Layers 0 and 1 of each of `users`, from `threads` clients.
void apply_two_each(Bench& b, const std::vector<std::uint32_t>& users, int threads) {
    std::vector<std::pair<std::uint32_t, int>> work;
    for (int i = 0; i < 2; ++i)
        for (const auto uid : users)
            work.emplace_back(uid, i);
    b.apply_all(work, threads);
}

void install_base(const Service& s, const FirefoxProfile& firefox) {
    fs::copy_file(firefox.path, s.dir() + "/profiles/firefox");
    fs::copy_file(std::string(std::getenv("AALAYER_EXAMPLES")) + "/grants/firefox.conf",
                  s.dir() + "/grants/firefox.conf");
}

std::string last_line_with(const std::string& log, const std::string& marker) {
    const auto at = log.rfind(marker);
    return at == std::string::npos ? "(none)" : log.substr(at, log.find('\n', at) - at);
}

}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = argc > 1 && std::string_view(argv[1]) == "--short";
    const bool sized = argc == 3 || argc == 4;
    auto arg = [&](int i, int otherwise) { return sized ? std::max(1, std::atoi(argv[i])) : otherwise; };
    const auto user_count = static_cast<std::size_t>(arg(1, short_mode ? 3 : 50));
    const int layers = arg(2, short_mode ? 2 : 20);
    const double explain_seconds = short_mode ? 0.5 : 5;
    const std::size_t cache =
        argc == 4 ? static_cast<std::size_t>(std::max(1, std::atoi(argv[3]))) : shipped_bounds_cache_size();
    const auto firefox = debian_firefox_profile();
    if (!firefox) {
        std::fprintf(stderr,
                     "scale-bench: Debian's Firefox profile is not installed (apparmor-profiles-extra)\n");
        return 1;
    }
    const TempDir scratch;
    const Users users = users_for(user_count, scratch.path());
    const std::vector<std::string> settings{"rate_limit_per_minute=1000000", "max_layers_per_user=100000",
                                            "max_queued=4096", "max_queued_per_user=4096",
                                            "bounds_cache_size=" + std::to_string(cache)};
    const int apply_clients = 4;

    // A user's cost apart from the caches, with a cache of one: 2 layers for
    // each of a quarter of the users, then of the next quarter, and so on,
    // RSS after each step. The caches are full at every step, so the slope
    // (least squares: an RSS sample moves by a few MiB with where the last
    // allocations fell) is what an added user holds.
    // Then Explain, timed: each layer not kept, its user's bounds evicted
    // (the previous user's took the one place) or kept (the user's other
    // layer), and kept (asked again).
    std::vector<std::size_t> counts;  // users with layers at each step
    for (std::size_t k = 1; k <= 4; ++k) {
        const std::size_t c = std::max<std::size_t>(1, user_count * k / 4);
        if (counts.empty() || c > counts.back()) counts.push_back(c);
    }
    std::vector<long> step_kib;
    std::vector<long> heap_step_kib;  // the heap in use at each step (the probe)
    const std::string heap_file = scratch.path() + "/heap";
    long all_users_one_kib = 0;
    std::vector<double> evicted_ms;
    std::vector<double> bounds_kept_ms;
    std::vector<double> kept_ms;
    {
        auto one_cached = settings;
        one_cached.emplace_back("bounds_cache_size=1");
        Service one(one_cached, with_heap_probe(users.env, heap_file));
        install_base(one, *firefox);
        Bench b(one);
        b.set_base(firefox->name);
        b.reload();
        std::size_t done = 0;
        for (const std::size_t c : counts) {
            apply_two_each(b,
                           std::vector<std::uint32_t>(users.uids.begin() + static_cast<std::ptrdiff_t>(done),
                                                      users.uids.begin() + static_cast<std::ptrdiff_t>(c)),
                           apply_clients);
            done = c;
            // A reload hands free memory back, as after every reload: RSS
            // without the applies' garbage. The median of three, as each
            // moves by where its own last allocations fell.
            std::vector<double> samples;
            for (int r = 0; r < 3; ++r) {
                b.reload();
                samples.push_back(static_cast<double>(status_kib(one.pid(), "VmRSS:")));
            }
            step_kib.push_back(static_cast<long>(percentile(samples, 0.5)));
            // Written every 100 ms: this one is from after the reloads.
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            heap_step_kib.push_back(heap_kib(heap_file));
        }
        all_users_one_kib = step_kib.back();
        // The last user's (not timed): the reload's new catalog compiles the
        // base at its first use, which no later miss repeats.
        if (user_count > 1) (void)b.explain_ms(users.uids.back(), 0);
        for (std::size_t u = 0; u < std::min(kTimedUsers, user_count - 1); ++u) {
            evicted_ms.push_back(b.explain_ms(users.uids[u], 0));
            kept_ms.push_back(b.explain_ms(users.uids[u], 0));
            bounds_kept_ms.push_back(b.explain_ms(users.uids[u], 1));
        }
        if (!b.errors().empty()) {
            for (const auto& [name, n] : b.errors())
                std::printf("error %s: %d\n", name.c_str(), n);
            return 1;
        }
    }

    auto with_recorder = settings;
    with_recorder.push_back("parser=" + recording_parser(scratch.path()));
    Service s(with_recorder, users.env);
    install_base(s, *firefox);
    Bench b(s);
    b.set_base(firefox->name);
    b.reload();
    const long empty_kib = status_kib(s.pid(), "VmRSS:");
    // Layer by layer across the users: after the second round, 2 layers of each user.
    long two_each_kib = 0;
    const auto apply_start = Clock::now();
    for (int i = 0; i < layers; ++i) {
        std::vector<std::pair<std::uint32_t, int>> work;
        for (const auto uid : users.uids)
            work.emplace_back(uid, i);
        b.apply_all(work, apply_clients);
        if (i == 1 || (i == 0 && layers == 1)) {
            b.reload();
            two_each_kib = status_kib(s.pid(), "VmRSS:");
        }
    }
    const double apply_s = seconds(Clock::now() - apply_start);
    const long all_kib = status_kib(s.pid(), "VmRSS:");
    std::this_thread::sleep_for(kIdleWait);
    const long all_idle_kib = status_kib(s.pid(), "VmRSS:");
    const std::size_t total = user_count * static_cast<std::size_t>(layers);

    std::vector<double> reload_ms;
    for (int r = 0; r < 3; ++r) {
        const auto t = Clock::now();
        b.reload();
        reload_ms.push_back(ms(Clock::now() - t));
    }
    const std::string reload_line = last_line_with(s.log(), "grants and bases read again:");
    const long after_reloads_kib = status_kib(s.pid(), "VmRSS:");

    // Root's own layer, so every client may explain it.
    {
        auto m = b.proxy();
        b.apply(*m, 0, 0);
    }
    const std::vector<std::string> paths{"/root/.mozilla/firefox/p0/prefs.js", "/root/.ssh/id_rsa",
                                         "/etc/passwd", "/root/Downloads/p0/a.pdf"};
    const double explains = b.throughput(explain_seconds, [&](sdbus::IProxy& m, int t, long n) {
        std::string perms;
        std::vector<sdbus::Struct<std::string, std::string>> reasons;
        m.callMethod("Explain")
            .onInterface("org.aalayer.Manager1")
            .withArguments(firefox->name, std::string("l0"),
                           paths[static_cast<std::size_t>(t + n) % paths.size()])
            .storeResultsTo(perms, reasons);
    });
    const double pings = b.throughput(explain_seconds, [](sdbus::IProxy& m, int, long) {
        m.callMethod("Ping").onInterface("org.freedesktop.DBus.Peer");
    });

    // Start with every layer stored, with the real parser.
    s.stop();
    s.set_settings(settings);
    const auto start_at = Clock::now();
    s.start(std::chrono::seconds(7200));
    const double start_s = seconds(Clock::now() - start_at);
    const long restarted_kib = status_kib(s.pid(), "VmRSS:");
    const long hwm_kib = status_kib(s.pid(), "VmHWM:");
    const std::string start_line = last_line_with(s.log(), "started with backend");

    // The same start without the start records (a first start, or one after
    // aalayerd was upgraded): every layer composed, then compiled.
    s.stop();
    fs::remove(s.state_dir() + "/start-records");
    const auto composing_at = Clock::now();
    s.start(std::chrono::seconds(7200));
    const double composing_s = seconds(Clock::now() - composing_at);
    const long composing_kib = status_kib(s.pid(), "VmRSS:");
    const std::string composing_line = last_line_with(s.log(), "started with backend");

    // The reference: the children the service compiled, once each, in one parser run.
    std::set<std::string> distinct;
    std::vector<std::string> children;
    for (const auto& entry : fs::directory_iterator(scratch.path() + "/children")) {
        const std::string text = read_all(entry.path());
        if (!text.empty() && distinct.insert(text).second) children.push_back(entry.path());
    }
    std::vector<std::string> parser{"apparmor_parser",         "-Q", "-K",       "-T", "-M",
                                    "/etc/apparmor.d/abi/3.0", "-o", "/dev/null"};
    parser.insert(parser.end(), children.begin(), children.end());
    const auto parser_at = Clock::now();
    const auto compiled = run_process(parser, std::chrono::seconds(7200));
    const double parser_s = seconds(Clock::now() - parser_at);
    if (compiled.exit_code != 0) {
        std::fprintf(stderr, "scale-bench: apparmor_parser on the children: %s\n", compiled.err.c_str());
        return 1;
    }

    const double per_user_kib = slope(counts, step_kib);
    const bool probed =
        std::all_of(heap_step_kib.begin(), heap_step_kib.end(), [](long k) { return k >= 0; });
    const double per_user_heap_kib = probed ? slope(counts, heap_step_kib) : 0;
    std::string steps;
    std::string heap_steps;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        char step[64];
        std::snprintf(step, sizeof step, "%s%zu: %.1f", i == 0 ? "" : ", ", counts[i], mib(step_kib[i]));
        steps += step;
        std::snprintf(step, sizeof step, "%s%zu: %.2f", i == 0 ? "" : ", ", counts[i], mib(heap_step_kib[i]));
        heap_steps += step;
    }
    // Beyond the one user a cache of one holds: each further user's bounds, and their layers' compositions.
    const std::size_t more_cached = std::min(user_count, cache) - 1;
    const double per_cached_kib = more_cached > 0 ? static_cast<double>(two_each_kib - all_users_one_kib) /
                                                        static_cast<double>(more_cached)
                                                  : 0;
    std::printf(
        "| scale-bench: %zu users x %d layers (%zu) on Debian's Firefox profile | figure | reference | "
        "ratio |\n|---|---|---|---|\n",
        user_count, layers, total);
    std::printf(
        "| RSS with %zu layers, right after the applies / %lld s later / after a restart | %.1f / %.1f / "
        "%.1f "
        "MiB | empty: %.1f MiB | |\n",
        total, static_cast<long long>(kIdleWait.count()), mib(all_kib), mib(all_idle_kib), mib(restarted_kib),
        mib(empty_kib));
    std::printf(
        "| cost of a user apart from the caches: 2 layers each, the slope of RSS against users "
        "(bounds_cache_size=1) | %.0f KiB a user | RSS (MiB) at users %s | |\n",
        per_user_kib, steps.c_str());
    if (probed) {
        std::printf(
            "| the same, the heap in use (mallinfo2, from a preloaded probe) | %.1f KiB a user | heap in use "
            "(MiB) "
            "at users %s | |\n",
            per_user_heap_kib, heap_steps.c_str());
    }
    std::printf(
        "| the caches: %zu users x 2 layers, bounds_cache_size=%zu against 1 | %.1f MiB | %.1f MiB | %.0f "
        "KiB "
        "for each of %zu more users kept |\n",
        user_count, cache, mib(two_each_kib), mib(all_users_one_kib), per_cached_kib, more_cached);
    if (!evicted_ms.empty()) {
        std::printf(
            "| Explain of a layer not kept, its user's bounds evicted / kept, median of %zu | %.1f / %.1f ms "
            "| "
            "a kept layer: %.2f ms | |\n",
            evicted_ms.size(), percentile(evicted_ms, 0.5), percentile(bounds_kept_ms, 0.5),
            percentile(kept_ms, 0.5));
    }
    std::printf("| reload with nothing changed, median of 3 | %.0f ms | | |\n", percentile(reload_ms, 0.5));
    std::printf("| Explain over D-Bus, %d clients | %.0f/s | Peer.Ping: %.0f/s | %.2f |\n", kClients,
                explains, pings, explains / pings);
    std::printf(
        "| start, compile-only, %zu layers | %.1f s | apparmor_parser, the %zu children in one run: "
        "%.1f s | %.2f |\n",
        total, start_s, children.size(), parser_s, start_s / parser_s);
    std::printf(
        "| start, compile-only, %zu layers, without start records (every layer composed) | %.1f s | the same "
        "run: %.1f s | %.2f |\n",
        total, composing_s, parser_s, composing_s / parser_s);
    std::printf("| RSS after the start without start records | %.1f MiB | | |\n", mib(composing_kib));
    std::printf("| applies as root from %d clients | %.0f/s | | |\n", apply_clients,
                static_cast<double>(total) / apply_s);
    std::printf("| peak RSS after the restart (VmHWM) | %.1f MiB | | |\n", mib(hwm_kib));
    std::printf("RSS after the 3 reloads: %.1f MiB\n", mib(after_reloads_kib));
    std::printf("last reload: %s\nstart: %s\nstart without start records: %s\n", reload_line.c_str(),
                start_line.c_str(), composing_line.c_str());
    std::printf(
        "scale-data: users %zu layers %d rss_mib %.1f start_s %.2f reload_ms %.0f explain_per_s %.0f "
        "ping_per_s %.0f parser_s %.2f composing_start_s %.2f\n",
        user_count, layers, mib(restarted_kib), start_s, percentile(reload_ms, 0.5), explains, pings,
        parser_s, composing_s);
    for (const auto& [name, n] : b.errors())
        std::printf("error %s: %d\n", name.c_str(), n);
    return b.errors().empty() ? 0 : 1;
}
