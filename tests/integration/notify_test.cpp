// aalayer notify against a real notification server: dunst (Debian's
// package, org.freedesktop.Notifications) on an Xvfb display, on a private
// session bus of each user's own, and aalayerd on the private system bus with
// the real polkitd, reading an auditd-style log the test appends records to
// (as in denials_test.cpp). dunst runs a script for every notification it
// shows (a [rule] with script=): that script's log is what the user saw.
// Its context menu (dunstctl context) runs a dmenu the test provides, which
// picks an action as a person would.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/service_fixture.h"

namespace aalayer::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Polls `ready` until it holds; false after `timeout`.
template <class Ready>
bool wait_until(Ready ready, milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (ready()) return true;
        std::this_thread::sleep_for(milliseconds(20));
    }
    return ready();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

void append(const std::string& path, const std::string& line) {
    std::ofstream(path, std::ios::app) << line << "\n";
}

std::string executable(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    return path;
}

// An auditd log line: `operation` of `path` denied to cat under uid's layer app/NAME, now.
std::string record(uid_t uid, const std::string& name, const std::string& path,
                   const std::string& mask = "r") {
    static int serial = 0;
    const auto now =
        std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return "type=AVC msg=audit(" + std::to_string(now / 1000) + "." + std::to_string(now % 1000) + ":" +
           std::to_string(++serial) + "): apparmor=\"DENIED\" operation=\"open\" class=\"file\" " +
           "profile=\"app//aalayer." + std::to_string(uid) + "." + name + "\" name=\"" + path +
           "\" pid=4242 comm=\"cat\" requested_mask=\"" + mask + "\" denied_mask=\"" + mask +
           "\" fsuid=" + std::to_string(uid) + " ouid=" + std::to_string(uid);
}

// An X display of its own (Xvfb picks a free number).
class Display {
public:
    Display()
        : server_({"sh", "-c", "exec Xvfb -displayfd 3 -nolisten tcp 3>" + dir_.path() + "/display"},
                  {.env = {}, .log_path = dir_.path() + "/xvfb.log", .bind_mounts = {}}) {
        if (!wait_until([this] { return contains(read_all(dir_.path() + "/display"), "\n"); }, seconds(20)))
            throw std::runtime_error("Xvfb did not start: " + read_all(dir_.path() + "/xvfb.log"));
        const std::string n = read_all(dir_.path() + "/display");
        name_ = ":" + n.substr(0, n.find('\n'));
    }
    [[nodiscard]] const std::string& name() const { return name_; }

private:
    TempDir dir_;
    BackgroundProcess server_;
    std::string name_;
};

// One user's desktop session: a session bus, dunst on `display`, and
// `aalayer notify` as that user.
class Session {
public:
    Session(uid_t uid, const Display& display, const Service& s)
        : uid_(uid), bus_address_("unix:path=" + dir_.path() + "/bus") {
        ::chmod(dir_.path().c_str(), 0777);
        const std::string& d = dir_.path();
        // Each notice as ID, summary, body, then a line "--".
        executable(
            d + "/record.sh",
            "#!/bin/sh\nprintf '%s\\n%s\\n%s\\n--\\n' \"$DUNST_ID\" \"$DUNST_SUMMARY\" \"$DUNST_BODY\" "
            ">> " +
                d + "/notices\n");
        // dmenu: the menu (one action a line), and the line naming what `pick` says.
        executable(d + "/menu.sh",
                   "#!/bin/sh\ntee -a " + d + "/menu | grep -m1 -F \"$(cat " + d + "/pick)\"\n");
        // The terminal an action starts: what it was asked to run.
        executable(d + "/term.sh", "#!/bin/sh\necho \"$@\" >> " + d + "/terminal\n");
        std::ofstream(d + "/dunstrc")
            << "[global]\n    idle_threshold = 0\n    dmenu = " << d
            << "/menu.sh\n[record]\n    summary = \"*\"\n    script = " << d << "/record.sh\n";
        bus_.emplace(
            as_user(uid, gid_of(uid), {"dbus-daemon", "--session", "--nofork", "--address=" + bus_address_}),
            BackgroundProcess::Options{.env = {}, .log_path = d + "/bus.log", .bind_mounts = {}});
        if (!wait_until([&] { return fs::exists(d + "/bus"); }, seconds(10)))
            throw std::runtime_error("no session bus: " + read_all(d + "/bus.log"));
        dunst_.emplace(
            as_user(uid, gid_of(uid),
                    {"env", "HOME=" + d, "DISPLAY=" + display.name(),
                     "DBUS_SESSION_BUS_ADDRESS=" + bus_address_, "dunst", "-config", d + "/dunstrc"}),
            BackgroundProcess::Options{.env = {}, .log_path = d + "/dunst.log", .bind_mounts = {}});
        if (!wait_until([&] { return dunstctl({"count"}).exit_code == 0; }, seconds(20)))
            throw std::runtime_error("dunst did not start: " + read_all(d + "/dunst.log"));
        notify_.emplace(
            as_user(uid, gid_of(uid),
                    {"env", "DBUS_SYSTEM_BUS_ADDRESS=" + s.bus().address(),
                     "DBUS_SESSION_BUS_ADDRESS=" + bus_address_, env_or("AALAYER_CLI", "aalayer"), "notify",
                     "--interval", "2", "--terminal", d + "/term.sh"}),
            BackgroundProcess::Options{.env = {}, .log_path = d + "/notify.log", .bind_mounts = {}});
    }

