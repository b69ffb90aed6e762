// aalayer-policy as a user runs it: exit codes, message format, -I, emit.
#include <algorithm>

#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace aalayer::test {
namespace {

std::string tool() {
    return env_or("AALAYER_POLICY_TOOL", "aalayer-policy");
}

ProcessResult run(std::vector<std::string> args) {
    args.insert(args.begin(), tool());
    return run_process(args, std::chrono::seconds(30));
}

constexpr const char* kGood =
    "# a small profile\n"
    "#include <tunables/global>\n"
    "/usr/bin/demo flags=(complain) {\n"
    "  #include <abstractions/base>\n"
    "  owner @{HOME}/.demo/** rwk,\n"
    "  r /etc/demo.conf,\n"
    "  deny network inet6,\n"
    "  signal (send receive) peer=demo,\n"
    "}\n";

TEST(PolicyToolTest, ParseSucceedsQuietlyOnValidPolicy) {
    const TempDir dir;
    const auto r = run({"parse", dir.write("good", kGood)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "");
}

TEST(PolicyToolTest, ParseReportsLocatedErrorsAndExitsOne) {
    const TempDir dir;
    const std::string good = dir.write("good", kGood);
    const std::string bad = dir.write("bad", "profile demo {\n  /etc/x rwz,\n}\n");
    const auto r = run({"parse", good, bad});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    // One line, FILE:LINE:COL: error: MESSAGE, pointing at the permissions.
    const std::string prefix = bad + ":2:10: error: ";
    ASSERT_TRUE(r.err.starts_with(prefix)) << r.err;
    ASSERT_TRUE(r.err.ends_with("\n")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("'z'", prefix.size()), std::string::npos) << r.err;
}

TEST(PolicyToolTest, ReportsEveryBadFile) {
    const TempDir dir;
    const std::string a = dir.write("a", "profile a {\n");
    const std::string b = dir.write("b", "profile b { @{NOPE} r, }\n");
    const auto r = run({"parse", a, b});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(a + ":1:11: error: missing '}'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(b + ":1:13: error: variable @{NOPE} is not defined"), std::string::npos) << r.err;
}

TEST(PolicyToolTest, IncludeDirectoriesAreSearchedFirst) {
    const TempDir dir;
    dir.write("inc/site/paths", "@{SITE}=/srv/site\n");
    const std::string profile = dir.write("p", "include <site/paths>\nprofile p { @{SITE}/** r, }\n");
    const auto without = run({"parse", profile});
    EXPECT_EQ(without.exit_code, 1);
    EXPECT_NE(without.err.find("cannot find include 'site/paths'"), std::string::npos) << without.err;
    const auto with = run({"parse", "-I", dir.path() + "/inc", profile});
    EXPECT_EQ(with.exit_code, 0) << with.err;
    const auto joined = run({"parse", "-I" + dir.path() + "/inc", profile});
    EXPECT_EQ(joined.exit_code, 0) << joined.err;
}

TEST(PolicyToolTest, EmitPrintsCanonicalText) {
    const TempDir dir;
    const auto r = run({"emit", dir.write("good", kGood)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out,
              "include <tunables/global>\n"
              "\n"
              "profile /usr/bin/demo flags=(complain) {\n"
              "  include <abstractions/base>\n"
              "  owner @{HOME}/.demo/** rwk,\n"
              "  /etc/demo.conf r,\n"
              "  deny network inet6,\n"
              "  signal (send, receive) peer=demo,\n"
              "}\n");
}

TEST(PolicyToolTest, EmitOfUnknownRuleKeepsItAndSaysSo) {
    const TempDir dir;
    const std::string path = dir.write("p", "profile p {\n  frobnicate widgets=3,\n}\n");
    const auto r = run({"emit", path});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "profile p {\n  frobnicate widgets=3,\n}\n");
    EXPECT_EQ(r.err, path + ":2:3: note: rule class 'frobnicate' is not understood; kept verbatim\n");
}

TEST(PolicyToolTest, UsageErrorsExitTwo) {
    EXPECT_EQ(run({}).exit_code, 2);
    EXPECT_EQ(run({"frobnicate", "x"}).exit_code, 2);
    EXPECT_EQ(run({"parse"}).exit_code, 2);
    EXPECT_EQ(run({"parse", "--bogus", "x"}).exit_code, 2);
    EXPECT_EQ(run({"emit", "a", "b"}).exit_code, 2);
    EXPECT_EQ(run({"parse", "-I"}).exit_code, 2);
    const auto help = run({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("usage: aalayer-policy"), std::string::npos);
}

TEST(PolicyToolTest, MissingFileIsAnErrorNotACrash) {
    const auto r = run({"parse", "/nonexistent/profile"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("/nonexistent/profile: error: cannot open"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace aalayer::test
