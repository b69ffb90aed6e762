// aalayerd: per-user AppArmor layers on the system bus.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <boost/interprocess/sync/file_lock.hpp>
#include <sdbus-c++/sdbus-c++.h>
#include <systemd/sd-daemon.h>

#include "dbus/sdbus_compat.h"
#include "policy/source/filesystem_reader.h"
#include "service/bus/bus_objects.h"
#include "service/bus/object_paths.h"
#include "service/core/cost_limiter.h"
#include "service/core/periodic_job.h"
#include "service/core/when_quiet.h"
#include "service/install_paths.h"
#include "service/kernel/parser_loader.h"
#include "service/store/denial_file_store.h"
#include "service/store/file_store.h"
#include "service/store/private_dir.h"
#include "service/store/start_record_file.h"
#include "service/system/build_identity.h"
#include "service/system/config.h"
#include "service/system/denial_sources.h"
#include "service/system/log.h"
#include "service/system/memory.h"
#include "service/system/polkit_authorizer.h"
#include "service/system/system_ports.h"
#include "service/system/watcher.h"

namespace {

using namespace aalayer::service;

constexpr std::string_view kUsage =
    "usage: aalayerd [--config FILE] [--set KEY=VALUE]...\n"
    "  --config FILE    settings file (default " AALAYER_CONFDIR
    "/aalayerd.conf)\n"
    "  --set KEY=VALUE  one setting, over the file (e.g. --set backend=compile-only)\n";

// Read by a signal handler that any thread may run: lock-free atomic.
std::atomic<BusLoop*> g_loop{nullptr};
static_assert(std::atomic<BusLoop*>::is_always_lock_free);

void on_signal(int /*signal*/) {
    if (BusLoop* loop = g_loop.load()) loop->stop();
}

void log_line(const std::string& message) {
    log_message(4, message);
}

// How often kept denial records are saved (keep_denials): a flood of records
// costs one write per layer in this time, not one per record.
constexpr std::chrono::seconds kDenialSaveInterval{10};

// How long the worker pool stays idle before the memory its work freed goes
// back to the kernel: the end of a burst, not each gap between two requests.
constexpr std::chrono::seconds kQuietBeforeTrim{1};

// How often one-run layers whose client is gone are looked at again, while
// processes still run under them: one /proc scan per such layer.
constexpr std::chrono::seconds kRunSweepInterval{5};

int run(const DaemonConfig& config) {
    // 0700 whoever starts it (the unit's StateDirectoryMode says the same):
    // layer texts are their owners' business.
    if (auto e = make_private_directory(config.state_dir)) {
        log_message(3, e->message);
        return 1;
    }
    const std::string lock_path = config.state_dir + "/.lock";
    { std::ofstream touch(lock_path, std::ios::app); }
    boost::interprocess::file_lock lock(lock_path.c_str());
    if (!lock.try_lock()) {
        log_message(3, "another aalayerd is running on " + config.state_dir);
        return 1;
    }

    const Backend backend = config.backend.value_or(detect_backend());
    ParserConfig parser;
    parser.parser = config.parser;
    parser.cache_dir = config.cache_dir;
    parser.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.parser_timeout);
    parser.features = config.features.empty() && backend == Backend::CompileOnly ? "/etc/apparmor.d/abi/3.0"
                                                                                 : config.features;
    ParserLoader kernel(backend, parser);

