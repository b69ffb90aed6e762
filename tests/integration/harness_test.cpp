// The integration harness itself: a private system bus that root and other
// uids can use, and a real polkitd on it that follows the test's rules.
#include <cerrno>
#include <filesystem>

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "tests/support/bus_harness.h"

namespace aalayer::test {
namespace {

constexpr uid_t kNobody = 65534;
constexpr uid_t kDaemon = 1;  // exists in passwd, so it may connect to the bus
constexpr uid_t kNoPasswd = 1234;

constexpr const char* kAction = "org.aalayer.test.action";
constexpr const char* kSelfAction = "org.aalayer.test.self";

const char* const kActions = R"(<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE policyconfig PUBLIC "-//freedesktop//DTD PolicyKit Policy Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/PolicyKit/1/policyconfig.dtd">
<policyconfig>
  <action id="org.aalayer.test.action">
    <description>harness test action</description>
    <message>harness test action</message>
    <defaults>
      <allow_any>no</allow_any>
      <allow_inactive>no</allow_inactive>
      <allow_active>no</allow_active>
    </defaults>
  </action>
  <action id="org.aalayer.test.self">
    <description>harness test action, own password</description>
    <message>harness test action, own password</message>
    <defaults>
      <allow_any>auth_self</allow_any>
      <allow_inactive>auth_self</allow_inactive>
      <allow_active>auth_self</allow_active>
    </defaults>
  </action>
</policyconfig>
)";

const char* const kNobodyOnly = R"(
polkit.addRule(function(action, subject) {
    if (action.id == "org.aalayer.test.action") {
        return subject.user == "nobody" ? polkit.Result.YES : polkit.Result.NO;
    }
});
)";

const char* const kUid1234Only = R"(
polkit.addRule(function(action, subject) {
    if (action.id == "org.aalayer.test.action") {
        return subject.user == "1234" || subject.user == "daemon" ? polkit.Result.YES : polkit.Result.NO;
    }
});
)";

bool have_tools() {
    return ::geteuid() == 0 && std::filesystem::exists("/usr/lib/polkit-1/polkitd") &&
           run_process({"dbus-daemon", "--version"}).exit_code == 0 &&
           run_process({"setpriv", "--version"}).exit_code == 0;
}

#define REQUIRE_TOOLS()                                                                    \
    do {                                                                                   \
        if (!have_tools()) GTEST_SKIP() << "needs root, dbus-daemon, setpriv and polkitd"; \
    } while (0)

