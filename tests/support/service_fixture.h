// aalayerd for tests: a private system bus, the real polkitd with the
// project's actions and a test rule (nobody and daemon may manage their own
// layers, bin may not, sys after authenticating), and the service in compile-only mode on a temporary
// state, grants and profiles directory with one base profile "app".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/support/bus_harness.h"

namespace aalayer::test {

constexpr uid_t kNobody = 65534;  // home /nonexistent
constexpr uid_t kDaemon = 1;      // home /usr/sbin
constexpr uid_t kBin = 2;         // polkit says no
constexpr uid_t kSys = 3;         // polkit wants authentication (no agent runs: never given)

gid_t gid_of(uid_t uid);

class Service {
public:
    // settings: extra `--set KEY=VALUE` for aalayerd.
    explicit Service(std::vector<std::string> settings = {});
    // env: extra "NAME=value" entries for aalayerd (the benchmarks' NSS wrapper).
    Service(std::vector<std::string> settings, std::vector<std::string> env);
    // Stops the service, and fails the running test if a sanitizer reported
    // anything in it (leaks included, in the sanitizer build).
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    void set_grant(const std::string& text);
    // Waits until the service owns its bus name, which it takes once every
    // stored layer is compiled (and loaded): a start with many layers needs more.
    void start(std::chrono::seconds wait = std::chrono::seconds(30));
    // The `--set` settings of the next start().
    void set_settings(std::vector<std::string> settings) { settings_ = std::move(settings); }
    void stop();
    // SIGTERM and wait (SIGKILL after 5 s): the exit code, or -1 if killed.
    int terminate();
    void kill_hard();
    // Stops polkitd (SIGKILL): the service must then refuse, not allow.
    void kill_polkit();
    [[nodiscard]] pid_t pid() const { return service_->pid(); }
    [[nodiscard]] bool running() const { return service_ && service_->running(); }

    // bus-call as uid.
    [[nodiscard]] ProcessResult call(uid_t uid, std::vector<std::string> args) const;
    // Runs argv as uid with DBUS_SYSTEM_BUS_ADDRESS set to this bus (for the aalayer CLI).
    [[nodiscard]] ProcessResult run_client(uid_t uid, std::vector<std::string> argv,
                                           const std::vector<std::string>& env = {}) const;
    // A world-readable file holding `text`, for callers of other uids.
    [[nodiscard]] std::string text_file(const std::string& text) const;
    [[nodiscard]] ProcessResult apply(uid_t uid, const std::string& name, const std::string& text) const;

    [[nodiscard]] std::string log() const;
    [[nodiscard]] const std::string& state_dir() const { return state_; }
    [[nodiscard]] const std::string& dir() const { return dir_.path(); }
    [[nodiscard]] const PrivateSystemBus& bus() const { return bus_; }

private:
    PrivateSystemBus bus_;
    Polkitd polkit_;
    TempDir dir_;
    std::string state_ = dir_.path() + "/state";
    std::vector<std::string> settings_;
    std::vector<std::string> env_;
    std::optional<BackgroundProcess> service_;
};

std::string layer_path(uid_t uid, const std::string& name);

// The service still answers (a ping from another user) and runs.
void expect_alive(const Service& s);

}  // namespace aalayer::test
