// Integration-test harness: a private system bus (a real dbus-daemon) and a
// real polkitd on it, plus helpers to run commands as other uids.
//
// Everything runs as root (the tests do) and is torn down by destructors:
// each daemon lives in its own process group, which gets SIGTERM, then
// SIGKILL after 5 s. Daemons also get PR_SET_PDEATHSIG(SIGKILL), so they do
// not outlive a test binary that is killed; polkitd (which changes uid and so
// loses that) exits on its own when its bus goes away.
//
// Typical use:
//     PrivateSystemBus bus;                       // dbus-daemon, <type>system</type>
//     Polkitd polkit(bus, {.actions = {{"org.aalayer.policy", xml}}});
//     polkit.write_rules("50-test", "polkit.addRule(...)");
//     run_as(65534, 65534, {"busctl", "--address=" + bus.address(), "call", ...});
//
// Pitfalls (Debian dbus-daemon 1.14, polkitd 122):
//  - dbus-daemon refuses connections from a uid with no passwd entry (it
//    looks up the uid's groups even for <allow user="*"/>): use uids that
//    exist, e.g. 65534 (nobody), 1 (daemon), 2 (bin). polkit's unix-process
//    subject accepts any uid, though.
//  - sd-bus (busctl, the service) ignores DBUS_SYSTEM_BUS_ADDRESS when real
//    and effective uid differ (secure_getenv): always pass the address
//    explicitly (busctl --address=, dbus-send --bus=; not dbus-send
//    --address=, which skips Hello and so is not a bus client).
//  - polkitd: a uid-0 subject is always authorized; without logind no
//    subject is in an active session (allow_any applies); auth_self without
//    an agent answers "challenge"; rarely (about 1 in 15-20k checks with JS
//    rules) a check stalls 15 s: use call timeouts of 25 s or more.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "tests/support/process.h"

namespace aalayer::test {

// A long-running child process in its own process group, stopped (group
// SIGTERM, then SIGKILL after 5 s, then reaped) by stop() or the destructor.
class BackgroundProcess {
public:
    struct Options {
        std::vector<std::string> env;  // extra "NAME=value" entries for the child
        std::string log_path;          // stdout and stderr appended here; empty: /dev/null
        // (source, target) pairs bind-mounted in a private mount namespace of
        // the child only (like `unshare --mount` + `mount --bind`).
        std::vector<std::pair<std::string, std::string>> bind_mounts;
    };

    // Starts argv (argv[0] searched in PATH); throws std::runtime_error if it
    // cannot be started (exec or mount failure).
    explicit BackgroundProcess(const std::vector<std::string>& argv);
    BackgroundProcess(const std::vector<std::string>& argv, const Options& options);
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;
    ~BackgroundProcess();