std::vector<std::string> list_names(const std::string& address) {
    return {"dbus-send",
            "--bus=" + address,
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.ListNames"};
}

TEST(BusHarness, BusAnswersRootAndOtherUids) {
    REQUIRE_TOOLS();
    const PrivateSystemBus bus;
    EXPECT_TRUE(bus.address().starts_with("unix:path=/"));

    const ProcessResult root = run_process(list_names(bus.address()));
    EXPECT_EQ(root.exit_code, 0) << root.err;
    EXPECT_NE(root.out.find("\"org.freedesktop.DBus\""), std::string::npos) << root.out;

    const ProcessResult nobody = run_as(kNobody, kNobody, list_names(bus.address()));
    EXPECT_EQ(nobody.exit_code, 0) << nobody.err << bus.log();
    EXPECT_NE(nobody.out.find("\"org.freedesktop.DBus\""), std::string::npos) << nobody.out;

    const ProcessResult id = bus.busctl_as(
        kNobody, kNobody,
        {"call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId"});
    EXPECT_EQ(id.exit_code, 0) << id.err;

    // The peer's uid as the bus sees it.
    const BusPeer peer(bus, kNobody, kNobody);
    const ProcessResult uid =
        bus.busctl({"call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                    "GetConnectionUnixUser", "s", peer.unique_name()});
    EXPECT_EQ(uid.out, "u 65534\n") << uid.err;

    // Known limitation of dbus-daemon: a uid without a passwd entry cannot connect.
    const ProcessResult stranger =
        run_as(kNoPasswd, kNoPasswd, list_names(bus.address()), std::chrono::seconds(30));
    EXPECT_NE(stranger.exit_code, 0);
}

TEST(BusHarness, OnlyRootOwnsNames) {
    REQUIRE_TOOLS();
    const PrivateSystemBus bus;
    // RequestName(name, flags) answers 1 (primary owner) or fails with AccessDenied.
    const std::vector<std::string> request{"call",
                                           "org.freedesktop.DBus",
                                           "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus",
                                           "RequestName",
                                           "su",
                                           "org.aalayer.Test1",
                                           "0"};
    const ProcessResult root = bus.busctl(request);
    EXPECT_EQ(root.out, "u 1\n") << root.err;
    const ProcessResult nobody = bus.busctl_as(kNobody, kNobody, request);
    EXPECT_NE(nobody.exit_code, 0);
    EXPECT_NE(nobody.err.find("ccess"), std::string::npos) << nobody.err;
}

TEST(BusHarness, DestructorsStopEverything) {
    REQUIRE_TOOLS();
    pid_t bus_pid = 0;
    pid_t polkitd_pid = 0;
    pid_t peer_pid = 0;
    {
        const PrivateSystemBus bus;
        const Polkitd polkit(bus);
        const BusPeer peer(bus, kNobody, kNobody);
        bus_pid = bus.pid();
        polkitd_pid = polkit.pid();
        peer_pid = peer.pid();
        ASSERT_EQ(::kill(bus_pid, 0), 0);
        ASSERT_EQ(::kill(polkitd_pid, 0), 0);
    }
    for (const pid_t pid : {bus_pid, polkitd_pid, peer_pid}) {
        errno = 0;
        EXPECT_EQ(::kill(pid, 0), -1) << pid;  // gone and reaped
        EXPECT_EQ(errno, ESRCH) << pid;
    }
}

TEST(BusHarness, PolkitdFollowsTheTestRules) {
    REQUIRE_TOOLS();
    const PrivateSystemBus bus;
    Polkitd polkit(bus,
                   {.action_files = {}, .actions = {{"org.aalayer.test.policy", kActions}}, .rules = {}});
    ASSERT_TRUE(bus.name_has_owner(Polkitd::kBusName));
    polkit.write_rules("50-test", kNobodyOnly);

    const BusPeer nobody(bus, kNobody, kNobody);
    const BusPeer daemon(bus, kDaemon, kDaemon);
    const BackgroundProcess stranger(as_user(kNoPasswd, kNoPasswd, {"sleep", "600"}));
    ASSERT_NE(process_start_time(stranger.pid()), 0U);

    // The exact call the service makes: a system-bus-name subject.
    PolkitAnswer a = polkit.check_bus_name(nobody.unique_name(), kAction);
    ASSERT_TRUE(a.ok) << a.error << polkit.log();
    EXPECT_TRUE(a.authorized);
    EXPECT_FALSE(a.challenge);
    a = polkit.check_bus_name(daemon.unique_name(), kAction);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_FALSE(a.authorized);
    // unix-process subjects.
    a = polkit.check_process(nobody.pid(), kNobody, kAction);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_TRUE(a.authorized);
    a = polkit.check_process(stranger.pid(), kNoPasswd, kAction);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_FALSE(a.authorized);
    // uid 0 is always authorized, whatever the rules say.
    a = polkit.check_process(::getpid(), 0, kAction);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_TRUE(a.authorized);

    // The same call spelled out, as a test would write it by hand.
    const ProcessResult raw =
        bus.busctl({"call", Polkitd::kBusName, "/org/freedesktop/PolicyKit1/Authority",
                    "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization", "(sa{sv})sa{ss}us",
                    "system-bus-name", "1", "name", "s", nobody.unique_name(), kAction, "0", "0", ""});
    EXPECT_EQ(raw.exit_code, 0) << raw.err;
    EXPECT_TRUE(raw.out.starts_with("(bba{ss}) true false")) << raw.out;

    // Replacing the rules flips the answers.
    polkit.write_rules("50-test", kUid1234Only);
    a = polkit.check_bus_name(nobody.unique_name(), kAction);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_FALSE(a.authorized);
    a = polkit.check_bus_name(daemon.unique_name(), kAction);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_TRUE(a.authorized);
    a = polkit.check_process(stranger.pid(), kNoPasswd, kAction);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_TRUE(a.authorized);

    // Without rules the action's defaults apply: no, and auth_self is a
    // challenge (there is no agent), not a yes.
    polkit.remove_rules("50-test");
    a = polkit.check_bus_name(daemon.unique_name(), kAction);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_FALSE(a.authorized);
    EXPECT_FALSE(a.challenge);
    a = polkit.check_bus_name(nobody.unique_name(), kSelfAction);
    ASSERT_TRUE(a.ok) << a.error;
    EXPECT_FALSE(a.authorized);
    EXPECT_TRUE(a.challenge);

    // Only the test's actions exist: the machine's own are hidden.
    a = polkit.check_bus_name(nobody.unique_name(), "org.freedesktop.hostname1.set-hostname");
    EXPECT_FALSE(a.ok) << a.authorized;
    EXPECT_NE(a.error.find("not registered"), std::string::npos) << a.error;
}

}  // namespace
}  // namespace aalayer::test
