// The admin's default layers (docs/admin-guide.md, "Default layers"): every
// person has them without asking, users who come later too; they take no
// place in the quota; a user may replace, remove (remembered) or reset one;
// the admin's edits reach those who did not replace it, failing closed.
#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/service/manager_fixture.h"

namespace aalayer::service {
namespace {

constexpr const char* kDefaultFile = "/etc/aalayer/grants.d/app.defaults/private.layer";
constexpr const char* kDefaultText = "owner @{HOME}/docs/public/** rw,\n";

class DefaultLayersTest : public LayerManagerTest {
protected:
    DefaultLayersTest() { reader.add(kDefaultFile, kDefaultText); }
    std::optional<LayerView> view(std::uint32_t uid, const std::string& name = "private") {
        return manager().layer({uid, "app", name});
    }
    std::string perms(const Caller& who, const std::string& path, const std::string& name = "private") {
        auto e = manager().explain(who, who.uid, "app", name, path);
        return e ? e->perms : "error: " + e.error().message;
    }
    std::string source(const Caller& who) {
        auto s = manager().source(who, who.uid, "app", "private");
        return s ? *s : "error: " + s.error().message;
    }
};

TEST_F(DefaultLayersTest, EveryPersonHasThemWithoutAsking) {
    LayerManager& m = manager();
    ASSERT_EQ(m.layers().size(), 2U);
    for (const Caller& who : {kAlice, kBob}) {
        const auto v = view(who.uid);
        ASSERT_TRUE(v) << who.uid;
        EXPECT_EQ(v->origin, "admin");
        EXPECT_EQ(v->state, LayerState::Compiled);
        EXPECT_EQ(source(who), kDefaultText);
    }
    EXPECT_TRUE(kernel.loaded.contains("app//aalayer.1000.private"));
    EXPECT_TRUE(kernel.loaded.contains("app//aalayer.1001.private"));
    // They confine like the user's own: inside the grant only what they allow.
    EXPECT_EQ(perms(kAlice, "/home/alice/docs/public/a"), "owner=rwa other=");
    EXPECT_EQ(perms(kAlice, "/home/alice/docs/secret/a"), "owner= other=");
    // Kept on disk with the child accepted, so a widening edit is held back after a restart too.
    EXPECT_TRUE(std::filesystem::exists(store.path_of(1000, "app", "private")));
    EXPECT_FALSE(m.layer({0, "app", "private"}));  // root is not a person here
}

TEST_F(DefaultLayersTest, PeopleWhoComeLaterGetThem) {
    LayerManager& m = manager();
    users.users[1002] = {1002, "carol", "/home/carol"};
    m.people_changed();  // aalayerd: /etc/passwd replaced
    ASSERT_TRUE(view(1002));
    EXPECT_EQ(view(1002)->origin, "admin");
    EXPECT_EQ(view(1002)->state, LayerState::Compiled);
    // A directory service's user is not enumerated: their first request gives them.
    users.users[70000] = {70000, "dave", "/home/dave"};
    EXPECT_FALSE(view(70000));
    m.ensure_defaults(70000);
    ASSERT_TRUE(view(70000));
    EXPECT_EQ(view(70000)->state, LayerState::Compiled);
    // A system account is no person: it gets none.
    users.users[100] = {100, "daemon", "/var/lib/daemon"};
    m.ensure_defaults(100);
    EXPECT_FALSE(view(100));
}

TEST_F(DefaultLayersTest, TheyTakeNoPlaceInTheQuota) {
    limits.max_layers_per_user = 1;
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "mine", "owner @{HOME}/docs/** r,\n", {}).ok());
    auto second = m.apply(kAlice, std::nullopt, "app", "more", "owner @{HOME}/docs/** r,\n", {});
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().kind, ServiceErrorKind::LimitExceeded);
    // Her own version of the default is the admin's place too.
    EXPECT_TRUE(m.apply(kAlice, std::nullopt, "app", "private", "owner @{HOME}/docs/x/** r,\n", {}).ok());
}

