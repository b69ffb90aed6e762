// Hostile callers and broken surroundings (issue 7): huge arguments, many
// options, unknown objects, callers that vanish mid-call, a flood of
// connections, a full queue, polkitd gone, apparmor_parser missing or
// hanging, the base deleted, a full state disk. After each: a clear named
// error, and the service still answers.
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>

#include "tests/support/service_fixture.h"

namespace aalayer::test {
namespace {

namespace fs = std::filesystem;

TEST(Abuse, HugeTextAndManyOptionsAreNamedErrors) {
    Service s;
    auto huge = s.apply(kNobody, "w", std::string(10 * 1024 * 1024, 'x'));
    EXPECT_NE(huge.out.find("error org.aalayer.Error.LimitExceeded: layer text is larger than 65536 bytes"),
              std::string::npos)
        << huge.out;
    auto many = s.call(kNobody, {"apply", "app", "w", s.text_file(""), "manyoptions"});
    EXPECT_NE(many.out.find("error org.aalayer.Error.InvalidArgument: unknown option"), std::string::npos)
        << many.out;
    auto unknown = s.call(kNobody, {"source", "/org/aalayer/layers/65534/app/none"});
    EXPECT_NE(unknown.out.find("error org.freedesktop.DBus.Error.UnknownObject"), std::string::npos)
        << unknown.out;
    expect_alive(s);
}

TEST(Abuse, CallersThatVanishMidCallAndAFloodOfConnections) {
    Service s;
    const std::string text = s.text_file("owner @{HOME}/** r,\n");
    for (int i = 0; i < 20; ++i) {
        BackgroundProcess caller(as_user(kNobody, kNobody,
                                         {env_or("AALAYER_BUS_CALL", "bus-call"), s.bus().address(), "apply",
                                          "app", "v" + std::to_string(i % 4), text}));
        std::this_thread::sleep_for(std::chrono::milliseconds(i % 5));
        ::kill(caller.pid(), SIGKILL);
    }
    std::vector<std::future<int>> pings;
    for (int i = 0; i < 100; ++i)
        pings.push_back(std::async(std::launch::async, [&] { return s.call(kNobody, {"ping"}).exit_code; }));
    int ok = 0;
    for (auto& p : pings)
        ok += p.get() == 0 ? 1 : 0;
    EXPECT_EQ(ok, 100);
    expect_alive(s);
}

TEST(Abuse, AFullQueueAnswersBusy) {
    // One worker, one waiting slot, and a slow parser: the rest of a burst is Busy at once.
    TempDir dir;
    const std::string slow = dir.write("slow-parser", "#!/bin/sh\nsleep 1\nexec apparmor_parser \"$@\"\n");
    fs::permissions(slow, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    Service s({"workers=1", "max_queued=1", "rate_limit_per_minute=1000", "parser=" + slow});
    std::vector<std::future<ProcessResult>> burst;
    for (int i = 0; i < 8; ++i)
        burst.push_back(
            std::async(std::launch::async, [&, i] { return s.apply(kNobody, "b" + std::to_string(i), ""); }));
    int busy = 0;
    int ok = 0;
    for (auto& b : burst) {
        const auto r = b.get();
        if (r.exit_code == 0) ++ok;
        if (r.out.find("error org.aalayer.Error.Busy: the service is busy") != std::string::npos) ++busy;
    }
    EXPECT_GE(ok, 1);
    EXPECT_GE(busy, 1);
    EXPECT_EQ(ok + busy, 8);
    expect_alive(s);
}

TEST(Abuse, PolkitGoneMeansNo) {
    Service s;
    s.kill_polkit();
    auto r = s.apply(kNobody, "w", "");
    EXPECT_NE(
        r.out.find("error org.aalayer.Error.PermissionDenied: not authorized for org.aalayer.manage-own: "
                   "polkit could not be asked"),
        std::string::npos)
        << r.out;
    EXPECT_EQ(s.call(kNobody, {"check", "app", "w", s.text_file("")}).exit_code, 0);  // Check needs no polkit
    expect_alive(s);
}

TEST(Abuse, ParserMissingOrHangingIsKernelRefusedAndPingsGoOn) {
    Service missing({"parser=/nonexistent/apparmor_parser"});
    auto m = missing.apply(kNobody, "w", "");
    EXPECT_NE(m.out.find("error org.aalayer.Error.KernelRefused"), std::string::npos) << m.out;
    EXPECT_NE(m.out.find("could not be run"), std::string::npos) << m.out;
    expect_alive(missing);

    TempDir dir;
    const std::string hang = dir.write("hang", "#!/bin/sh\nsleep 60\n");
    fs::permissions(hang, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    Service hanging({"parser=" + hang, "parser_timeout_seconds=2"});
    auto pending = std::async(std::launch::async, [&] { return hanging.apply(kNobody, "w", ""); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    expect_alive(hanging);  // while the parser hangs
    const auto h = pending.get();
    EXPECT_NE(h.out.find("error org.aalayer.Error.KernelRefused"), std::string::npos) << h.out;
    EXPECT_NE(h.out.find("did not finish in time"), std::string::npos) << h.out;
}

TEST(Abuse, BaseDeletedMarksTheLayerStale) {
    Service s;
    ASSERT_EQ(s.apply(kNobody, "w", "owner @{HOME}/** r,\n").exit_code, 0);
    fs::remove(s.dir() + "/profiles/app");
    std::string state;
    for (int i = 0; i < 100 && state != "state stale\n"; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        state = s.call(kNobody, {"state", layer_path(kNobody, "w")}).out;
    }
    EXPECT_EQ(state, "state stale\n") << s.log();
    EXPECT_NE(s.call(kNobody, {"findings", layer_path(kNobody, "w")}).out.find("no base profile named 'app'"),
              std::string::npos);
    expect_alive(s);
}

TEST(Abuse, AFullStateDiskLosesNothingAcknowledged) {
    TempDir state;
    if (::mount("tmpfs", state.path().c_str(), "tmpfs", 0, "size=64k") != 0)
        GTEST_SKIP() << "cannot mount tmpfs";
    struct Unmount {
        std::string path;
        ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
    } unmount{state.path()};
    Service s({"state_dir=" + state.path(), "rate_limit_per_minute=1000", "max_layers_per_user=1000"});
    std::map<std::string, std::string> acknowledged;
    bool full = false;
    for (int i = 0; i < 200 && !full; ++i) {
        const std::string name = "f" + std::to_string(i);
        const std::string text = "# " + std::string(3000, 'x') + "\nowner @{HOME}/" + name + "/** r,\n";
        const auto r = s.apply(kNobody, name, text);
        if (r.exit_code == 0) {
            acknowledged[name] = text;
        } else {
            EXPECT_NE(r.out.find("error org.aalayer.Error.LimitExceeded"), std::string::npos) << r.out;
            EXPECT_NE(r.out.find("No space left"), std::string::npos) << r.out;
            full = true;
        }
    }
    ASSERT_TRUE(full) << "the 64k tmpfs never filled";
    ASSERT_FALSE(acknowledged.empty());
    expect_alive(s);
    s.stop();
    s.start();
    for (const auto& [name, text] : acknowledged)
        EXPECT_EQ(s.call(kNobody, {"source", layer_path(kNobody, name)}).out, text) << name;
    EXPECT_EQ(s.log().find("cannot use this layer file"), std::string::npos) << s.log();
}

}  // namespace
}  // namespace aalayer::test