    [[nodiscard]] pid_t pid() const { return pid_; }
    // False once the process has exited (it is then reaped by stop()).
    [[nodiscard]] bool running() const;
    // Idempotent; returns the exit code, or -1 for a signal/already stopped.
    int stop();

private:
    pid_t pid_ = -1;
};

// argv prefixed with `setpriv --reuid=UID --regid=GID --clear-groups
// --pdeathsig SIGKILL --` (the death signal is set after the uid change,
// so the command dies with the test process).
std::vector<std::string> as_user(uid_t uid, gid_t gid, const std::vector<std::string>& argv);

// Runs argv to completion as uid/gid (no supplementary groups) via setpriv.
ProcessResult run_as(uid_t uid, gid_t gid, const std::vector<std::string>& argv,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

// The start time of a process (field 22 of /proc/PID/stat, clock ticks since
// boot), as polkit's unix-process subject wants it; 0 if it is gone.
std::uint64_t process_start_time(pid_t pid);

// A dbus-daemon acting as the system bus (<type>system</type>, EXTERNAL
// auth), listening on a world-accessible socket in its own temp dir.
// Policy: anybody may connect, send and receive; root may own any name; the
// polkitd user may own org.freedesktop.PolicyKit1; nobody else owns names.
class PrivateSystemBus {
public:
    // extra_config: XML inserted at the end of <busconfig>, e.g.
    // `<include>/path/to/project/bus.conf</include>` or more <policy>.
    // Throws std::runtime_error (with the daemon's log) if it does not come
    // up within 10 s.
    explicit PrivateSystemBus(const std::string& extra_config = "");
    PrivateSystemBus(const PrivateSystemBus&) = delete;
    PrivateSystemBus& operator=(const PrivateSystemBus&) = delete;
    ~PrivateSystemBus() = default;

    // "unix:path=/tmp/aalayer-test-XXXXXX/bus".
    [[nodiscard]] const std::string& address() const { return address_; }
    [[nodiscard]] pid_t pid() const { return daemon_->pid(); }
    // The daemon's stderr so far.
    [[nodiscard]] std::string log() const;

    // `busctl --address=ADDR args...` as root, 30 s call timeout.
    [[nodiscard]] ProcessResult busctl(const std::vector<std::string>& args) const;
    // As busctl(), as uid/gid.
    [[nodiscard]] ProcessResult busctl_as(uid_t uid, gid_t gid, const std::vector<std::string>& args) const;

    [[nodiscard]] bool name_has_owner(const std::string& name) const;
    // Polls until `name` is owned; false on timeout.
    [[nodiscard]] bool wait_for_name(const std::string& name, std::chrono::milliseconds timeout) const;
    // The unique name (":1.N") of a connection of process `pid`, polling until
    // one appears; nullopt on timeout.
    [[nodiscard]] std::optional<std::string> unique_name_of(
        pid_t pid, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

private:
    TempDir dir_;
    std::string address_;
    std::string log_path_;
    std::optional<BackgroundProcess> daemon_;
};

// A bus connection held open by a process of another uid (dbus-monitor run
// via setpriv), for tests that need a system-bus-name subject of that uid.
class BusPeer {
public:
    BusPeer(const PrivateSystemBus& bus, uid_t uid, gid_t gid);  // throws if it does not connect
    [[nodiscard]] const std::string& unique_name() const { return name_; }
    [[nodiscard]] pid_t pid() const { return process_.pid(); }

private:
    BackgroundProcess process_;
    std::string name_;
};

// Result of org.freedesktop.PolicyKit1.Authority.CheckAuthorization.
struct PolkitAnswer {
    bool ok = false;  // the call succeeded; if not, `error` says why
    bool authorized = false;
    bool challenge = false;
    std::string error;
};

// The real polkitd (/usr/lib/polkit-1/polkitd) on a PrivateSystemBus. It runs
// in a private mount namespace where /etc/polkit-1/rules.d,
// /usr/share/polkit-1/rules.d and /usr/share/polkit-1/actions are this
// object's own (world-readable) directories, so only the test's rules and
// actions exist. `bus` must outlive this object. The constructor waits (20 s) until it owns
// org.freedesktop.PolicyKit1, else throws with polkitd's log.
class Polkitd {
public:
    struct Config {
        std::vector<std::string> action_files;                     // .policy files to copy in
        std::vector<std::pair<std::string, std::string>> actions;  // (file name, XML)
        std::vector<std::pair<std::string, std::string>> rules;    // (name, JS), as write_rules
    };

    explicit Polkitd(const PrivateSystemBus& bus);
    Polkitd(const PrivateSystemBus& bus, const Config& config);
    Polkitd(const Polkitd&) = delete;
    Polkitd& operator=(const Polkitd&) = delete;
    ~Polkitd() = default;

    // Writes /etc/polkit-1/rules.d/NAME.rules (".rules" added if missing)
    // atomically and waits (5 s, else throws) until polkitd has reloaded.
    void write_rules(const std::string& name, const std::string& js);
    void remove_rules(const std::string& name);

    // CheckAuthorization as root, no details, flags 0 (no interaction),
    // for a system-bus-name subject (":1.N" or a well-known name) ...
    [[nodiscard]] PolkitAnswer check_bus_name(const std::string& bus_name,
                                              const std::string& action_id) const;
    // ... or a unix-process subject (start time read from /proc).
    [[nodiscard]] PolkitAnswer check_process(pid_t pid, uid_t uid, const std::string& action_id) const;

    [[nodiscard]] pid_t pid() const { return daemon_->pid(); }
    // polkitd's output so far (it runs without --no-debug, so this shows rule
    // loading and JS errors).
    [[nodiscard]] std::string log() const;

    static constexpr const char* kBusName = "org.freedesktop.PolicyKit1";

private:
    // Runs `change` on the rules dir and waits for the reload it triggers.
    void change_rules(const std::function<void()>& change);

    const PrivateSystemBus& bus_;
    TempDir dir_;
    std::string rules_dir_;
    std::string staging_dir_;
    std::string log_path_;
    std::optional<BackgroundProcess> daemon_;
};

}  // namespace aalayer::test
