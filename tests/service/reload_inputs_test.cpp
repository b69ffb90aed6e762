// A reload recomputes only the layers whose inputs changed: the base's
// profile and the files it includes, the grant file, the user, the files the
// layer's own text includes. The rest are skipped, and the log says how many.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "service/core/layer_manager.h"
#include "tests/service/manager_fixture.h"

namespace aalayer::service {
namespace {

class ReloadInputsTest : public LayerManagerTest {
protected:
    ReloadInputsTest() {
        // app includes an abstraction; other includes nothing.
        reader.add("/etc/apparmor.d/app",
                   "profile app /usr/bin/app {\n  include <abstractions/docs>\n  /** r,\n}\n");
        reader.add("/etc/apparmor.d/abstractions/docs", "owner /home/*/** rwk,\n");
        reader.add("/etc/apparmor.d/other",
                   "profile other /usr/bin/other {\n  /** r,\n  owner /home/** rw,\n}\n");
        reader.add("/etc/aalayer/grants.d/other.conf", "grant other {\n  owner @{HOME}/** rw,\n}\n");
    }

    // Alice: three layers (two on app); Bob: two (one on each base).
    void apply_all() {
        LayerManager& m = manager();
        for (const auto& [caller, base, name] :
             {std::tuple{kAlice, "app", "a1"}, std::tuple{kAlice, "app", "a2"},
              std::tuple{kAlice, "other", "a3"}, std::tuple{kBob, "app", "b1"},
              std::tuple{kBob, "other", "b2"}}) {
            auto r = m.apply(caller, std::nullopt, base, name, "owner @{HOME}/docs/** rw,\n", {});
            ASSERT_TRUE(r.ok()) << r.error().message;
        }
    }

    // The reload's summary line.
    std::string reload() {
        std::vector<std::string> lines;
        manager().refresh([&](const std::string& l) { lines.push_back(l); });
        const auto it = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
            return l.starts_with("grants and bases read again: ");
        });
        return it == lines.end() ? "(no summary)"
                                 : it->substr(std::string("grants and bases read again: ").size());
    }
};

TEST_F(ReloadInputsTest, NothingChangedRecomputesNothing) {
    apply_all();
    const std::size_t loads = kernel.loads();
    EXPECT_EQ(reload(), "0 layers recomputed, 0 changed, 5 skipped as unchanged");
    EXPECT_EQ(kernel.loads(), loads);
    // Skipped layers still answer, with what they were computed from.
    EXPECT_EQ(manager().explain(kAlice, 1000, "app", "a1", "/home/alice/docs/x")->perms, "owner=rwa other=");
    EXPECT_EQ(manager().layer({1001, "other", "b2"})->state, LayerState::Compiled);
    // And a second reload skips them again.
    EXPECT_EQ(reload(), "0 layers recomputed, 0 changed, 5 skipped as unchanged");
}

TEST_F(ReloadInputsTest, AnIncludedAbstractionRecomputesOnlyItsBasesLayers) {
    apply_all();
    reader.add("/etc/apparmor.d/abstractions/docs", "owner /home/*/docs/** r,\n");
    EXPECT_EQ(reload(), "3 layers recomputed, 0 changed, 2 skipped as unchanged");
    // Recomputed with the new abstraction: the base now allows only reading there.
    EXPECT_EQ(manager().explain(kBob, 1001, "app", "b1", "/home/bob/docs/x")->perms, "owner=r other=");
    EXPECT_EQ(manager().explain(kBob, 1001, "other", "b2", "/home/bob/docs/x")->perms, "owner=rwa other=");
}

TEST_F(ReloadInputsTest, AGrantFileRecomputesOnlyItsBasesLayers) {
    apply_all();
    reader.add("/etc/aalayer/grants.d/other.conf", "grant other {\n  owner @{HOME}/docs/** r,\n}\n");
    // a3 and b2 now clip their rw to r: a warning, so they changed.
    EXPECT_EQ(reload(), "2 layers recomputed, 2 changed, 3 skipped as unchanged");
    EXPECT_EQ(manager().explain(kAlice, 1000, "other", "a3", "/home/alice/docs/x")->perms, "owner=r other=");
}

TEST_F(ReloadInputsTest, AUsersHomeRecomputesOnlyTheirLayers) {
    apply_all();
    users.users[1001].home = "/home/bob2";
    // Bob's two layers now allow paths under a new home, which he has not
    // accepted: they wait in review. Alice's are skipped.
    EXPECT_EQ(reload(), "2 layers recomputed, 2 changed, 3 skipped as unchanged");
    EXPECT_EQ(manager().layer({1001, "app", "b1"})->state, LayerState::Review);
    EXPECT_EQ(manager().layer({1001, "other", "b2"})->state, LayerState::Review);
    EXPECT_EQ(manager().layer({1000, "app", "a1"})->state, LayerState::Compiled);
}

TEST_F(ReloadInputsTest, AFileTheLayerIncludesRecomputesOnlyThatLayer) {
    reader.add("/etc/apparmor.d/abstractions/mine", "owner @{HOME}/docs/** rw,\n");
    apply_all();
    ASSERT_TRUE(manager().apply(kBob, std::nullopt, "app", "inc", "include <abstractions/mine>\n", {}).ok());
    EXPECT_EQ(manager().explain(kBob, 1001, "app", "inc", "/home/bob/docs/x")->perms, "owner=rwa other=");
    reader.add("/etc/apparmor.d/abstractions/mine", "owner @{HOME}/docs/** r,\n");
    EXPECT_EQ(reload(), "1 layers recomputed, 0 changed, 5 skipped as unchanged");
    EXPECT_EQ(manager().explain(kBob, 1001, "app", "inc", "/home/bob/docs/x")->perms, "owner=r other=");
}

// The profile-list snapshot: a child removed from the kernel by hand is
// loaded again, though nothing it was computed from changed.
TEST_F(ReloadInputsTest, AChildGoneFromTheKernelIsLoadedAgain) {
    apply_all();
    kernel.loaded.erase("other//aalayer.1000.a3");
    const std::size_t reads = kernel.profile_list_reads;
    EXPECT_EQ(reload(), "1 layers recomputed, 0 changed, 4 skipped as unchanged");
    EXPECT_EQ(kernel.profile_list_reads, reads + 1);
    EXPECT_TRUE(kernel.loaded.contains("other//aalayer.1000.a3"));
}

// The apply path reads the kernel's profile list only when a reload came
// while it composed: two applies of the same text read it not at all.
TEST_F(ReloadInputsTest, AnApplyReadsTheProfileListOnlyWhenItRecomputes) {
    LayerManager& m = manager();
    const std::size_t reads = kernel.profile_list_reads;
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/** rw,\n", {}).ok());
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/** rw,\n", {}).ok());
    EXPECT_EQ(kernel.profile_list_reads, reads);
}

}  // namespace
}  // namespace aalayer::service