TEST_F(DefaultLayersTest, ReplaceRemoveAndResetAreTheUsersAndRemembered) {
    LayerManager& m = manager();
    // Alice replaces hers; Bob leaves his.
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "private", "owner @{HOME}/docs/mine/** rw,\n", {}).ok());
    EXPECT_EQ(view(1000)->origin, "replaced");
    // The admin edits the default: Bob's follows, Alice's version stands.
    reader.add(kDefaultFile, "owner @{HOME}/docs/public/x/** rw,\n");
    m.refresh([](const std::string&) {});
    EXPECT_EQ(source(kBob), "owner @{HOME}/docs/public/x/** rw,\n");
    EXPECT_EQ(perms(kBob, "/home/bob/docs/public/y"), "owner= other=");  // narrowed: at once
    EXPECT_EQ(view(1001)->state, LayerState::Compiled);
    EXPECT_EQ(source(kAlice), "owner @{HOME}/docs/mine/** rw,\n");

    // Bob removes his: gone from the kernel, and it does not come back.
    ASSERT_TRUE(m.remove(kBob, std::nullopt, "app", "private", false, false).ok());
    EXPECT_FALSE(view(1001));
    EXPECT_FALSE(kernel.loaded.contains("app//aalayer.1001.private"));
    m.refresh([](const std::string&) {});
    EXPECT_FALSE(view(1001));
    restart();
    EXPECT_FALSE(view(1001));
    EXPECT_EQ(view(1000)->origin, "replaced");

    // Reset: the admin's again, for both, and it stays so across a restart.
    ASSERT_TRUE(manager().reset(kBob, std::nullopt, "app", "private", false).ok());
    ASSERT_TRUE(manager().reset(kAlice, std::nullopt, "app", "private", false).ok());
    restart();
    for (const Caller& who : {kAlice, kBob}) {
        ASSERT_TRUE(view(who.uid)) << who.uid;
        EXPECT_EQ(view(who.uid)->origin, "admin");
        EXPECT_EQ(source(who), "owner @{HOME}/docs/public/x/** rw,\n");
    }
    EXPECT_TRUE(kernel.loaded.contains("app//aalayer.1001.private"));
    // Reset of a name the admin has no default for.
    auto none = manager().reset(kAlice, std::nullopt, "app", "other", false);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().kind, ServiceErrorKind::NoSuchLayer);
}

TEST_F(DefaultLayersTest, AnEditThatWidensWaitsForItsUser) {
    LayerManager& m = manager();
    reader.add(kDefaultFile, "owner @{HOME}/docs/** rw,\n");
    m.refresh([](const std::string&) {});
    // Fail closed: the kernel keeps what each user had until they accept.
    EXPECT_EQ(view(1000)->state, LayerState::Review);
    EXPECT_EQ(perms(kAlice, "/home/alice/docs/other/a"), "owner=rwa other=");  // what it would mean
    const auto held = kernel.loaded_text("app//aalayer.1000.private");
    ASSERT_TRUE(held);
    EXPECT_EQ(held->find("/home/alice/docs/other"), std::string::npos) << *held;
    ASSERT_TRUE(m.accept(kAlice, std::nullopt, "app", "private", false).ok());
    EXPECT_EQ(view(1000)->state, LayerState::Compiled);
    EXPECT_EQ(view(1000)->origin, "admin");  // accepting keeps it the admin's
    EXPECT_EQ(view(1001)->state, LayerState::Review);
}

TEST_F(DefaultLayersTest, ADefaultTheAdminTakesAwayGoes) {
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "private", "owner @{HOME}/docs/mine/** rw,\n", {}).ok());
    reader.remove(kDefaultFile);
    m.refresh([](const std::string&) {});
    EXPECT_FALSE(view(1001));
    EXPECT_FALSE(kernel.loaded.contains("app//aalayer.1001.private"));
    EXPECT_FALSE(std::filesystem::exists(store.path_of(1001, "app", "private")));
    ASSERT_TRUE(view(1000));  // her own version is hers
    EXPECT_EQ(view(1000)->origin, "user");
}

TEST_F(DefaultLayersTest, ADefaultThatDoesNotComposeIsLoggedAtItsFile) {
    reader.add("/etc/aalayer/grants.d/app.defaults/bad.layer", "owner @{HOME}/docs/** rw\n");
    reader.add("/etc/aalayer/grants.d/app.defaults/Bad Name.layer", "owner @{HOME}/docs/** r,\n");
    manager();
    ASSERT_TRUE(view(1000, "bad"));
    EXPECT_EQ(view(1000, "bad")->state, LayerState::Invalid);
    const auto logged = [&](const std::string& what) {
        return std::ranges::any_of(log,
                                   [&](const std::string& l) { return l.find(what) != std::string::npos; });
    };
    EXPECT_TRUE(
        logged("the admin's default layer does not compose for this "
               "user:\n/etc/aalayer/grants.d/app.defaults/bad.layer:2:1: error"))
        << ::testing::PrintToString(log);
    EXPECT_TRUE(
        logged("/etc/aalayer/grants.d/app.defaults/Bad Name.layer: error: not a usable default layer name"))
        << ::testing::PrintToString(log);
    EXPECT_TRUE(view(1000, "private"));  // the good one is there
}

TEST(DefaultLayerFile, OriginRoundTrips) {
    StoredLayer admin{1000, "app", "private", "owner @{HOME}/docs/** r,\n", false, false, 5, "child"};
    admin.origin = LayerOrigin::Admin;
    EXPECT_EQ(parse_layer(serialize_layer(admin)).value(), admin);
    StoredLayer declined{1000, "app", "private", {}, false, false, 5, {}};
    declined.origin = LayerOrigin::Declined;
    EXPECT_EQ(parse_layer(serialize_layer(declined)).value(), declined);
}

}  // namespace
}  // namespace aalayer::service
