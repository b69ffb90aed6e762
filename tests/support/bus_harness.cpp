#include "tests/support/bus_harness.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;  // NOLINT: POSIX

namespace aalayer::test {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

constexpr auto kStopGrace = std::chrono::seconds(5);
constexpr auto kPoll = milliseconds(20);
constexpr const char* kPolkitd = "/usr/lib/polkit-1/polkitd";

void write_file(const std::string& path, const std::string& contents, mode_t mode) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << contents;
        if (!out.flush()) throw std::runtime_error("cannot write " + path);
    }
    ::chmod(path.c_str(), mode);
}

std::string make_dir(const std::string& path) {
    fs::create_directories(path);
    ::chmod(path.c_str(), 0755);
    return path;
}

// In the child between fork and exec: report `what` and errno, then exit.
[[noreturn]] void child_fail(int report_fd, const char* what) {
    const int err = errno;
    char buf[512];
    const int n = std::snprintf(buf, sizeof buf, "%s: %s", what, std::strerror(err));
    if (n > 0) (void)!::write(report_fd, buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
    ::_exit(127);
}

// waitid(WNOWAIT): has the process exited (without reaping it)?
bool has_exited(pid_t pid) {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == pid;
}

bool unix_socket_accepts(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

// The quoted strings of busctl's output, e.g. `as 2 ":1.0" "org.x"`.
std::vector<std::string> quoted_strings(const std::string& text) {
    std::vector<std::string> out;
    for (std::size_t i = text.find('"'); i != std::string::npos; i = text.find('"', i)) {
        const std::size_t end = text.find('"', i + 1);
        if (end == std::string::npos) break;
        out.push_back(text.substr(i + 1, end - i - 1));
        i = end + 1;
    }
    return out;
}

}  // namespace

// ---- BackgroundProcess ----

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv)
    : BackgroundProcess(argv, Options{}) {}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const Options& options) {
    if (argv.empty()) throw std::invalid_argument("BackgroundProcess: empty argv");
    // Everything the child needs is prepared before fork.
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));  // NOLINT: exec's signature
    args.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry(*e);
        const bool overridden =
            std::any_of(options.env.begin(), options.env.end(), [&](const std::string& x) {
                const auto eq = x.find('=');
                return eq != std::string::npos && entry.compare(0, eq + 1, x, 0, eq + 1) == 0;
            });
        if (!overridden) env_strings.push_back(entry);
    }
    env_strings.insert(env_strings.end(), options.env.begin(), options.env.end());
    std::vector<char*> envp;
    for (auto& e : env_strings)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    const std::string log = options.log_path.empty() ? "/dev/null" : options.log_path;
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::runtime_error("cannot open " + log);
    std::array<int, 2> report{};  // child -> parent: why it failed before exec
    if (::pipe2(report.data(), O_CLOEXEC) != 0) {
        ::close(log_fd);
        throw std::runtime_error("pipe2 failed");
    }
    const pid_t parent = ::getpid();

    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(log_fd);
        ::close(report[0]);
        ::close(report[1]);
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull < 0 || ::dup2(devnull, STDIN_FILENO) < 0 || ::dup2(log_fd, STDOUT_FILENO) < 0 ||
            ::dup2(log_fd, STDERR_FILENO) < 0) {
            child_fail(report[1], "redirect");
        }
        if (!options.bind_mounts.empty()) {
            if (::unshare(CLONE_NEWNS) != 0) child_fail(report[1], "unshare(CLONE_NEWNS)");
            if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
                // EINVAL: "/" is not a mount point, as in a plain chroot; the caller must
                // bind-mount the root onto itself first (scripts/test-other-release.sh does).
                child_fail(report[1], errno == EINVAL ? "make / private (/ is not a mount point: a chroot "
                                                        "needs its root bind-mounted onto itself)"
                                                      : "make / private");
            }
            for (const auto& [source, target] : options.bind_mounts) {
                if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
                    child_fail(report[1], target.c_str());
                }
            }
        }
        ::execvpe(args[0], args.data(), envp.data());
        child_fail(report[1], args[0]);
    }
    ::setpgid(pid, pid);  // also done by the child; whichever runs first
    ::close(log_fd);
    ::close(report[1]);
    std::string failure;
    std::array<char, 512> buf{};
    for (;;) {
        const ssize_t n = ::read(report[0], buf.data(), buf.size());
        if (n > 0) {
            failure.append(buf.data(), static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    ::close(report[0]);
    pid_ = pid;
    if (!failure.empty()) {
        stop();
        throw std::runtime_error("cannot start " + argv[0] + ": " + failure);
    }
}

BackgroundProcess::~BackgroundProcess() {
    stop();
}

bool BackgroundProcess::running() const {
    return pid_ > 0 && !has_exited(pid_);
}

int BackgroundProcess::stop() {
    if (pid_ <= 0) return -1;
    ::kill(-pid_, SIGTERM);
    const auto deadline = steady_clock::now() + kStopGrace;
    while (!has_exited(pid_) && steady_clock::now() < deadline)
        std::this_thread::sleep_for(milliseconds(5));
    // The leader is not reaped yet, so the group id cannot have been reused:
    // this also gets any children left in the group.
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// ---- helpers ----

std::vector<std::string> as_user(uid_t uid, gid_t gid, const std::vector<std::string>& argv) {
    std::vector<std::string> out{"setpriv",
                                 "--reuid=" + std::to_string(uid),
                                 "--regid=" + std::to_string(gid),
                                 "--clear-groups",
                                 "--pdeathsig",
                                 "SIGKILL",
                                 "--"};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

ProcessResult run_as(uid_t uid, gid_t gid, const std::vector<std::string>& argv, milliseconds timeout) {
    return run_process(as_user(uid, gid, argv), timeout);
}

std::uint64_t process_start_time(pid_t pid) {
    const std::string stat = read_all("/proc/" + std::to_string(pid) + "/stat");
    const std::size_t paren = stat.rfind(')');  // comm may contain spaces
    if (paren == std::string::npos) return 0;
    std::istringstream fields(stat.substr(paren + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {  // field 3 is the state
        if (i == 22) return std::stoull(field);
    }
    return 0;
}

// ---- PrivateSystemBus ----

PrivateSystemBus::PrivateSystemBus(const std::string& extra_config) {
    ::chmod(dir_.path().c_str(), 0755);  // other uids must reach the socket
    const std::string socket = dir_.path() + "/bus";
    address_ = "unix:path=" + socket;
    log_path_ = dir_.path() + "/dbus-daemon.log";
    const std::string config = dir_.path() + "/system.conf";
    write_file(config,
               R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=)" +
                   socket +
                   R"(</listen>
  <auth>EXTERNAL</auth>
  <limit name="max_connections_per_user">4096</limit>
  <limit name="max_completed_connections">8192</limit>
  <limit name="max_incomplete_connections">1024</limit>
  <limit name="max_replies_per_connection">4096</limit>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
  <policy user="root">
    <allow own="*"/>
  </policy>
  <policy user="polkitd">
    <allow own="org.freedesktop.PolicyKit1"/>
  </policy>
)" + extra_config + "\n</busconfig>\n",
               0644);
    daemon_.emplace(
        std::vector<std::string>{"dbus-daemon", "--nofork", "--nopidfile", "--config-file=" + config},
        BackgroundProcess::Options{.env = {}, .log_path = log_path_, .bind_mounts = {}});
    const auto deadline = steady_clock::now() + std::chrono::seconds(10);
    while (!unix_socket_accepts(socket)) {
        if (!daemon_->running() || steady_clock::now() > deadline) {
            throw std::runtime_error("dbus-daemon did not start:\n" + log());
        }
        std::this_thread::sleep_for(milliseconds(5));
    }
    ::chmod(socket.c_str(), 0777);  // dbus-daemon does this already; be sure
}

std::string PrivateSystemBus::log() const {
    return read_all(log_path_);
}

ProcessResult PrivateSystemBus::busctl(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"busctl", "--address=" + address_, "--timeout=30"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, std::chrono::seconds(40));
}

ProcessResult PrivateSystemBus::busctl_as(uid_t uid, gid_t gid, const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"busctl", "--address=" + address_, "--timeout=30"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_as(uid, gid, argv, std::chrono::seconds(40));
}

bool PrivateSystemBus::name_has_owner(const std::string& name) const {
    const ProcessResult r = busctl({"call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                    "org.freedesktop.DBus", "NameHasOwner", "s", name});
    return r.exit_code == 0 && r.out.starts_with("b true");
}

bool PrivateSystemBus::wait_for_name(const std::string& name, milliseconds timeout) const {
    const auto deadline = steady_clock::now() + timeout;
    for (;;) {
        if (name_has_owner(name)) return true;
        if (steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(kPoll);
    }
}

std::optional<std::string> PrivateSystemBus::unique_name_of(pid_t pid, milliseconds timeout) const {
    const auto deadline = steady_clock::now() + timeout;
    const std::string wanted = "u " + std::to_string(pid) + "\n";
    for (;;) {
        const ProcessResult names = busctl(
            {"call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListNames"});
        for (const auto& name : quoted_strings(names.out)) {
            if (!name.starts_with(':')) continue;
            const ProcessResult r = busctl({"call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                            "org.freedesktop.DBus", "GetConnectionUnixProcessID", "s", name});
            if (r.exit_code == 0 && r.out == wanted) return name;
        }
        if (steady_clock::now() > deadline) return std::nullopt;
        std::this_thread::sleep_for(kPoll);
    }
}

// ---- BusPeer ----

BusPeer::BusPeer(const PrivateSystemBus& bus, uid_t uid, gid_t gid)
    // dbus-monitor registers on the bus (Hello) and then just waits. As a
    // non-root user its monitoring requests are refused (logged by
    // dbus-daemon), which does not matter: it stays connected.
    : process_(as_user(
          uid, gid,
          {"dbus-monitor", "--address", bus.address(), "type='signal',interface='org.aalayer.none'"})) {
    auto name = bus.unique_name_of(process_.pid());
    if (!name)
        throw std::runtime_error("BusPeer: uid " + std::to_string(uid) + " did not connect:\n" + bus.log());
    name_ = *name;
}

// ---- Polkitd ----

Polkitd::Polkitd(const PrivateSystemBus& bus) : Polkitd(bus, Config{}) {}

Polkitd::Polkitd(const PrivateSystemBus& bus, const Config& config) : bus_(bus) {
    // polkitd reads these as the polkitd user: all world-readable.
    ::chmod(dir_.path().c_str(), 0755);
    rules_dir_ = make_dir(dir_.path() + "/etc-rules.d");
    const std::string share_rules = make_dir(dir_.path() + "/share-rules.d");  // stays empty
    const std::string actions = make_dir(dir_.path() + "/actions");
    staging_dir_ = make_dir(dir_.path() + "/staging");  // not watched by polkitd
    log_path_ = dir_.path() + "/polkitd.log";
    for (const auto& file : config.action_files) {
        write_file(actions + "/" + fs::path(file).filename().string(), read_all(file), 0644);
    }
    for (const auto& [name, xml] : config.actions) {
        write_file(actions + "/" + name, xml, 0644);
    }
    for (const auto& [name, js] : config.rules) {
        write_file(rules_dir_ + "/" + (name.ends_with(".rules") ? name : name + ".rules"), js, 0644);
    }
    // Without --no-debug: polkitd then logs rule (re)loading, which
    // write_rules() waits for, and JS errors.
    daemon_.emplace(std::vector<std::string>{kPolkitd},
                    BackgroundProcess::Options{
                        .env = {"DBUS_SYSTEM_BUS_ADDRESS=" + bus.address()},
                        .log_path = log_path_,
                        .bind_mounts = {{rules_dir_, "/etc/polkit-1/rules.d"},
                                        {share_rules, "/usr/share/polkit-1/rules.d"},
                                        {actions, "/usr/share/polkit-1/actions"}},
                    });
    const auto deadline = steady_clock::now() + std::chrono::seconds(20);
    while (!bus.name_has_owner(kBusName)) {
        if (!daemon_->running() || steady_clock::now() > deadline) {
            throw std::runtime_error("polkitd did not get " + std::string(kBusName) + ":\n" + log() +
                                     "\n-- dbus-daemon:\n" + bus.log());
        }
        std::this_thread::sleep_for(kPoll);
    }
}

std::string Polkitd::log() const {
    return read_all(log_path_);
}

void Polkitd::write_rules(const std::string& name, const std::string& js) {
    const std::string file = name.ends_with(".rules") ? name : name + ".rules";
    const std::string staged = staging_dir_ + "/" + file;
    write_file(staged, js, 0644);
    change_rules([&] { fs::rename(staged, rules_dir_ + "/" + file); });
}

void Polkitd::remove_rules(const std::string& name) {
    const std::string file = name.ends_with(".rules") ? name : name + ".rules";
    change_rules([&] { fs::remove(rules_dir_ + "/" + file); });
}

void Polkitd::change_rules(const std::function<void()>& change) {
    // polkitd logs "Reloading rules" when an inotify event on the rules dir
    // starts a reload, and "Finished loading, ..." at its end. A reload that
    // starts after the change (one rename or unlink: one event) sees it.
    const std::size_t offset = log().size();
    change();
    const auto deadline = steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
        const std::string text = log();
        const std::size_t start = text.find("Reloading rules", offset);
        if (start != std::string::npos &&
            text.find("Finished loading, compiling and executing", start) != std::string::npos) {
            return;
        }
        if (!daemon_->running() || steady_clock::now() > deadline) {
            throw std::runtime_error("polkitd did not reload its rules:\n" + text);
        }
        std::this_thread::sleep_for(milliseconds(5));
    }
}

namespace {

PolkitAnswer check(const PrivateSystemBus& bus, std::vector<std::string> subject,
                   const std::string& action_id) {
    std::vector<std::string> args{"call",
                                  Polkitd::kBusName,
                                  "/org/freedesktop/PolicyKit1/Authority",
                                  "org.freedesktop.PolicyKit1.Authority",
                                  "CheckAuthorization",
                                  "(sa{sv})sa{ss}us"};
    args.insert(args.end(), subject.begin(), subject.end());
    args.insert(args.end(), {action_id, "0", "0", ""});  // details {}, flags 0, cancellation id ""
    const ProcessResult r = bus.busctl(args);
    PolkitAnswer answer;
    std::istringstream out(r.out);
    std::string sig;
    std::string authorized;
    std::string challenge;
    if (r.exit_code != 0 || !(out >> sig >> authorized >> challenge) || sig != "(bba{ss})") {
        answer.error = r.timed_out ? std::string("busctl timed out") : r.err + r.out;
        return answer;
    }
    answer.ok = true;
    answer.authorized = authorized == "true";
    answer.challenge = challenge == "true";
    return answer;
}

}  // namespace

PolkitAnswer Polkitd::check_bus_name(const std::string& bus_name, const std::string& action_id) const {
    return check(bus_, {"system-bus-name", "1", "name", "s", bus_name}, action_id);
}

PolkitAnswer Polkitd::check_process(pid_t pid, uid_t uid, const std::string& action_id) const {
    return check(bus_,
                 {"unix-process", "3", "pid", "u", std::to_string(pid), "start-time", "t",
                  std::to_string(process_start_time(pid)), "uid", "i", std::to_string(uid)},
                 action_id);
}

}  // namespace aalayer::test