    const aalayer::policy::FilesystemReader reader;
    FileStore store(config.state_dir + "/layers");
    PolkitAuthorizer authorizer({}, config.polkit_timeout);
    const PasswdUserDb users;
    const SystemClock clock;
    CatalogConfig catalog;
    catalog.profiles_dir = config.profiles_dir;
    catalog.grants_dir = config.grants_dir;
    catalog.bounds_cache_size = config.bounds_cache_size;
    // Every thread of the service but the bus thread is the pool's: it serves
    // requests, and lends its threads to the recompute at start and reload.
    WorkerPool pool(WorkerPool::Limits{config.workers, config.max_queued, config.max_queued_per_user});
    LayerManager manager(Ports{reader, store, kernel, authorizer, users, clock, pool}, catalog,
                         config.limits);
    // Off, this still runs: it removes what an earlier keep_denials saved.
    DenialFileStore denial_store(config.state_dir + "/denials");
    manager.keep_denials(denial_store, config.keep_denials);
    manager.set_after_refresh(return_free_memory);
    // A restart takes unchanged layers from their records instead of composing them.
    // Beside the layers, not in cache_dir: they are this instance's (the lock
    // is on state_dir), though deleting them only costs a composing start.
    StartRecordFile start_records(config.state_dir + "/start-records", build_identity());
    manager.keep_start_records(start_records);
    manager.start(log_line);
    if (!start_records.unusable().empty())
        log_message(5, "start: the start records in " + config.state_dir + " were not used (" +
                           start_records.unusable() + "); every layer was composed");
    // Denials: read on a thread of their own, never the bus thread's.
    const std::unique_ptr<DenialSource> source = make_denial_source(config.denial_source);
    const ProcLabels labels;
    manager.denial_log().set_labels(&labels);
    // Children are compiled together and go to the kernel together
    // (docs/service.md, "Start"): how many runs it took.
    const StartLoadStats together = manager.start_loads();
    for (const auto& why : together.failed_runs)
        log_message(4, "start: " + why);
    const auto count = [](std::size_t n, const char* one, const char* many) {
        return std::to_string(n) + " " + (n == 1 ? one : many);
    };
    // "7 layers (0 from their start records; 7 children compiled in 1 parser
    // run; 7 children loaded in 1 parser run)"
    const std::size_t layers = manager.layers().size();
    std::string how;
    if (layers != 0) how = std::to_string(manager.started_from_records()) + " from their start records";
    if (together.compiled != 0) {
        how += "; " + count(together.compiled, "child", "children") + " compiled in " +
               count(together.compile_runs, "parser run", "parser runs");
    }
    if (together.children != 0) {
        how += "; " + count(together.children, "child", "children") + " loaded in " +
               count(together.parser_runs, "parser run", "parser runs");
    }
    log_message(6, std::string("started with backend ") + to_string(backend) + ", " +
                       count(layers, "layer", "layers") + (how.empty() ? "" : " (" + how + ")") +
                       ", denials from " + source->name() +
                       (config.keep_denials ? ", kept across restarts in " + denial_store.dir() : ""));

