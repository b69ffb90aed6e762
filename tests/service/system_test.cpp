// The service's real adapters that need no bus: the home the kernel sees,
// and the configuration file: its syntax, its keys, and the errors that
// name the line.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "service/system/config.h"
#include "service/system/system_ports.h"
#include "tests/support/process.h"

namespace aalayer::service {
namespace {

namespace fs = std::filesystem;

TEST(ResolvedHome, ALinkedHomeIsKnownByItsTarget) {
    test::TempDir dir;
    fs::create_directories(dir.path() + "/srv/real/dave");
    fs::create_directories(dir.path() + "/home");
    fs::create_directory_symlink(dir.path() + "/srv/real/dave", dir.path() + "/home/dave");
    const std::string real = fs::canonical(dir.path() + "/srv/real/dave").string();
    EXPECT_EQ(resolved_home(dir.path() + "/home/dave"), real);
    EXPECT_EQ(resolved_home(dir.path() + "/home/dave/"), real);
    // A home under a linked directory, too.
    fs::create_directory_symlink(dir.path() + "/srv/real", dir.path() + "/people");
    EXPECT_EQ(resolved_home(dir.path() + "/people/dave"), real);
    // Where it is what it says, or does not exist: nothing more to know.
    EXPECT_EQ(resolved_home(real), "");
    EXPECT_EQ(resolved_home(real + "/"), "");
    EXPECT_EQ(resolved_home(dir.path() + "/nonexistent"), "");
}

TEST(Config, TheAdmissionSettingsAreReadAndChecked) {
    DaemonConfig c;
    EXPECT_FALSE(set_config(c, "max_queued_per_user", "4"));
    EXPECT_EQ(c.max_queued_per_user, 4U);
    EXPECT_FALSE(set_config(c, "user_cpu_burst_ms", "2500"));
    EXPECT_EQ(c.user_cpu_burst_ms, 2500U);
    EXPECT_FALSE(set_config(c, "user_cpu_percent", "25"));
    EXPECT_EQ(c.user_cpu_percent, 25U);
    EXPECT_FALSE(set_config(c, "max_compose_work", "2000000"));
    EXPECT_EQ(c.limits.layer.max_compose_work, 2'000'000U);
    EXPECT_TRUE(set_config(c, "max_compose_work", "10"));
    EXPECT_TRUE(set_config(c, "user_cpu_percent", "0"));
    EXPECT_TRUE(set_config(c, "max_queued_per_user", "many"));
    EXPECT_TRUE(set_config(c, "no_such_setting", "1"));
}

TEST(Config, KeepDenialsIsOffByDefaultAndTakesYesOrNo) {
    DaemonConfig c;
    EXPECT_FALSE(c.keep_denials);
    EXPECT_FALSE(set_config(c, "keep_denials", "yes"));
    EXPECT_TRUE(c.keep_denials);
    EXPECT_FALSE(set_config(c, "keep_denials", "no"));
    EXPECT_FALSE(c.keep_denials);
    const auto e = set_config(c, "keep_denials", "1");
    ASSERT_TRUE(e);
    EXPECT_EQ(*e, "keep_denials must be yes or no");
}

TEST(Config, TheShippedFileIsTheDefaults) {
    // Every key of the installed aalayerd.conf (service/data/aalayerd.conf.in
    // with this build's paths) reads, and gives the built-in default.
    const char* path = std::getenv("AALAYER_SHIPPED_CONFIG");
    ASSERT_NE(path, nullptr);
    DaemonConfig shipped;
    const auto e = read_config(path, shipped);
    ASSERT_FALSE(e) << *e;
    // Every field: a default changed in code and not in the file (or the
    // other way round) fails here.
    EXPECT_TRUE(shipped == DaemonConfig{});
}

TEST(Config, EveryKeyOfTheShippedFileChangesItsSetting) {
    // Each key the shipped file sets is one set_config knows and applies
    // (none is accepted and then ignored).
    const char* path = std::getenv("AALAYER_SHIPPED_CONFIG");
    ASSERT_NE(path, nullptr);
    std::ifstream in(path);
    ASSERT_TRUE(in);
    std::string line;
    std::size_t keys = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto eq = line.find('=');
        ASSERT_NE(eq, std::string::npos) << line;
        std::string key = line.substr(0, eq);
        key.erase(key.find_last_not_of(' ') + 1);
        DaemonConfig c;
        // A number every numeric key takes is also a path; backend and denial_source take neither.
        auto e = set_config(c, key, "2000");
        if (e) e = set_config(c, key, "compile-only");
        if (e) e = set_config(c, key, "kmsg");
        EXPECT_FALSE(e) << key << ": " << *e;
        EXPECT_FALSE(c == DaemonConfig{}) << key << " changed nothing";
        ++keys;
    }
    EXPECT_GE(keys, 18U);
}

TEST(Config, CommentsBlankLinesAndSpacesAroundTheEqualsSignAreSkipped) {
    test::TempDir dir;
    const std::string path = dir.write("aalayerd.conf",
                                       "# a comment\n"
                                       "\n"
                                       "   \n"
                                       "\t# an indented comment\n"
                                       "workers=8\n"
                                       "  max_queued   =\t100  \n"
                                       "max_queued_per_user = 5 # an inline comment\n"
                                       "features =\n");
    DaemonConfig c;
    c.features = "/somewhere";
    const auto e = read_config(path, c);
    ASSERT_FALSE(e) << *e;
    EXPECT_EQ(c.workers, 8U);
    EXPECT_EQ(c.max_queued, 100U);
    EXPECT_EQ(c.max_queued_per_user, 5U);
    EXPECT_EQ(c.features, "");  // an empty value is a value
}

TEST(Config, ALaterLineOverridesAnEarlierOne) {
    test::TempDir dir;
    DaemonConfig c;
    ASSERT_FALSE(read_config(dir.write("c.conf", "workers = 2\nmax_concurrent_compiles = 6\n"), c));
    EXPECT_EQ(c.workers, 6U);  // two names, one setting
}

TEST(Config, AFileWithWindowsLineEndingsReadsLikeOneWithout) {
    test::TempDir dir;
    const std::string path = dir.write("aalayerd.conf",
                                       "# comment\r\n"
                                       "\r\n"
                                       "  \r\n"
                                       "workers = 3\r\n"
                                       "parser = /opt/apparmor_parser\r\n");
    DaemonConfig c;
    const auto e = read_config(path, c);
    ASSERT_FALSE(e) << *e;
    EXPECT_EQ(c.workers, 3U);
    EXPECT_EQ(c.parser, "/opt/apparmor_parser");
}

TEST(Config, ErrorsNameTheFileAndTheLine) {
    test::TempDir dir;
    auto error = [&](const std::string& contents) {
        const std::string path = dir.write("aalayerd.conf", contents);
        DaemonConfig c;
        const auto e = read_config(path, c);
        return e ? e->substr(0, path.size() + 1) == path + ":" ? e->substr(path.size() + 1)
                                                               : "wrong file: " + *e
                 : std::string("no error");
    };
    EXPECT_EQ(error("# comment\n\nworkers = 4\nmax_queued = lots\n"),
              "4: max_queued must be a whole number of at least 1");
    EXPECT_EQ(error("workers = 4\nworkers 4\n"), "2: expected 'key = value'");
    EXPECT_EQ(error("\n\n\nworker = 4\n"), "4: unknown setting 'worker'");
    EXPECT_EQ(error("= 4\n"), "1: unknown setting ''");
    EXPECT_EQ(error("Workers = 4\n"), "1: unknown setting 'Workers'");
    EXPECT_EQ(error("backend = kernel\n"), "1: backend must be auto, apparmor or compile-only");
    EXPECT_EQ(error("max_compose_work = 999\n"),
              "1: max_compose_work must be a whole number of at least 1000");
    // The last line, without a newline at the end.
    EXPECT_EQ(error("workers = 4\nworkers = 0"), "2: workers must be a whole number of at least 1");
}

TEST(Config, AMissingFileIsTheDefaultsButAnUnreadableOneIsAnError) {
    test::TempDir dir;
    DaemonConfig c;
    EXPECT_FALSE(read_config(dir.path() + "/nonexistent.conf", c));
    EXPECT_TRUE(c == DaemonConfig{});
    // A directory where the file should be is not a missing file.
    fs::create_directory(dir.path() + "/aalayerd.conf");
    const auto e = read_config(dir.path() + "/aalayerd.conf", c);
    ASSERT_TRUE(e);
    EXPECT_NE(e->find(dir.path() + "/aalayerd.conf"), std::string::npos) << *e;
}

TEST(Config, BackendIsAutoApparmorOrCompileOnly) {
    DaemonConfig c;
    EXPECT_FALSE(set_config(c, "backend", "apparmor"));
    EXPECT_EQ(c.backend, Backend::AppArmor);
    EXPECT_FALSE(set_config(c, "backend", "compile-only"));
    EXPECT_EQ(c.backend, Backend::CompileOnly);
    EXPECT_FALSE(set_config(c, "backend", "auto"));
    EXPECT_EQ(c.backend, std::nullopt);  // auto: decided at start
    for (const std::string v :
         {"", "AppArmor", "compile_only", "compileonly", "none", "kernel", "auto ", " auto"}) {
        DaemonConfig d;
        d.backend = Backend::AppArmor;
        const auto e = set_config(d, "backend", v);
        ASSERT_TRUE(e) << "'" << v << "'";
        EXPECT_EQ(*e, "backend must be auto, apparmor or compile-only");
        EXPECT_EQ(d.backend, Backend::AppArmor) << "a refused value changed the setting";
    }
}

TEST(Config, TextValuesKeepInnerSpacesAndEqualsSigns) {
    // --set hands set_config the value as typed after the first '='.
    DaemonConfig c;
    EXPECT_FALSE(set_config(c, "parser", "/opt/my tools/apparmor_parser"));
    EXPECT_EQ(c.parser, "/opt/my tools/apparmor_parser");
    EXPECT_FALSE(set_config(c, "features", "/srv/features=v2"));
    EXPECT_EQ(c.features, "/srv/features=v2");
    // In the file, the spaces around the value go and the ones inside stay.
    test::TempDir dir;
    DaemonConfig f;
    const auto e = read_config(dir.write("c.conf",
                                         "parser =   /opt/my tools/apparmor_parser  \n"
                                         "state_dir = /srv/a=b\n"),
                               f);
    ASSERT_FALSE(e) << *e;
    EXPECT_EQ(f.parser, "/opt/my tools/apparmor_parser");
    EXPECT_EQ(f.state_dir, "/srv/a=b");
}

TEST(Config, NumbersAreWholeDecimalAndInRange) {
    for (const std::string v : {"", " 4", "4 ", "+4", "-1", "0x10", "1e3", "4.0", "4 s", "four",
                                "18446744073709551616", "99999999999999999999999"}) {
        DaemonConfig c;
        EXPECT_TRUE(set_config(c, "max_queued", v)) << "'" << v << "'";
        EXPECT_EQ(c.max_queued, DaemonConfig{}.max_queued) << "'" << v << "'";
    }
    DaemonConfig c;
    EXPECT_FALSE(set_config(c, "max_queued", "007"));
    EXPECT_EQ(c.max_queued, 7U);
}

TEST(Config, TimeoutsAreAtMostADay) {
    // A timeout is added to a clock counting nanoseconds: a huge one must be
    // refused, not wrap to a negative one (every apparmor_parser run killed
    // at once) or overflow the deadline.
    for (const std::string key : {"parser_timeout_seconds", "polkit_timeout_seconds"}) {
        for (const std::string v : {"18446744073709551615", "9223372036854775808", "10000000000", "86401"}) {
            DaemonConfig c;
            const auto e = set_config(c, key, v);
            ASSERT_TRUE(e) << key << " = " << v;
            EXPECT_EQ(*e, key + " must be a whole number from 1 to 86400");
            EXPECT_TRUE(c == DaemonConfig{}) << key << " = " << v;
        }
        DaemonConfig c;
        EXPECT_TRUE(set_config(c, key, "0"));
        EXPECT_FALSE(set_config(c, key, "86400"));
    }
    DaemonConfig c;
    ASSERT_FALSE(set_config(c, "parser_timeout_seconds", "86400"));
    EXPECT_EQ(c.parser_timeout, std::chrono::hours(24));
}

TEST(Config, CpuBudgetsAreBoundedSoTheyCannotWrap) {
    // aalayerd hands these to the CostLimiter in microseconds and as a
    // 32-bit percentage (4294967296% would become 0%: a user never refilled).
    for (const auto& [key, v] :
         {std::pair{"user_cpu_percent", "4294967296"}, std::pair{"user_cpu_percent", "100001"},
          std::pair{"user_cpu_burst_ms", "18446744073709551615"},
          std::pair{"user_cpu_burst_ms", "86400001"}}) {
        DaemonConfig c;
        EXPECT_TRUE(set_config(c, key, v)) << key << " = " << v;
        EXPECT_TRUE(c == DaemonConfig{}) << key << " = " << v;
    }
    DaemonConfig c;
    EXPECT_FALSE(set_config(c, "user_cpu_percent", "100000"));  // a thousand cores' worth
    EXPECT_EQ(c.user_cpu_percent, 100'000U);
    EXPECT_FALSE(set_config(c, "user_cpu_burst_ms", "86400000"));  // a day of CPU
    EXPECT_EQ(c.user_cpu_burst_ms, 86'400'000U);
}

}  // namespace
}  // namespace aalayer::service
