// aalayerd for real: a private system bus, the real polkitd with the
// project's actions and a test rule (nobody and daemon may manage their own
// layers, bin may not), the service in compile-only mode with the real
// apparmor_parser, and callers as those uids (setpriv).
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>

#include "tests/support/service_fixture.h"

namespace aalayer::test {
namespace {

namespace fs = std::filesystem;

TEST(ServiceIntegration, TwoUsersApplyExplainListAndRemove) {
    Service s;
    auto a = s.apply(kNobody, "work", "owner @{HOME}/work/** rw,\n");
    ASSERT_EQ(a.exit_code, 0) << a.out << a.err << s.log();
    // Apply returns the notes too: the layer allows nothing of the rest of the home.
    EXPECT_EQ(a.out,
              "layer " + layer_path(kNobody, "work") +
                  "\nfinding work.layer:0:0: note: inside the grant this layer allows nothing on "
                  "/nonexistent/a (the base allows owner=rwak other=r there), nor on any other path of the "
                  "grant's 'owner @{HOME}/** rw,' (" +
                  (s.dir() + "/grants/app.conf") +
                  ":2:3) it neither allows nor denies: inside the grant a layer is an "
                  "allow-list\n");
    auto b = s.apply(kDaemon, "work", "owner @{HOME}/** r,\n/etc/shadow r,\n");
    ASSERT_EQ(b.exit_code, 0) << b.out << s.log();
    EXPECT_NE(
        b.out.find("finding work.layer:2:1: warning: allows /etc/shadow, outside the grant for app; clipped"),
        std::string::npos)
        << b.out;

    auto e = s.call(kNobody, {"explain", "app", "work", "/nonexistent/work/notes.txt"});
    ASSERT_EQ(e.exit_code, 0) << e.out;
    EXPECT_NE(e.out.find("perms owner=rwa other=\n"), std::string::npos) << e.out;
    auto e2 = s.call(kDaemon, {"explain", "app", "work", "/usr/sbin/x"});
    EXPECT_NE(e2.out.find("perms owner=r other=\n"), std::string::npos) << e2.out;

    auto g = s.call(kNobody, {"grants"});
    EXPECT_EQ(g.out, "grant app\nowner /nonexistent/** rw,\n") << g.out;

    auto objects = s.call(kNobody, {"objects"});
    EXPECT_NE(objects.out.find("object " + layer_path(kNobody, "work") + " state=compiled"),
              std::string::npos)
        << objects.out;
    EXPECT_NE(objects.out.find("object " + layer_path(kDaemon, "work") + " state=compiled"),
              std::string::npos)
        << objects.out;

    auto r = s.call(kNobody, {"remove", "app", "work"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    auto gone = s.call(kNobody, {"explain", "app", "work", "/nonexistent/work/x"});
    EXPECT_EQ(gone.exit_code, 1);
    EXPECT_NE(gone.out.find("error org.aalayer.Error.NoSuchLayer"), std::string::npos) << gone.out;
}

TEST(ServiceIntegration, PolkitSaysNoToBin) {
    Service s;
    auto r = s.apply(kBin, "work", "owner @{HOME}/** r,\n");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(
        r.out.find("error org.aalayer.Error.PermissionDenied: not authorized for org.aalayer.manage-own"),
        std::string::npos)
        << r.out;
    // Check changes nothing and needs no polkit.
    auto c = s.call(kBin, {"check", "app", "work", s.text_file("owner @{HOME}/** r,\n")});
    EXPECT_EQ(c.exit_code, 0) << c.out;
    // ApplyFor needs manage-any, which nobody lacks too.
    auto f = s.call(kNobody, {"applyfor", "1", "app", "w", s.text_file("")});
    EXPECT_NE(f.out.find("error org.aalayer.Error.PermissionDenied"), std::string::npos) << f.out;
}

// No caller learns another user's layer text, findings or policy, by any
// method or property.
TEST(ServiceIntegration, ALayerIsPrivateToItsOwner) {
    Service s;
    ASSERT_EQ(s.apply(kNobody, "secret", "owner @{HOME}/** r,\n/etc/secret-name r,\n").exit_code, 0)
        << s.log();
    const std::string path = layer_path(kNobody, "secret");
    // The owner sees everything.
    EXPECT_NE(s.call(kNobody, {"source", path}).out.find("/etc/secret-name"), std::string::npos);
    EXPECT_NE(s.call(kNobody, {"findings", path}).out.find("/etc/secret-name"), std::string::npos);
    // Another user: GetSource, GetFindings, Explain, Remove refused; no
    // property carries text or findings; Manager1.Explain only names their own.
    auto src = s.call(kDaemon, {"source", path});
    EXPECT_EQ(src.exit_code, 1);
    EXPECT_NE(src.out.find("NoSuchLayer"), std::string::npos) << src.out;
    EXPECT_EQ(src.out.find("secret-name"), std::string::npos);
    auto findings = s.call(kDaemon, {"findings", path});
    EXPECT_EQ(findings.exit_code, 1);
    EXPECT_NE(findings.out.find("NoSuchLayer"), std::string::npos) << findings.out;
    EXPECT_EQ(findings.out.find("secret-name"), std::string::npos);
    auto objects = s.call(kDaemon, {"objects"});
    EXPECT_NE(objects.out.find("object " + path +
                               " state=compiled Base KernelName Mode Name Origin Owner State UpdatedAt\n"),
              std::string::npos)
        << objects.out;
    EXPECT_EQ(objects.out.find("secret-name"), std::string::npos);
    auto explain = s.call(kDaemon, {"explain", "app", "secret", "/nonexistent/x"});
    EXPECT_NE(explain.out.find("NoSuchLayer"), std::string::npos) << explain.out;
    auto rm = s.call(kDaemon, {"layer-remove", path});
    EXPECT_NE(rm.out.find("PermissionDenied"), std::string::npos) << rm.out;
    EXPECT_EQ(s.call(kNobody, {"state", path}).out, "state compiled\n");
}

TEST(ServiceIntegration, GrantChangeRecomputesTheLayer) {
    Service s;
    ASSERT_EQ(s.apply(kNobody, "w", "owner @{HOME}/** rw,\n").exit_code, 0) << s.log();
    // A settings panel's view: the PropertiesChanged signals on the bus.
    TempDir monitor_dir;
    BackgroundProcess::Options monitor_options;
    monitor_options.log_path = monitor_dir.path() + "/monitor.log";
    BackgroundProcess monitor({"dbus-monitor", "--address", s.bus().address(),
                               "type='signal',interface='org.freedesktop.DBus.Properties'"},
                              monitor_options);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let it subscribe
    EXPECT_NE(s.call(kNobody, {"explain", "app", "w", "/nonexistent/a"}).out.find("owner=rw"),
              std::string::npos);
    s.set_grant("grant app {\n  owner @{HOME}/** r,\n}\n");
    // The watcher recomputes within a second or so; poll for up to 10 s.
    std::string out;
    for (int i = 0; i < 100; ++i) {
        out = s.call(kNobody, {"explain", "app", "w", "/nonexistent/a"}).out;
        if (out.find("perms owner=r other=") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_NE(out.find("perms owner=r other=\n"), std::string::npos) << out << s.log();
    EXPECT_NE(s.call(kNobody, {"findings", layer_path(kNobody, "w")}).out.find("beyond the grant"),
              std::string::npos);
    monitor.stop();
    std::ifstream in(monitor_dir.path() + "/monitor.log");
    std::stringstream signals;
    signals << in.rdbuf();
    EXPECT_NE(signals.str().find("path=" + layer_path(kNobody, "w") +
                                 "; interface=org.freedesktop.DBus.Properties; "
                                 "member=PropertiesChanged"),
              std::string::npos)
        << signals.str();
    EXPECT_NE(signals.str().find("\"State\""), std::string::npos) << signals.str();
}

// The bus going away ends the service with an error (systemd restarts it
// with the bus), once: not a loop that spins and logs as fast as it can.
TEST(ServiceIntegration, LosingTheBusEndsTheServiceWithAnError) {
    Service s;
    ASSERT_EQ(::kill(s.bus().pid(), SIGKILL), 0);
    for (int i = 0; i < 100 && s.running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(s.running()) << s.log();
    EXPECT_EQ(s.terminate(), 1) << s.log();
    const std::string log = s.log();
    const auto first = log.find("lost the connection to the bus");
    ASSERT_NE(first, std::string::npos) << log;
    EXPECT_EQ(log.find("lost the connection to the bus", first + 1), std::string::npos) << log;
}

TEST(ServiceIntegration, OneServicePerStateDirectory) {
    Service s;
    TempDir dir;
    // Same state dir, a second instance: refused at once, the first unharmed.
    const auto second = run_process({env_or("AALAYER_DAEMON", "aalayerd"), "--config", "/dev/null", "--set",
                                     "backend=compile-only", "--set", "state_dir=" + s.state_dir()},
                                    std::chrono::seconds(30));
    EXPECT_EQ(second.exit_code, 1);
    EXPECT_NE(second.err.find("another aalayerd is running on " + s.state_dir()), std::string::npos)
        << second.err;
    EXPECT_EQ(s.call(kNobody, {"ping"}).exit_code, 0);
    // A bad setting names itself and stops the service before it starts.
    const std::string conf = dir.write("bad.conf", "state_dir = /tmp/x\nmax_layers_per_user = many\n");
    const auto bad =
        run_process({env_or("AALAYER_DAEMON", "aalayerd"), "--config", conf}, std::chrono::seconds(30));
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find(conf + ":2: max_layers_per_user must be a whole number"), std::string::npos)
        << bad.err;
}

TEST(ServiceIntegration, RestartRestoresEveryLayer) {
    Service s;
    ASSERT_EQ(s.apply(kNobody, "a", "owner @{HOME}/a/** rw,\n").exit_code, 0);
    ASSERT_EQ(s.apply(kDaemon, "b", "owner @{HOME}/b/** r,\n").exit_code, 0);
    s.stop();
    s.start();
    EXPECT_EQ(s.call(kNobody, {"source", layer_path(kNobody, "a")}).out, "owner @{HOME}/a/** rw,\n");
    EXPECT_NE(s.call(kDaemon, {"explain", "app", "b", "/usr/sbin/b/x"}).out.find("perms owner=r other="),
              std::string::npos);
    // Nothing they were computed from changed: both came from their start
    // records, composing nothing; their children compiled in one run.
    EXPECT_NE(s.log().find("2 layers (2 from their start records; 2 children compiled in 1 parser run)"),
              std::string::npos)
        << s.log();
}

// The start records are a cache: a torn or foreign file is reported and
// every layer is composed as if there were none.
TEST(ServiceIntegration, AnUnusableStartRecordFileComposesEveryLayer) {
    Service s;
    ASSERT_EQ(s.apply(kNobody, "a", "owner @{HOME}/a/** rw,\n").exit_code, 0);
    s.stop();
    std::ofstream(s.state_dir() + "/start-records", std::ios::trunc) << "aalayer-start-records 1\nbuild x\n";
    s.start();
    EXPECT_NE(s.log().find("were not used ("), std::string::npos) << s.log();
    EXPECT_NE(s.log().find("1 layer (0 from their start records; 1 child compiled in 1 parser run)"),
              std::string::npos)
        << s.log();
    EXPECT_EQ(s.call(kNobody, {"source", layer_path(kNobody, "a")}).out, "owner @{HOME}/a/** rw,\n");
    // That start wrote them again: the next takes the layer from its record.
    s.stop();
    s.start();
    EXPECT_NE(s.log().find("1 layer (1 from their start records; "), std::string::npos) << s.log();
}

// SIGKILL in the middle of a stream of applies: every acknowledged layer is
// there after a restart, with the text that was acknowledged, and no file is
// half-written.
TEST(ServiceIntegration, KillDuringAppliesLosesNoAcknowledgedLayer) {
    Service s;
    std::mt19937 rng(5);
    std::map<std::string, std::string> acknowledged;  // name -> text
    for (int round = 0; round < 3; ++round) {
        std::atomic<bool> stop{false};
        std::vector<std::future<std::vector<std::pair<std::string, std::string>>>> writers;
        for (int w = 0; w < 2; ++w) {
            writers.push_back(std::async(std::launch::async, [&, w] {
                std::vector<std::pair<std::string, std::string>> done;
                for (int i = 0; !stop && i < 40; ++i) {
                    const std::string name = "l" + std::to_string(w) + "x" + std::to_string(i % 6);
                    const std::string text =
                        "owner @{HOME}/r" + std::to_string(round) + "i" + std::to_string(i) + "/** r,\n";
                    if (s.apply(kNobody, name, text).exit_code == 0) done.emplace_back(name, text);
                }
                return done;
            }));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 700));
        s.kill_hard();
        stop = true;
        for (auto& f : writers)
            for (auto& [name, text] : f.get())
                acknowledged[name] = text;  // later acknowledgements replace earlier ones
        s.start();
        for (const auto& [name, text] : acknowledged) {
            auto src = s.call(kNobody, {"source", layer_path(kNobody, name)});
            // The last acknowledged text, or a newer one whose reply the kill cut off.
            ASSERT_EQ(src.exit_code, 0) << name << ": " << src.out << s.log();
            EXPECT_TRUE(src.out == text || src.out.starts_with("owner @{HOME}/r" + std::to_string(round)))
                << name << ": " << src.out << " vs " << text;
            acknowledged[name] = src.out;
        }
    }
    EXPECT_FALSE(acknowledged.empty());
    EXPECT_EQ(s.log().find("cannot use this layer file"), std::string::npos) << s.log();
}

TEST(ServiceIntegration, FiftyConcurrentCallersWhilePingStaysAnswered) {
    // One uid's 100 requests at once: its own queue made large enough here
    // (the per-user share has tests of its own: worker_pool_test, hostile_test).
    Service s({"rate_limit_per_minute=1000", "max_layers_per_user=100", "max_queued_per_user=64"});
    std::atomic<bool> done{false};
    auto pinger = std::async(std::launch::async, [&] {
        long worst = 0;
        int pings = 0;
        while (!done) {
            auto p = s.call(kDaemon, {"ping"});
            if (p.exit_code != 0) return -1L;
            worst = std::max(worst, std::stol(p.out.substr(5)));
            ++pings;
        }
        return pings > 0 ? worst : -1L;
    });
    std::vector<std::future<std::pair<int, std::string>>> callers;
    for (int i = 0; i < 50; ++i) {
        callers.push_back(std::async(std::launch::async, [&, i] {
            const std::string name = "c" + std::to_string(i);
            const auto a = s.apply(kNobody, name, "owner @{HOME}/c" + std::to_string(i) + "/** rw,\n");
            const auto c = s.call(kNobody, {"check", "app", name, s.text_file("owner @{HOME}/** r,\n")});
            std::string errors;
            for (const auto* r : {&a, &c}) {
                if (r->exit_code != 0) errors += r->out + r->err;
            }
            return std::make_pair((a.exit_code == 0 ? 1 : 0) + (c.exit_code == 0 ? 1 : 0), errors);
        }));
    }
    int ok = 0;
    for (auto& c : callers) {
        auto [n, errors] = c.get();
        ok += n;
        EXPECT_EQ(errors, "");
    }
    done = true;
    const long worst_us = pinger.get();
    EXPECT_EQ(ok, 100);
    ASSERT_GE(worst_us, 0) << "a ping failed";
    // A liveness bound, not a performance claim: pings never wait for compiles.
    EXPECT_LT(worst_us, 2'000'000);
}

TEST(ServiceIntegration, LimitsAnswerWithTheirNamedErrorWhileOthersAreServed) {
    Service s({"rate_limit_per_minute=3", "max_layers_per_user=1", "max_text_bytes=100"});
    EXPECT_EQ(s.apply(kNobody, "a", "").exit_code, 0);
    auto quota = s.apply(kNobody, "b", "");
    EXPECT_NE(quota.out.find("error org.aalayer.Error.LimitExceeded: uid 65534 already has 1 layers"),
              std::string::npos)
        << quota.out;
    auto size = s.apply(kDaemon, "a", std::string(200, '#'));
    EXPECT_NE(size.out.find("error org.aalayer.Error.LimitExceeded: layer text is larger than 100 bytes"),
              std::string::npos)
        << size.out;
    EXPECT_EQ(s.apply(kNobody, "a", "").exit_code, 0);  // the third request in this minute
    auto rate = s.apply(kNobody, "a", "");
    EXPECT_NE(rate.out.find("error org.aalayer.Error.LimitExceeded: more than 3 requests in a minute"),
              std::string::npos)
        << rate.out;
    EXPECT_EQ(s.apply(kDaemon, "a", "").exit_code, 0);  // another user is still served
}

TEST(ServiceIntegration, CallerWithDifferentRealAndEffectiveUidIsKnownByTheBusUid) {
    Service s;
    // euid nobody, real uid daemon: the bus authenticated the euid.
    const std::string text = s.text_file("owner @{HOME}/** r,\n");
    auto r = run_process(
        {"setpriv", "--euid=65534", "--ruid=1", "--egid=65534", "--rgid=1", "--clear-groups", "--",
         env_or("AALAYER_BUS_CALL", "bus-call"), s.bus().address(), "apply", "app", "mixed", text},
        std::chrono::seconds(60));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << s.log();
    EXPECT_EQ(r.out, "layer " + layer_path(kNobody, "mixed") + "\n");
}

TEST(ServiceIntegration, WrongArgumentTypesAndUnknownOptionsAreClearErrors) {
    Service s;
    auto raw = s.call(kNobody, {"call-raw", "Apply"});
    EXPECT_EQ(raw.exit_code, 1);
    EXPECT_NE(raw.out.find("error org.freedesktop.DBus.Error.InvalidArgs"), std::string::npos) << raw.out;
    auto bogus = s.call(kNobody, {"apply", "app", "w", s.text_file(""), "bogus"});
    EXPECT_NE(bogus.out.find("error org.aalayer.Error.InvalidArgument: unknown option 'bogus'"),
              std::string::npos)
        << bogus.out;
    auto wrong = s.call(kNobody, {"apply", "app", "w", s.text_file(""), "wrongtype"});
    EXPECT_NE(wrong.out.find("option 'strict' must be a boolean"), std::string::npos) << wrong.out;
    auto bad = s.apply(kNobody, "w", "/usr/bin/x px,\n");
    EXPECT_NE(bad.out.find("error org.aalayer.Error.InvalidLayer: w.layer:1:1: error: exec transition 'px'"),
              std::string::npos)
        << bad.out;
    // Still serving.
    EXPECT_EQ(s.call(kNobody, {"ping"}).exit_code, 0);
}

// The panel API (docs/dbus-api.md, "For settings panels"), as another user calls it.
TEST(ServiceIntegration, RefusedApplyAnswersItsFindingsAsValues) {
    Service s;
    auto refused = s.call(
        kNobody, {"apply", "app", "w", s.text_file("owner @{HOME}/** r,\n/usr/bin/x px,\n"), "asreply"});
    // A reply, not an error: layer "/" and the error finding with its line and column.
    EXPECT_EQ(refused.exit_code, 0) << refused.out;
    EXPECT_NE(refused.out.find("layer /\n"), std::string::npos) << refused.out;
    EXPECT_NE(refused.out.find("finding w.layer:2:1: error: exec transition 'px'"), std::string::npos)
        << refused.out;
    // Nothing was applied.
    EXPECT_EQ(s.call(kNobody, {"objects"}).out.find("/org/aalayer/layers/"), std::string::npos);
    // Applied with the option, it answers as ever.
    auto applied = s.call(kNobody, {"apply", "app", "w", s.text_file("owner @{HOME}/** r,\n"), "asreply"});
    EXPECT_EQ(applied.exit_code, 0) << applied.out;
    EXPECT_NE(applied.out.find("layer " + layer_path(kNobody, "w")), std::string::npos) << applied.out;
    // Without it, old clients get the InvalidLayer error they know.
    auto old = s.apply(kNobody, "w", "/usr/bin/x px,\n");
    EXPECT_NE(old.out.find("error org.aalayer.Error.InvalidLayer: w.layer:1:1: error:"), std::string::npos)
        << old.out;
}

TEST(ServiceIntegration, ExplainAccessBasesAndGrantRules) {
    Service s;
    ASSERT_EQ(s.apply(kNobody, "w", "owner @{HOME}/** rw,\n").exit_code, 0) << s.log();
    auto e = s.call(kNobody, {"explain-access", "app", "w", "/nonexistent/a"});
    EXPECT_EQ(e.exit_code, 0) << e.out;
    EXPECT_NE(e.out.find("owner rwa\nother \n"), std::string::npos) << e.out;
    EXPECT_NE(e.out.find("reason layer w.layer:1:1: owner @{HOME}/** rw,"), std::string::npos) << e.out;
    // Another class than files: said plainly.
    auto signal = s.call(kNobody, {"explain-access", "app", "w", "signal"});
    EXPECT_NE(signal.out.find("error org.aalayer.Error.InvalidArgument: explain answers for file paths only "
                              "(an absolute path); it cannot explain 'signal' access"),
              std::string::npos)
        << signal.out;
    auto bases = s.call(kNobody, {"bases"});
    EXPECT_NE(bases.out.find("base app attachment=/usr/bin/app granted=1 layers=1\n"), std::string::npos)
        << bases.out;
    EXPECT_NE(s.call(kDaemon, {"bases"}).out.find("base app attachment=/usr/bin/app granted=1 layers=0\n"),
              std::string::npos);
    s.set_grant("grant app {\n  owner @{HOME}/** rw,\n  exclude @{HOME}/.ssh/**,\n}\n");
    // The service watches the grants: the new rule shows once it re-read them.
    std::string out;
    for (int i = 0; i < 100; ++i) {
        out = s.call(kNobody, {"grant-rules"}).out;
        if (out.find("exclude") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_NE(out.find("rule app allow /nonexistent/** owner=owner perms=rw at " + s.dir() +
                       "/grants/app.conf:2:3\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("rule app exclude /nonexistent/.ssh/** owner= perms= at " + s.dir() +
                       "/grants/app.conf:3:3\n"),
              std::string::npos)
        << out;
}

}  // namespace
}  // namespace aalayer::test