    [[nodiscard]] ProcessResult dunstctl(const std::vector<std::string>& args) const {
        std::vector<std::string> argv{"env", "DBUS_SESSION_BUS_ADDRESS=" + bus_address_, "dunstctl"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_as(uid_, gid_of(uid_), argv, seconds(20));
    }

    // The notices dunst showed, in order: "ID\nSUMMARY\nBODY".
    [[nodiscard]] std::vector<std::string> notices() const {
        std::vector<std::string> out;
        const std::string all = read_all(dir_.path() + "/notices");
        for (std::size_t at = 0, end = 0; (end = all.find("\n--\n", at)) != std::string::npos; at = end + 4)
            out.push_back(all.substr(at, end - at));
        return out;
    }
    bool wait_for_notices(std::size_t n) const {
        return wait_until([&] { return notices().size() >= n; }, seconds(15));
    }
    [[nodiscard]] std::string log() const { return read_all(dir_.path() + "/notify.log"); }
    bool wait_for_log(const std::string& text) const {
        return wait_until([&] { return contains(log(), text); }, seconds(15));
    }
    [[nodiscard]] std::string file(const std::string& name) const {
        return read_all(dir_.path() + "/" + name);
    }
    void pick(const std::string& label) const { std::ofstream(dir_.path() + "/pick") << label; }
    [[nodiscard]] pid_t notify_pid() const { return notify_->pid(); }

private:
    uid_t uid_;
    TempDir dir_;
    std::string bus_address_;
    std::optional<BackgroundProcess> bus_;
    std::optional<BackgroundProcess> dunst_;
    std::optional<BackgroundProcess> notify_;
};

TEST(NotifyWithDunst, OneNoticePerDenialQuietRepeatsBurstsInOneOnlyTheOwnersAndActions) {
    TempDir logs;
    ::chmod(logs.path().c_str(), 0755);
    const std::string audit_log = logs.write("audit.log", "");
    Service s({"denial_source=audit-log", "audit_log=" + audit_log});
    ASSERT_EQ(s.apply(kNobody, "web", "owner @{HOME}/docs/** r,\n").exit_code, 0);
    ASSERT_EQ(s.apply(kDaemon, "mail", "owner @{HOME}/mail/** r,\n").exit_code, 0);
    // A denial from before the notifier started: in aalayer log, not news.
    append(audit_log, record(kNobody, "web", "/nonexistent/docs/before"));
    ASSERT_TRUE(wait_until(
        [&] {
            return contains(s.run_client(kNobody, {env_or("AALAYER_CLI", "aalayer"), "log", "app/web"}).out,
                            "before");
        },
        seconds(10)));

    Display display;
    Session nobody(kNobody, display, s);
    Session daemon(kDaemon, display, s);
    ASSERT_TRUE(nobody.wait_for_log("following app/web")) << nobody.log();
    ASSERT_TRUE(daemon.wait_for_log("following app/mail")) << daemon.log();

    // One denial: one notice, at once, saying who, what and how to allow it.
    const auto sent = std::chrono::steady_clock::now();
    append(audit_log, record(kNobody, "web", "/nonexistent/docs/first"));
    ASSERT_TRUE(nobody.wait_for_notices(1)) << nobody.log() << s.log();
    const auto latency = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - sent);
    std::cout << "denial to notice shown by dunst: " << latency.count() << " ms\n";
    const auto first = nobody.notices().at(0);
    EXPECT_TRUE(contains(first,
                         "\ncat (web) was denied\nopen /nonexistent/docs/first: r (owner)\n"
                         "your layer would allow it with: owner /nonexistent/docs/first r,\n"
                         "aalayer log app/web"))
        << first;

