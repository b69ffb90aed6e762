// What a hostile local user tried against aalayerd (issue 12), each
// reproduction as it was reported: after every one the service is still
// there, what it answered is valid UTF-8, and nothing was lost.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "policy/common/utf8.h"
#include "tests/support/measure.h"
#include "tests/support/service_fixture.h"

namespace aalayer::test {
namespace {

namespace fs = std::filesystem;

// bus-call prints what it got; what it got crossed sd-bus, so it is UTF-8
// there. The point is that the service answered at all and is still up.
void expect_answered(const Service& s, const ProcessResult& r) {
    EXPECT_TRUE(r.exit_code == 0 || r.out.starts_with("error org.aalayer.Error.")) << r.out << r.err;
    EXPECT_TRUE(policy::valid_utf8(r.out)) << r.out;
    expect_alive(s);
}

TEST(Hostile, SplitCharactersInFindingsDoNotKillTheService) {
    Service s;
    // A byte class of the two bytes of "é": a witness may pick one of them.
    expect_answered(s, s.call(kNobody, {"check", "app", "x", s.text_file("/tmp/[\xc3\xa9] r,\n")}));
    // Text the scanner cannot read: its message quotes what it found.
    expect_answered(s, s.call(kNobody, {"check", "app", "x", s.text_file("\xc3\xa9 r,\n")}));
    expect_answered(s, s.apply(kNobody, "e", "\xc3\xa9 r,\n"));
    // Diff whose example path could end in half a character.
    ASSERT_EQ(s.apply(kNobody, "d", "owner @{HOME}/d/[\xc3\xa9] rw,\n").exit_code, 0) << s.log();
    ASSERT_EQ(s.apply(kNobody, "f", "owner @{HOME}/e/** rw,\n").exit_code, 0) << s.log();
    expect_answered(s, s.call(kNobody, {"diff", "app", "d", "f"}));
    // An authorized apply whose findings quote such a path is stored; the
    // service shows it, survives a restart with it, and takes it again.
    const std::string clipped = "/tmp/[\xc3\xa9]/** r,\nowner @{HOME}/** r,\n";
    expect_answered(s, s.apply(kNobody, "c", clipped));
    const std::string object = layer_path(kNobody, "c");
    expect_answered(s, s.call(kNobody, {"findings", object}));
    s.stop();
    s.start();
    expect_answered(s, s.call(kNobody, {"findings", object}));
    expect_answered(s, s.call(kNobody, {"source", object}));
    expect_answered(s, s.apply(kNobody, "c", clipped));
    EXPECT_EQ(s.log().find("Failed to serialize"), std::string::npos) << s.log();
}

TEST(Hostile, StateDirectoriesAreOnlyRootsWhoeverStartsTheService) {
    Service s;
    ASSERT_EQ(s.apply(kNobody, "w", "owner @{HOME}/** r,\n").exit_code, 0) << s.log();
    for (const std::string& dir :
         {s.state_dir(), s.state_dir() + "/layers", s.state_dir() + "/layers/" + std::to_string(kNobody)}) {
        struct stat st {};
        ASSERT_EQ(::stat(dir.c_str(), &st), 0) << dir;
        EXPECT_EQ(st.st_mode & 07777U, 0700U) << dir;
    }
}

TEST(Hostile, OversizedTextsAreRefusedBeforeAnythingIsQueued) {
    // One worker held by a slow parser and a queue of one: a 30 MB text is
    // refused for its size at once (never Busy, never queued), and the
    // service's memory stays small however many arrive.
    TempDir dir;
    const std::string slow = dir.write("slow-parser", "#!/bin/sh\nsleep 3\nexec apparmor_parser \"$@\"\n");
    fs::permissions(slow, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    Service s({"workers=1", "max_queued=1", "parser=" + slow});
    auto holding = std::async(std::launch::async, [&] { return s.apply(kNobody, "hold", ""); });
    const std::string huge = s.text_file(std::string(30U * 1024U * 1024U, '#'));
    std::vector<std::future<ProcessResult>> checks;
    for (int i = 0; i < 16; ++i)
        checks.push_back(std::async(std::launch::async, [&] {
            return s.call(kNobody, {"check", "app", "x", huge});
        }));
    // Each is refused for its size by the service, or (when too many arrive
    // at once) by the bus daemon, whose queue for the service is bounded.
    int refused_by_service = 0;
    for (auto& c : checks) {
        const auto r = c.get();
        const bool ours =
            r.out.find("error org.aalayer.Error.LimitExceeded: layer text is larger than 65536 bytes") !=
            std::string::npos;
        refused_by_service += ours ? 1 : 0;
        EXPECT_TRUE(ours || r.out.starts_with("error org.freedesktop.DBus.Error.LimitsExceeded: Rejected: "
                                              "destination has a full message queue"))
            << r.out;
    }
    EXPECT_GT(refused_by_service, 0);
    EXPECT_EQ(holding.get().exit_code, 0);
    // 16 messages of 30 MB went through it; sd-bus holds one at a time.
    const long peak = status_kib(s.pid(), "VmHWM:");
    EXPECT_GT(peak, 0);
    std::printf("aalayerd peak RSS after 16 texts of 30 MB: %ld KiB\n", peak);
#if !defined(__SANITIZE_ADDRESS__)
    // (AddressSanitizer keeps freed memory in quarantine: no bound there.)
    EXPECT_LT(peak, 256L * 1024L) << "peak RSS " << peak << " KiB";
#endif
    expect_alive(s);
}

TEST(Hostile, StoppingWithRequestsQueuedIsClean) {
    // SIGTERM while one apply runs (a slow parser) and others wait: the
    // service exits 0, and (in the sanitizer build) with no report about
    // tasks that outlived what they used.
    TempDir dir;
    const std::string slow = dir.write("slow-parser", "#!/bin/sh\nsleep 1\nexec apparmor_parser \"$@\"\n");
    fs::permissions(slow, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    Service s({"workers=2", "parser=" + slow});
    std::vector<std::future<ProcessResult>> applies;
    for (int i = 0; i < 8; ++i) {
        applies.push_back(std::async(std::launch::async, [&s, i] {
            return s.apply(kNobody, "q" + std::to_string(i), "owner @{HOME}/** r,\n");
        }));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(s.terminate(), 0);
    for (auto& a : applies)
        (void)a.get();
    // Whatever was acknowledged is there after a restart.
    s.start();
    expect_alive(s);
}

}  // namespace
}  // namespace aalayer::test
