// Denials on the private bus with the real polkitd: aalayerd reads an
// auditd-style log (denial_source audit-log, a file the test appends
// records to, as auditd would), and only the layer's owner (and root)
// receives them, by GetDenials or by the unicast Denials signal; another
// user eavesdropping with match rules sees nothing.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/json_reader.h"
#include "tests/support/service_fixture.h"

namespace aalayer::test {
namespace {

namespace fs = std::filesystem;

// Polls `path` until it contains `text`; false after `timeout`.
bool wait_for_text(const std::string& path, const std::string& text, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (read_all(path).find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

void append(const std::string& path, const std::string& line) {
    std::ofstream(path, std::ios::app) << line << "\n";
}

// An auditd log line of a read denied to a program under nobody's layer app/web.
std::string record(const std::string& path, int serial) {
    return "type=AVC msg=audit(1700000000.000:" + std::to_string(serial) +
           "): apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"app//aalayer.65534.web\" "
           "name=\"" +
           path + "\" pid=4242 comm=\"cat\" requested_mask=\"r\" denied_mask=\"r\" fsuid=65534 ouid=65534";
}

TEST(DenialsBus, OnlyTheOwnerReceivesThemAndAnEavesdropperSeesNothing) {
    TempDir logs;
    ::chmod(logs.path().c_str(), 0755);
    const std::string audit_log = logs.write("audit.log", "");
    Service s({"denial_source=audit-log", "audit_log=" + audit_log});
    ASSERT_EQ(s.apply(kNobody, "web", "owner @{HOME}/docs/** r,\n").exit_code, 0);
    const auto source = s.bus().busctl({"get-property", "org.aalayer.Manager1", "/org/aalayer/Manager1",
                                        "org.aalayer.Manager1", "DenialSource"});
    EXPECT_EQ(source.out, "s \"audit-log\"\n");

    // The eavesdropper: another user's dbus-monitor (BecomeMonitor refused, it
    // falls back to eavesdrop='true' match rules) on every signal.
    const std::string spy_log = logs.path() + "/spy.log";
    BackgroundProcess spy(as_user(kDaemon, gid_of(kDaemon),
                                  {"dbus-monitor", "--address", s.bus().address(), "type='signal'",
                                   "type='signal',interface='org.aalayer.Layer1',member='Denials'"}),
                          {.env = {}, .log_path = spy_log, .bind_mounts = {}});
    ASSERT_TRUE(s.bus().unique_name_of(spy.pid()).has_value());
    // ... who cannot ask either.
    const std::string path = layer_path(kNobody, "web");
    const auto get = s.bus().busctl_as(
        kDaemon, gid_of(kDaemon),
        {"call", "org.aalayer.Manager1", path, "org.aalayer.Layer1", "GetDenials", "t", "0"});
    EXPECT_NE(get.exit_code, 0);
    EXPECT_NE(get.err.find("you have no layer 'web' on 'app'"), std::string::npos) << get.err;
    const auto sub =
        s.bus().busctl_as(kDaemon, gid_of(kDaemon),
                          {"call", "org.aalayer.Manager1", path, "org.aalayer.Layer1", "SubscribeDenials"});
    EXPECT_NE(sub.err.find("you have no layer 'web' on 'app'"), std::string::npos) << sub.err;

    // The owner follows the layer's log.
    const std::string follow_log = logs.path() + "/follow.log";
    BackgroundProcess follower(
        as_user(kNobody, gid_of(kNobody),
                {"env", "DBUS_SYSTEM_BUS_ADDRESS=" + s.bus().address(), env_or("AALAYER_CLI", "aalayer"),
                 "log", "app/web", "--follow", "--json"}),
        {.env = {}, .log_path = follow_log, .bind_mounts = {}});
    append(audit_log, record("/nonexistent/docs/first-secret", 1));
    // Subscribed before its first read: once it shows the first record, the
    // second can only come by the signal.
    ASSERT_TRUE(wait_for_text(follow_log, "first-secret", std::chrono::seconds(10)))
        << read_all(follow_log) << s.log();
    const auto sent = std::chrono::steady_clock::now();
    append(audit_log, record("/nonexistent/docs/second-secret", 2));
    ASSERT_TRUE(wait_for_text(follow_log, "second-secret", std::chrono::seconds(10))) << read_all(follow_log);
    const auto latency =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent);
    EXPECT_LT(latency.count(), 1000);
    std::cout << "signal latency (audit-log source, 50 ms batches): " << latency.count() << " ms\n";
    EXPECT_NE(read_all(follow_log).find("\"rule\": \"owner /nonexistent/docs/second-secret r,\""),
              std::string::npos)
        << read_all(follow_log);

    // A broadcast signal the spy must see: proof it was listening.
    ASSERT_EQ(s.apply(kNobody, "web", "owner @{HOME}/docs/** r,\n# again\n").exit_code, 0);
    ASSERT_TRUE(wait_for_text(spy_log, "PropertiesChanged", std::chrono::seconds(10))) << read_all(spy_log);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    follower.stop();
    spy.stop();
    // Each record once, though it may have come by signal and by GetDenials.
    const std::string followed = read_all(follow_log);
    std::size_t lines = 0;
    for (auto at = followed.find("\"path\": \"/nonexistent/docs/first-secret\""); at != std::string::npos;
         at = followed.find("\"path\": \"/nonexistent/docs/first-secret\"", at + 1))
        ++lines;
    EXPECT_EQ(lines, 1U) << followed;
    const std::string spied = read_all(spy_log);
    EXPECT_EQ(spied.find("secret"), std::string::npos) << spied;
    EXPECT_EQ(spied.find("Denials"), std::string::npos) << spied;

    // The owner's log, and root's view (manage-any is root's without polkit).
    const auto owner = s.run_client(kNobody, {env_or("AALAYER_CLI", "aalayer"), "log", "app/web"});
    EXPECT_EQ(owner.exit_code, 0) << owner.err;
    EXPECT_NE(owner.out.find("DENIED  open  /nonexistent/docs/first-secret  r (owner)  cat[4242]"),
              std::string::npos)
        << owner.out;
    EXPECT_NE(owner.out.find("your layer would allow it with: owner /nonexistent/docs/second-secret r,"),
              std::string::npos)
        << owner.out;
    const auto root =
        s.bus().busctl({"call", "org.aalayer.Manager1", path, "org.aalayer.Layer1", "GetDenials", "t", "0"});
    EXPECT_EQ(root.exit_code, 0) << root.err;
    EXPECT_NE(root.out.find("second-secret"), std::string::npos) << root.out;
}

// keep_denials: the records a layer's owner saw are still listed after
// aalayerd restarts (the audit-log source reads only what comes after its
// start, so what the log lists then came from the state directory).
TEST(DenialsBus, KeptRecordsAreListedAgainAfterARestart) {
    TempDir logs;
    ::chmod(logs.path().c_str(), 0755);
    const std::string audit_log = logs.write("audit.log", "");
    Service s({"denial_source=audit-log", "audit_log=" + audit_log, "keep_denials=yes"});
    ASSERT_EQ(s.apply(kNobody, "web", "owner @{HOME}/docs/** r,\n").exit_code, 0);
    append(audit_log, record("/nonexistent/docs/kept", 1));
    std::string again = record("/nonexistent/docs/kept", 2);
    again.replace(again.find("1700000000.000"), 14, "1700000005.000");  // seen again 5 s later
    append(audit_log, again);
    const std::vector<std::string> log_json{env_or("AALAYER_CLI", "aalayer"), "log", "app/web", "--json"};
    std::string before;
    for (int i = 0; i < 200 && before.find("\"count\": 2") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        before = s.run_client(kNobody, log_json).out;
    }
    ASSERT_NE(before.find("\"count\": 2"), std::string::npos) << before << s.log();

    // Saved within the 10 s save interval, while the service runs.
    const std::string file = s.state_dir() + "/denials/65534/app/web.denials";
    const auto seen = std::chrono::steady_clock::now();
    while (!fs::exists(file) && std::chrono::steady_clock::now() - seen < std::chrono::seconds(15))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto saved_after =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - seen);
    EXPECT_TRUE(fs::exists(file)) << s.log();
    EXPECT_LE(saved_after.count(), 10'500);
    std::cout << "saved " << saved_after.count() << " ms after the records were listed\n";
    // Another record, then SIGTERM: the save at the stop has it.
    append(audit_log, record("/nonexistent/docs/last", 3));
    for (int i = 0; i < 200 && s.run_client(kNobody, log_json).out.find("docs/last") == std::string::npos;
         ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(s.terminate(), 0);
    ASSERT_TRUE(fs::exists(file)) << s.log();
    std::cout << "one record kept: " << fs::file_size(file) << " bytes in " << file << "\n";
    s.start();
    const auto after = s.run_client(kNobody, log_json);
    EXPECT_EQ(after.exit_code, 0) << after.err;
    EXPECT_NE(after.out.find("\"path\": \"/nonexistent/docs/kept\""), std::string::npos)
        << after.out << s.log();
    EXPECT_NE(after.out.find("\"first\": 1700000000000000"), std::string::npos) << after.out;
    EXPECT_NE(after.out.find("\"last\": 1700000005000000"), std::string::npos) << after.out;
    EXPECT_NE(after.out.find("\"count\": 2"), std::string::npos) << after.out;
    EXPECT_NE(after.out.find("\"path\": \"/nonexistent/docs/last\""), std::string::npos) << after.out;
    const auto plain = s.run_client(kNobody, {env_or("AALAYER_CLI", "aalayer"), "log", "app/web"});
    EXPECT_NE(plain.out.find("DENIED  open  /nonexistent/docs/kept  r (owner)  cat[4242]  x2"),
              std::string::npos)
        << plain.out;
    EXPECT_EQ(s.log().find("cannot use these denial records"), std::string::npos) << s.log();
    EXPECT_NE(s.log().find(", kept across restarts in " + s.state_dir() + "/denials"), std::string::npos)
        << s.log();
}

// An auditd log line of an access logged in complain mode under app/web.
std::string allowed_record(const std::string& path, const std::string& mask, int ouid, int serial) {
    return "type=AVC msg=audit(1700000001.000:" + std::to_string(serial) +
           "): apparmor=\"ALLOWED\" operation=\"open\" class=\"file\" profile=\"app//aalayer.65534.web\" "
           "name=\"" +
           path + "\" pid=4243 comm=\"app\" requested_mask=\"" + mask + "\" denied_mask=\"" + mask +
           "\" fsuid=65534 ouid=" + std::to_string(ouid);
}

TEST(DenialsBus, LearnProposesRulesAsJsonAndAppliesThemWithYes) {
    TempDir logs;
    ::chmod(logs.path().c_str(), 0755);
    const std::string audit_log = logs.write("audit.log", "");
    Service s({"denial_source=audit-log", "audit_log=" + audit_log});
    const std::string text = "owner @{HOME}/docs/bank/** r,\n";
    ASSERT_EQ(s.apply(kNobody, "web", text).exit_code, 0);
    const auto cli = env_or("AALAYER_CLI", "aalayer");
    append(audit_log, allowed_record("/nonexistent/docs/trip/a", "r", 65534, 1));
    append(audit_log, allowed_record("/nonexistent/docs/trip/b", "w", 65534, 2));
    append(audit_log, allowed_record("/etc/passwd", "r", 0, 3));
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    ProcessResult r = s.run_client(kNobody, {cli, "learn", "app/web", "--json"});
    while (r.out.find("/etc/passwd") == std::string::npos && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        r = s.run_client(kNobody, {cli, "learn", "app/web", "--json"});
    }
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = JsonReader(r.out).document();
    ASSERT_TRUE(doc) << r.out;
    const Json* proposals = doc->get("proposals");
    ASSERT_TRUE(proposals != nullptr && proposals->items.size() == 1U) << r.out;
    EXPECT_EQ(proposals->items[0].get("rule")->text, "owner @{HOME}/docs/trip/** rw,");
    EXPECT_EQ(proposals->items[0].get("accesses")->items.size(), 2U);
    const Json* unproposed = doc->get("unproposed");
    ASSERT_TRUE(unproposed != nullptr && unproposed->items.size() == 1U) << r.out;
    EXPECT_EQ(unproposed->items[0].get("allow")->text, "admin");
    EXPECT_EQ(doc->get("new_text")->text, text + "owner @{HOME}/docs/trip/** rw,\n");
    EXPECT_FALSE(doc->get("applied")->boolean);
    // --json applied nothing.
    EXPECT_EQ(s.run_client(kNobody, {cli, "show", "app/web"}).out.find("trip"), std::string::npos);

    // Another user may not ask.
    const auto other = s.bus().busctl_as(kDaemon, gid_of(kDaemon),
                                         {"call", "org.aalayer.Manager1", layer_path(kNobody, "web"),
                                          "org.aalayer.Layer1", "ProposeRules", "t", "0"});
    EXPECT_NE(other.err.find("you have no layer 'web' on 'app'"), std::string::npos) << other.err;

    // Not a terminal, no --yes: the diff, and how to apply it.
    r = s.run_client(kNobody, {cli, "learn", "app/web"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::cout << "$ aalayer learn app/web\n" << r.out;  // docs/user-guide.md quotes it
    EXPECT_NE(r.out.find("@@ -1 +1,2 @@\n owner @{HOME}/docs/bank/** r,\n+owner @{HOME}/docs/trip/** rw,\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("nothing applied: run `aalayer learn app/web --yes`"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("/etc/passwd r\n      outside the grant: only the admin can allow this"),
              std::string::npos)
        << r.out;

    r = s.run_client(kNobody, {cli, "learn", "app/web", "--yes"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::cout << "$ aalayer learn app/web --yes\n" << r.out;
    EXPECT_NE(r.out.find("applied app/web with 1 learned rule\n"), std::string::npos) << r.out;
    r = s.run_client(kNobody, {cli, "explain", "app/web", "/nonexistent/docs/trip/b"});
    EXPECT_NE(r.out.find("owner=rw"), std::string::npos) << r.out;
    r = s.run_client(kNobody, {cli, "learn", "app/web"});
    EXPECT_NE(r.out.find("no rules to propose for app/web"), std::string::npos) << r.out;
}

// In a terminal (script(1) gives aalayer one): each rule accepted, skipped or
// edited; an edited rule that does not check is asked again.
TEST(DenialsBus, LearnInATerminalTakesAnEditedRuleAfterCheckingIt) {
    TempDir logs;
    ::chmod(logs.path().c_str(), 0755);
    const std::string audit_log = logs.write("audit.log", "");
    Service s({"denial_source=audit-log", "audit_log=" + audit_log});
    ASSERT_EQ(s.apply(kNobody, "web", "owner @{HOME}/docs/bank/** r,\n").exit_code, 0);
    const auto cli = env_or("AALAYER_CLI", "aalayer");
    append(audit_log, allowed_record("/nonexistent/docs/trip/a", "r", 65534, 1));
    append(audit_log, allowed_record("/nonexistent/docs/trip/b", "r", 65534, 2));
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (s.run_client(kNobody, {cli, "log", "app/web"}).out.find("trip/b") == std::string::npos &&
           std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // Edit: first a line that is no rule, then a narrower rule than proposed.
    const std::string answers = "e\\nnot a rule\\ne\\nowner @{HOME}/docs/trip/a r,\\n";
    const auto r = s.run_client(
        kNobody,
        {"sh", "-c", "printf '" + answers + "' | script -qec '" + cli + " learn app/web' /dev/null"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("(a)ccept, (s)kip, (e)dit, (q)uit?"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("that rule does not check; try again"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("applied app/web with 1 learned rule"), std::string::npos) << r.out;
    const auto shown = s.run_client(kNobody, {cli, "show", "app/web"});
    EXPECT_NE(shown.out.find("owner @{HOME}/docs/trip/a r,"), std::string::npos) << shown.out;
    EXPECT_EQ(shown.out.find("trip/**"), std::string::npos) << shown.out;
}

TEST(DenialsBus, ModeSwitchesWithoutTextAndSubscriptionsAreBounded) {
    TempDir logs;
    Service s({"denial_source=none", "max_denial_subscriptions_per_user=1"});
    ASSERT_EQ(s.apply(kNobody, "web", "owner @{HOME}/docs/** r,\n").exit_code, 0);
    ASSERT_EQ(s.apply(kNobody, "mail", "owner @{HOME}/mail/** r,\n").exit_code, 0);
    const auto cli = env_or("AALAYER_CLI", "aalayer");
    auto r = s.run_client(kNobody, {cli, "mode", "app/web", "complain"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "app/web: complain\n");
    EXPECT_NE(s.run_client(kNobody, {cli, "list"}).out.find("\napp/web   compiled  complain\n"),
              std::string::npos);
    // Re-applied without --complain: it stays in complain mode.
    ASSERT_EQ(s.run_client(kNobody,
                           {cli, "apply", "web", s.text_file("owner @{HOME}/docs/** r,\n"), "--base", "app"})
                  .exit_code,
              0);
    EXPECT_NE(s.run_client(kNobody, {cli, "list"}).out.find("\napp/web   compiled  complain\n"),
              std::string::npos);
    r = s.run_client(kDaemon, {cli, "mode", "app/web", "enforce"});
    EXPECT_EQ(r.exit_code, 5) << r.out << r.err;  // not theirs: not found
    r = s.run_client(kNobody, {cli, "log", "app/web"});
    EXPECT_EQ(r.out, "aalayerd collects no denials on this system (denial_source none)\n");
    // One subscription per user here: held by a follower, a second is refused ...
    const std::string follow_log = logs.path() + "/follow.log";
    BackgroundProcess follower(
        as_user(kNobody, gid_of(kNobody),
                {"env", "DBUS_SYSTEM_BUS_ADDRESS=" + s.bus().address(), cli, "log", "app/web", "--follow"}),
        {.env = {}, .log_path = follow_log, .bind_mounts = {}});
    const auto subscribe_mail = [&] {
        return s.bus().busctl_as(kNobody, gid_of(kNobody),
                                 {"call", "org.aalayer.Manager1", layer_path(kNobody, "mail"),
                                  "org.aalayer.Layer1", "SubscribeDenials"});
    };
    ASSERT_TRUE(wait_for_text(follow_log, "following app/web (aalayerd reads none); Ctrl-C ends",
                              std::chrono::seconds(10)))
        << read_all(follow_log);
    const ProcessResult refused = subscribe_mail();
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    EXPECT_NE(refused.err.find("1 denial subscriptions, the most allowed"), std::string::npos) << refused.err;
    // ... until the follower leaves the bus: its subscription goes with it.
    follower.stop();
    ProcessResult again = subscribe_mail();
    while (again.exit_code != 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        again = subscribe_mail();
    }
    EXPECT_EQ(again.exit_code, 0) << again.err;
}

// A log growing faster than the service reads it (a writer with no pause):
// the service must still stop at SIGTERM, at once, not once it has caught up
// (before, it read on until the end of the file: SIGKILL after 5 s here).
TEST(DenialsBus, StopsAtOnceWhileItsLogGrowsFasterThanItReads) {
    TempDir logs;
    ::chmod(logs.path().c_str(), 0755);
    const std::string audit_log = logs.write("audit.log", "");
    Service s({"denial_source=audit-log", "audit_log=" + audit_log});
    ASSERT_EQ(s.apply(kNobody, "web", "owner @{HOME}/docs/** r,\n").exit_code, 0);
    std::atomic<bool> done{false};
    std::thread writer([&] {
        std::ofstream out(audit_log, std::ios::app);
        std::string batch;
        for (int i = 0; !done; ++i) {
            batch.clear();
            for (int j = 0; j < 1000; ++j)
                batch += record("/nonexistent/docs/" + std::to_string(i) + "/" + std::to_string(j), j) + "\n";
            out << batch << std::flush;
        }
    });
    const struct Join {
        std::atomic<bool>& done;
        std::thread& writer;
        ~Join() {
            done = true;
            writer.join();
        }
    } join{done, writer};
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const auto t = std::chrono::steady_clock::now();
    EXPECT_EQ(s.terminate(), 0);
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t);
    // terminate() sends SIGKILL after 5 s (and then answers -1).
    EXPECT_LT(took.count(), 4000);
    std::cout << "stopped in " << took.count() << " ms with " << fs::file_size(audit_log) / (1024 * 1024)
              << " MiB written\n";
}

}  // namespace
}  // namespace aalayer::test