    auto connection = sdbus::createSystemBusConnection();
    BusLoop loop(*connection, [](const std::string& m) { log_message(3, m); });
    CostLimiter costs(CostLimiter::Limits{config.user_cpu_burst_ms * 1000U,
                                          static_cast<std::uint32_t>(config.user_cpu_percent)});
    // On the bus thread once the pool has been idle a while (one timer at a
    // time on the loop, no thread of its own): trimming takes milliseconds
    // and nothing else runs then.
    WhenQuiet after_burst(
        kQuietBeforeTrim,
        WhenQuiet::Hooks{
            .schedule = [&loop](WhenQuiet::TimePoint when,
                                std::function<void()> task) { loop.post_at(when, std::move(task)); },
            .still_quiet = [&pool] { return pool.idle(); },
            .action = return_free_memory});
    pool.set_on_idle([&after_burst] { after_burst.poke(); });
    bool connected = true;
    {
        DenialDelivery delivery;
        delivery.source = source->name();
        delivery.max_subscriptions_per_user = config.max_denial_subscriptions_per_user;
        BusObjects objects(
            *connection, loop, pool, manager, costs,
            [](int priority, const std::string& m) { log_message(priority, m); }, delivery);
        manager.set_listener([&objects](LayerEvent e, const LayerKey& k) { objects.on_layer_event(e, k); });
        manager.set_catalog_listener([&objects](const CatalogChanges& c) { objects.on_catalog_changes(c); });
        manager.denial_log().set_listener([&objects](const LayerKey& k) { objects.on_denials(k); });
        objects.publish_all();
        // Timers on the bus loop, rounds on the pool: no thread of their own.
        const PeriodicJob::Hooks on_pool{
            .schedule = [&loop](PeriodicJob::TimePoint when,
                                std::function<void()> task) { loop.post_at(when, std::move(task)); },
            .run =
                [&pool](std::function<void()> round) {
                    return pool.post(0, std::move(round)) == WorkerPool::Posted::Queued;
                }};
        // Before the collector: stopped after it, its last save (on this
        // thread: the pool has shut down by then) has every record.
        std::optional<PeriodicJob> saver;
        if (config.keep_denials) {
            saver.emplace(
                kDenialSaveInterval, [&manager] { manager.save_denials(); }, on_pool,
                [&manager] { manager.save_denials(); });
        }
        const PeriodicJob run_sweeper(
            kRunSweepInterval, [&manager] { (void)manager.sweep_runs(); }, on_pool);
        std::thread collector([&source, &manager] {
            auto& denials = manager.denial_log();
            if (auto e = source->run([&denials](std::string_view text, std::uint64_t usec) {
                    (void)denials.add(text, usec);
                })) {
                log_message(4, "denials: " + *e + "; no denials will be collected");
            }
        });
        // At the stop, what the collector did: the admin's (and the flood
        // bench's) one view of records read, kept and dropped.
        const struct StopCollector {
            DenialSource& source;
            std::thread& thread;
            const DenialLog& log;
            ~StopCollector() {
                source.stop();
                thread.join();
                const auto s = log.stats();
                log_message(6, "denials from " + source.name() + ": " + std::to_string(s.records) +
                                   " AppArmor records read, " + std::to_string(s.kept) +
                                   " kept for a layer, " + std::to_string(s.unattributed) + " of no layer, " +
                                   std::to_string(s.dropped) + " pushed out of a full ring");
            }
        } stop_collector{*source, collector, manager.denial_log()};
        {
            const auto reread = [&manager, &pool] {
                (void)pool.post(0, [&manager] { manager.refresh(log_line); });
            };
            // A new account gets the admin's default layers (useradd replaces /etc/passwd).
            const auto accounts = [&manager, &pool] {
                (void)pool.post(0, [&manager] { manager.people_changed(); });
            };
            DirectoryWatcher watcher({reread, accounts}, {{config.grants_dir, {}, 0, true},
                                                          {config.profiles_dir, {}, 0, false},
                                                          {"/etc", "passwd", 1, false}});
            // Read on the bus thread (a few events, no waiting), settled on
            // it once quiet: the actions only post to the pool.
            WhenQuiet settled(
                DirectoryWatcher::kQuiet,
                WhenQuiet::Hooks{
                    .schedule = [&loop](WhenQuiet::TimePoint when,
                                        std::function<void()> task) { loop.post_at(when, std::move(task)); },
                    .action = [&watcher] { watcher.settle(); }});
            loop.watch(watcher.fd(), [&watcher, &settled] {
                if (watcher.drain()) settled.poke();
            });
            connection->requestName(aalayer::sdbus_compat::ServiceName(kBusName));
            g_loop = &loop;
            std::signal(SIGTERM, on_signal);
            std::signal(SIGINT, on_signal);
            sd_notify(0, "READY=1");
            connected = loop.run();
            sd_notify(0, "STOPPING=1");
            g_loop = nullptr;
        }
        // Shutdown in dependency order: the pool's running tasks use the bus
        // objects and post to the loop, so they finish (and what waits is
        // dropped) before the objects go; nothing is posted after that.
        pool.shutdown();
        pool.set_on_idle({});
        // What applies since the last save computed, for the next start.
        manager.save_start_records(log_line);
        manager.set_listener({});
        manager.set_catalog_listener({});
        manager.denial_log().set_listener({});
    }
    return connected ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    limit_malloc_arenas();
    DaemonConfig config;
    std::string config_path = AALAYER_CONFDIR "/aalayerd.conf";
    std::vector<std::string> sets;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if ((a == "--config" || a == "--set") && i + 1 < argc) {
            (a == "--config" ? config_path : sets.emplace_back()) = argv[++i];
        } else if (a == "-h" || a == "--help") {
            std::fputs(kUsage.data(), stdout);
            return 0;
        } else {
            std::fprintf(stderr, "aalayerd: unknown argument %s\n%s", argv[i], kUsage.data());
            return 2;
        }
    }
    if (auto e = read_config(config_path, config)) {
        std::fprintf(stderr, "aalayerd: %s\n", e->c_str());
        return 2;
    }
    for (const auto& s : sets) {
        const auto eq = s.find('=');
        if (eq == std::string::npos) {
            std::fprintf(stderr, "aalayerd: --set needs KEY=VALUE\n");
            return 2;
        }
        if (auto e = set_config(config, s.substr(0, eq), s.substr(eq + 1))) {
            std::fprintf(stderr, "aalayerd: %s\n", e->c_str());
            return 2;
        }
    }
    try {
        return run(config);
    } catch (const std::exception& e) {
        log_message(3, std::string("fatal: ") + e.what());
        return 1;
    }
}