    // The same denial again, then a burst of five others: the repeat is
    // quiet, the burst held (one notice per 2 s here) and shown as one,
    // replacing the first notice on screen. The repeat came before the
    // burst, so had it been shown it would be among these.
    append(audit_log, record(kNobody, "web", "/nonexistent/docs/first"));
    for (int i = 0; i < 5; ++i)
        append(audit_log, record(kNobody, "web", "/nonexistent/docs/burst" + std::to_string(i)));
    ASSERT_TRUE(nobody.wait_for_notices(2)) << nobody.log();
    const auto burst = nobody.notices().at(1);
    EXPECT_EQ(burst.substr(0, burst.find('\n')), first.substr(0, first.find('\n'))) << "replaces the first";
    EXPECT_TRUE(
        contains(burst,
                 "\ncat (web): 5 more denials\nopen /nonexistent/docs/burst0: r (owner)\n"
                 "open /nonexistent/docs/burst1: r (owner)\nopen /nonexistent/docs/burst2: r (owner)\n"
                 "and 2 more\naalayer log app/web"))
        << burst;
    const auto log = s.run_client(kNobody, {env_or("AALAYER_CLI", "aalayer"), "log", "app/web"}).out;
    EXPECT_TRUE(contains(log, "/nonexistent/docs/first  r (owner)  cat[4242]  x2")) << log;

    // The other user's notifier follows their own layer, and shows nothing of nobody's.
    append(audit_log, record(kDaemon, "mail", "/usr/sbin/mail/inbox"));
    ASSERT_TRUE(daemon.wait_for_notices(1)) << daemon.log();
    ASSERT_EQ(daemon.notices().size(), 1U);
    EXPECT_TRUE(contains(daemon.notices()[0], "\ncat (mail) was denied\nopen /usr/sbin/mail/inbox"))
        << daemon.notices()[0];
    for (const auto& n : daemon.notices())
        EXPECT_FALSE(contains(n, "nonexistent")) << n;
    EXPECT_EQ(nobody.notices().size(), 2U);
    for (const auto& n : nobody.notices())
        EXPECT_FALSE(contains(n, "mail")) << n;

    // Actions, from dunst's context menu: "Show log" opens the log in a
    // terminal, "Allow…" the learned rule.
    nobody.pick("Allow");
    ASSERT_EQ(nobody.dunstctl({"context"}).exit_code, 0);
    ASSERT_TRUE(wait_until([&] { return !nobody.file("terminal").empty(); }, seconds(10)))
        << nobody.log() << nobody.file("menu");
    EXPECT_TRUE(contains(nobody.file("menu"), "Show log (cat (web): 5 more denials)")) << nobody.file("menu");
    EXPECT_EQ(nobody.file("terminal"), "-e " + env_or("AALAYER_CLI", "aalayer") + " learn app/web\n");
}

TEST(NotifyWithDunst, LayersAddedLaterAndAServiceRestartAreFollowed) {
    TempDir logs;
    ::chmod(logs.path().c_str(), 0755);
    const std::string audit_log = logs.write("audit.log", "");
    Service s({"denial_source=audit-log", "audit_log=" + audit_log});
    Display display;
    Session nobody(kNobody, display, s);
    // No layer yet: it waits.
    ASSERT_TRUE(wait_until(
        [&] { return s.bus().unique_name_of(nobody.notify_pid(), seconds(1)).has_value(); }, seconds(15)))
        << nobody.log();
    ASSERT_EQ(s.apply(kNobody, "web", "owner @{HOME}/docs/** r,\n").exit_code, 0);
    ASSERT_TRUE(nobody.wait_for_log("following app/web")) << nobody.log();
    append(audit_log, record(kNobody, "web", "/nonexistent/docs/added"));
    ASSERT_TRUE(nobody.wait_for_notices(1)) << nobody.log();
    EXPECT_TRUE(contains(nobody.notices()[0], "open /nonexistent/docs/added")) << nobody.notices()[0];

    // The service restarts: the notifier subscribes again.
    s.stop();
    ASSERT_TRUE(nobody.wait_for_log("the aalayer service left the bus")) << nobody.log();
    s.start();
    ASSERT_TRUE(nobody.wait_for_log("the aalayer service is back")) << nobody.log();
    ASSERT_TRUE(wait_until(
        [&] {
            const std::string l = nobody.log();
            return l.find("following app/web", l.find("the aalayer service is back")) != std::string::npos;
        },
        seconds(15)))
        << nobody.log();
    append(audit_log, record(kNobody, "web", "/nonexistent/docs/after-restart", "w"));
    ASSERT_TRUE(nobody.wait_for_notices(2)) << nobody.log() << s.log();
    EXPECT_TRUE(contains(nobody.notices()[1], "open /nonexistent/docs/after-restart: w (owner)"))
        << nobody.notices()[1];

    // The layer goes: the notifier lets it go.
    ASSERT_EQ(s.run_client(kNobody, {env_or("AALAYER_CLI", "aalayer"), "remove", "app/web"}).exit_code, 0);
    EXPECT_TRUE(nobody.wait_for_log("layer app/web is gone")) << nobody.log();
}

}  // namespace
}  // namespace aalayer::test
