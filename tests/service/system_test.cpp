// The service's real adapters that need no bus: the home the kernel sees,
// and the configuration file's keys.
#include <filesystem>

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

TEST(Config, TheShippedFileIsTheDefaults) {
    // Every key of service/data/aalayerd.conf reads, and gives the built-in default.
    DaemonConfig shipped;
    const auto e =
        read_config(std::string(std::getenv("AALAYER_SOURCE_ROOT")) + "/service/data/aalayerd.conf", shipped);
    ASSERT_FALSE(e) << *e;
    // Every field: a default changed in code and not in the file (or the
    // other way round) fails here.
    EXPECT_TRUE(shipped == DaemonConfig{});
}

}  // namespace
}  // namespace aalayer::service
