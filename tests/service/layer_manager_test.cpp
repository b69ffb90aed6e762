// The service logic with fakes for polkit and the kernel, a real file store
// in a temporary directory and policy sources in memory: two users, polkit
// saying no, bad layers, refusals, quotas, restarts, grant changes.
#include "service/core/layer_manager.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>

#include <gtest/gtest.h>

#include "policy/source/memory_reader.h"
#include "service/bus/worker_pool.h"
#include "service/store/file_store.h"
#include "tests/service/fakes.h"
#include "tests/service/manager_fixture.h"
#include "tests/support/process.h"

namespace aalayer::service {
namespace {

using test::FakeAuthorizer;
using test::FakeClock;
using test::FakeKernelLoader;
using test::FakeUserDb;

TEST_F(LayerManagerTest, ApplyExplainListRemoveForTwoUsers) {
    LayerManager& m = manager();
    auto a = m.apply(kAlice, std::nullopt, "app", "work", "owner @{HOME}/docs/work/** rw,\n", {});
    ASSERT_TRUE(a.ok()) << a.error().message;
    auto b = m.apply(kBob, std::nullopt, "app", "work", "owner @{HOME}/docs/** r,\n", {});
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_TRUE(kernel.loaded.contains("app//aalayer.1000.work"));
    EXPECT_TRUE(kernel.loaded.contains("app//aalayer.1001.work"));
    ASSERT_EQ(m.layers().size(), 2U);
    EXPECT_EQ(m.layer({1000, "app", "work"})->state, LayerState::Compiled);

    auto e = m.explain(kAlice, 1000, "app", "work", "/home/alice/docs/work/a.txt");
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(e->perms, "owner=rwa other=");
    auto outside = m.explain(kAlice, 1000, "app", "work", "/home/alice/docs/other.txt");
    ASSERT_TRUE(outside.ok());
    EXPECT_EQ(outside->perms, "owner= other=");
    auto bob = m.explain(kBob, 1001, "app", "work", "/home/bob/docs/x");
    ASSERT_TRUE(bob.ok());
    EXPECT_EQ(bob->perms, "owner=r other=");

    auto grants = m.list_grants(kAlice);
    ASSERT_TRUE(grants.ok());
    ASSERT_EQ(grants->size(), 1U);
    EXPECT_EQ(grants->front().first, "app");
    EXPECT_EQ(grants->front().second, "owner /home/alice/docs/** rw,\n");

    ASSERT_TRUE(m.remove(kAlice, std::nullopt, "app", "work", false, false).ok());
    EXPECT_FALSE(kernel.loaded.contains("app//aalayer.1000.work"));
    EXPECT_EQ(m.layers().size(), 1U);
    EXPECT_FALSE(std::filesystem::exists(store.path_of(1000, "app", "work")));
}

TEST_F(LayerManagerTest, ReplaceKeepsOneLayerWithTheNewText) {
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/a/** rw,\n", {}).ok());
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/b/** rw,\n", {}).ok());
    EXPECT_EQ(m.layers().size(), 1U);
    EXPECT_EQ(m.source(kAlice, 1000, "app", "w").value(), "owner @{HOME}/docs/b/** rw,\n");
    EXPECT_EQ(m.explain(kAlice, 1000, "app", "w", "/home/alice/docs/a/x")->perms, "owner= other=");
}

TEST_F(LayerManagerTest, OtherUsersCannotReadOrTouchALayer) {
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "secret", "owner @{HOME}/docs/** r,\n", {}).ok());
    // Bob asks about Alice's layer by her uid: it does not exist for him.
    auto src = m.source(kBob, 1000, "app", "secret");
    ASSERT_FALSE(src.ok());
    EXPECT_EQ(src.error().kind, ServiceErrorKind::NoSuchLayer);
    auto ex = m.explain(kBob, 1000, "app", "secret", "/home/alice/docs/x");
    ASSERT_FALSE(ex.ok());
    EXPECT_EQ(ex.error().kind, ServiceErrorKind::NoSuchLayer);
    // Bob's own namespace: Remove only ever names his own layers.
    auto rm = m.remove(kBob, std::nullopt, "app", "secret", false, false);
    ASSERT_FALSE(rm.ok());
    EXPECT_EQ(rm.error().kind, ServiceErrorKind::NoSuchLayer);
    // RemoveFor needs manage-any, which Bob does not have.
    auto rm_for = m.remove(kBob, 1000, "app", "secret", false, false);
    ASSERT_FALSE(rm_for.ok());
    EXPECT_EQ(rm_for.error().kind, ServiceErrorKind::PermissionDenied);
    EXPECT_TRUE(kernel.loaded.contains("app//aalayer.1000.secret"));
    // Root may read it.
    EXPECT_TRUE(m.source(kRoot, 1000, "app", "secret").ok());
}

TEST_F(LayerManagerTest, PolkitDenialChangesNothing) {
    LayerManager& m = manager();
    const Caller carol{1002, ":1.12"};
    users.users[1002] = {1002, "carol", "/home/carol"};
    auto r = m.apply(carol, std::nullopt, "app", "w", "owner @{HOME}/docs/** r,\n", {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ServiceErrorKind::PermissionDenied);
    EXPECT_TRUE(kernel.loaded.empty());
    EXPECT_TRUE(m.layers().empty());
    EXPECT_FALSE(std::filesystem::exists(store.path_of(1002, "app", "w")));
    // Unavailable polkit fails closed, and says so.
    auth.decisions[{1002, kActionManageOwn}] = Decision::Unavailable;
    auto u = m.apply(carol, std::nullopt, "app", "w", "owner @{HOME}/docs/** r,\n", {});
    ASSERT_FALSE(u.ok());
    EXPECT_NE(u.error().message.find("polkit could not be asked"), std::string::npos);
}

TEST_F(LayerManagerTest, ALinkedHomeIsDecidedWhereTheKernelSeesIt) {
    // /home/dave -> /srv/real/dave: the kernel checks /srv/real/dave/...,
    // so the user's rules hold there (and, as they wrote them, under
    // /home/dave), and a note says so.
    reader.add(
        "/etc/apparmor.d/app",
        "profile app /usr/bin/app {\n  /** r,\n  owner /home/*/** rwk,\n  owner /srv/real/*/** rwk,\n}\n");
    users.users[1003] = {1003, "dave", "/home/dave", "/srv/real/dave"};
    auth.allow(1003, kActionManageOwn);
    LayerManager& m = manager();
    const Caller dave{1003, ":1.13"};
    auto r = m.apply(dave, std::nullopt, "app", "w",
                     "owner @{HOME}/docs/** rw,\ndeny @{HOME}/docs/secret/** rw,\n", {});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(std::any_of(r->begin(), r->end(), [](const policy::Finding& f) {
        return f.message.find("is a symbolic link to /srv/real/dave") != std::string::npos;
    }));
    for (const char* home : {"/srv/real/dave", "/home/dave"}) {
        EXPECT_EQ(m.explain(dave, 1003, "app", "w", std::string(home) + "/docs/secret/k")->perms,
                  "owner= other=")
            << home;
        EXPECT_EQ(m.explain(dave, 1003, "app", "w", std::string(home) + "/docs/a")->perms, "owner=rwa other=")
            << home;
    }
    const std::string child = kernel.loaded.at("app//aalayer.1003.w");
    EXPECT_NE(child.find("/srv/real/dave/docs/secret/**"), std::string::npos) << child;
}

TEST_F(LayerManagerTest, ARefusedCallerNeverMakesRootRunTheParser) {
    // Ten applies from a user polkit refuses: each is PermissionDenied (never
    // the compile's answer), and apparmor_parser never ran for them.
    LayerManager& m = manager();
    const Caller carol{1002, ":1.12"};
    users.users[1002] = {1002, "carol", "/home/carol"};
    for (int i = 0; i < 10; ++i) {
        kernel.refuse_next = true;  // what the compile would say must not reach carol
        auto r =
            m.apply(carol, std::nullopt, "app", "w" + std::to_string(i), "owner @{HOME}/docs/** r,\n", {});
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().kind, ServiceErrorKind::PermissionDenied) << r.error().message;
        EXPECT_EQ(r.error().message.find("refused (fake)"), std::string::npos) << r.error().message;
    }
    EXPECT_EQ(kernel.compiles.load(), 0);
    // Interactive or not, the same.
    auto interactive =
        m.apply(carol, std::nullopt, "app", "w", "owner @{HOME}/docs/** r,\n", {true, false, false});
    EXPECT_EQ(interactive.error().kind, ServiceErrorKind::PermissionDenied);
    EXPECT_EQ(kernel.compiles.load(), 0);
    // An authorized apply compiles once.
    kernel.refuse_next = false;
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/** r,\n", {}).ok());
    EXPECT_EQ(kernel.compiles.load(), 1);
}

TEST_F(LayerManagerTest, LeftoverFilesInTheProfileDirectoryAreNotBases) {
    // apparmor_parser passes over such files: the kernel has no such profile.
    reader.add("/etc/apparmor.d/app.dpkg-bak", "profile stray {\n  /** r,\n}\n");
    reader.add("/etc/aalayer/grants.d/stray.conf", "grant stray {\n  owner @{HOME}/docs/** rw,\n}\n");
    auto r = manager().apply(kAlice, std::nullopt, "stray", "w", "", {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ServiceErrorKind::NoSuchBase);
}

// An admin's exclusion takes effect on reload; an exclusion of nothing and a
// grant for a base that does not exist are logged, once per reload, at their lines.
TEST_F(LayerManagerTest, GrantExclusionsApplyAndTheAdminsMistakesAreLogged) {
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/** rw,\n", {}).ok());
    EXPECT_EQ(m.explain(kAlice, 1000, "app", "w", "/home/alice/docs/private/k")->perms, "owner=rwa other=");
    reader.add("/etc/aalayer/grants.d/app.conf",
               "grant app {\n  owner @{HOME}/docs/** rw,\n  exclude @{HOME}/docs/private/**,\n"
               "  exclude /srv/**,\n}\n");
    reader.add("/etc/aalayer/grants.d/acro.conf",
               "grant /usr/bin/acroread {\n  owner @{HOME}/pdf/** r,\n}\n");
    std::vector<std::string> reload_log;
    ASSERT_TRUE(m.reload(kRoot, false, [&](const std::string& l) { reload_log.push_back(l); }).ok());
    // Excluded: the base decides (owner rwk under /home), the layer's allow-list does not reach it.
    const auto excluded = m.explain(kAlice, 1000, "app", "w", "/home/alice/docs/private/k");
    ASSERT_TRUE(excluded.ok());
    EXPECT_EQ(excluded->perms, "owner=rwak other=r");
    const bool named = std::any_of(excluded->reasons.begin(), excluded->reasons.end(), [](const auto& r) {
        return r.first == "grant" &&
               r.second.find(
                   "app.conf:3:3: excluded by the grant for app (exclude @{HOME}/docs/private/**,)") !=
                   std::string::npos;
    });
    EXPECT_TRUE(named);
    EXPECT_EQ(m.explain(kAlice, 1000, "app", "w", "/home/alice/docs/x")->perms, "owner=rwa other=");
    const auto logged = [&](const std::string& phrase) {
        return std::count_if(reload_log.begin(), reload_log.end(),
                             [&](const std::string& l) { return l.find(phrase) != std::string::npos; });
    };
    EXPECT_EQ(logged("/etc/aalayer/grants.d/app.conf:4:3: warning: 'exclude /srv/**,' takes nothing out"), 1)
        << ::testing::PrintToString(reload_log);
    EXPECT_EQ(logged("/etc/aalayer/grants.d/acro.conf:1:1: warning: grant for '/usr/bin/acroread', but no "
                     "profile in /etc/apparmor.d has that name"),
              1)
        << ::testing::PrintToString(reload_log);
}

// The case: the grant stops covering docs/ while alice's layer allowed
// only docs/bank/. Recomputed, every other document would be the base's
// (owner rwk); the service holds the layer to what she accepted, says so,
// and keeps doing so across a restart until she accepts.
TEST_F(LayerManagerTest, AnAdminsChangeThatWouldWidenALayerIsHeldBackUntilAccepted) {
    LayerManager& m = manager();
    std::vector<std::pair<LayerEvent, LayerKey>> events;
    m.set_listener([&](LayerEvent e, const LayerKey& k) { events.emplace_back(e, k); });
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "bank", "owner @{HOME}/docs/bank/** rw,\n", {}).ok());
    const std::string kernel_name = "app//aalayer.1000.bank";
    const std::string accepted = kernel.loaded_text(kernel_name).value();
    const std::uint64_t applied_at = m.layer({1000, "app", "bank"})->updated_at;
    const LayerState settled =
        m.layer({1000, "app", "bank"})->state;  // active, or compiled with this backend
    reader.add("/etc/aalayer/grants.d/app.conf", "grant app {\n  owner @{HOME}/music/** rw,\n}\n");
    clock.now += 1'000'000;
    ASSERT_TRUE(m.reload(kRoot, false, [](const std::string&) {}).ok());

    auto view = m.layer({1000, "app", "bank"});
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->state, LayerState::Review);
    EXPECT_GT(view->updated_at, applied_at);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().first, LayerEvent::Changed);
    const auto widened = std::find_if(view->findings.begin(), view->findings.end(), [](const auto& f) {
        return f.message.starts_with("the admin's change would let this layer allow owner=");
    });
    ASSERT_NE(widened, view->findings.end()) << ::testing::PrintToString(view->findings.size());
    EXPECT_NE(widened->message.find(" on /home/alice/docs/"), std::string::npos) << widened->message;
    EXPECT_NE(widened->message.find("aalayer accept app/bank"), std::string::npos) << widened->message;
    const std::string held = kernel.loaded_text(kernel_name).value();
    EXPECT_NE(held.find("# Held back"), std::string::npos) << held;
    EXPECT_NE(held.find("deny"), std::string::npos) << held;

    // Switching the mode would accept unseen: refused while in review.
    EXPECT_EQ(m.set_mode(kAlice, std::nullopt, "app", "bank", true, false).error().kind,
              ServiceErrorKind::InvalidArgument);
    // Bob cannot accept for her.
    EXPECT_FALSE(m.accept(Caller{1001, ":1.11"}, 1000U, "app", "bank", false).ok());

    // Across a restart: the accepted child is on disk, the layer is held again.
    restart();
    LayerManager& again = manager();
    EXPECT_EQ(again.layer({1000, "app", "bank"})->state, LayerState::Review);
    EXPECT_EQ(kernel.loaded_text(kernel_name).value(), held);

    ASSERT_TRUE(again.accept(kAlice, std::nullopt, "app", "bank", false).ok());
    EXPECT_EQ(again.layer({1000, "app", "bank"})->state, settled);
    const std::string now = kernel.loaded_text(kernel_name).value();
    EXPECT_EQ(now.find("# Held back"), std::string::npos) << now;
    EXPECT_NE(now, accepted);
    // Nothing left to accept.
    EXPECT_EQ(again.accept(kAlice, std::nullopt, "app", "bank", false).error().kind,
              ServiceErrorKind::InvalidArgument);
}

TEST_F(LayerManagerTest, AnAdminsChangeThatOnlyNarrowsTakesEffectAtOnce) {
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/** rw,\n", {}).ok());
    const LayerState settled = m.layer({1000, "app", "w"})->state;
    reader.add("/etc/aalayer/grants.d/app.conf",
               "grant app {\n  owner @{HOME}/docs/** rw,\n  exclude @{HOME}/docs/keys/**,\n}\n");
    ASSERT_TRUE(m.reload(kRoot, false, [](const std::string&) {}).ok());
    // docs/keys/ is now the base's (owner rwk): wider than the layer's rw there, so held back.
    EXPECT_EQ(m.layer({1000, "app", "w"})->state, LayerState::Review);
    ASSERT_TRUE(m.accept(kAlice, std::nullopt, "app", "w", false).ok());
    reader.add("/etc/aalayer/grants.d/app.conf", "grant app {\n  owner @{HOME}/docs/** r,\n}\n");
    ASSERT_TRUE(m.reload(kRoot, false, [](const std::string&) {}).ok());
    EXPECT_EQ(m.layer({1000, "app", "w"})->state, settled);
    EXPECT_EQ(m.explain(kAlice, 1000, "app", "w", "/home/alice/docs/x")->perms, "owner=r other=");
}

TEST_F(LayerManagerTest, ArgumentsAreValidatedBeforePolkitIsAsked) {
    LayerManager& m = manager();
    for (const char* bad : {"", "a b", "../x"}) {
        auto r = m.apply(kAlice, std::nullopt, "app", bad, "", {});
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().kind, ServiceErrorKind::InvalidArgument) << bad;
    }
    auto nobase = m.apply(kAlice, std::nullopt, "nope", "w", "", {});
    EXPECT_EQ(nobase.error().kind, ServiceErrorKind::NoSuchBase);
    reader.add("/etc/apparmor.d/other", "profile other {\n  /** r,\n}\n");
    ASSERT_TRUE(m.reload(kRoot, false, [](const std::string&) {}).ok());
    auto ungranted = m.apply(kAlice, std::nullopt, "other", "w", "", {});
    EXPECT_EQ(ungranted.error().kind, ServiceErrorKind::NotGranted);
    auto big = m.apply(kAlice, std::nullopt, "app", "w", std::string(70000, '#'), {});
    EXPECT_EQ(big.error().kind, ServiceErrorKind::LimitExceeded);
    EXPECT_TRUE(auth.calls.empty()) << "polkit asked for " << auth.calls.front().action;
}

TEST_F(LayerManagerTest, InvalidLayerIsRefusedAndTheOldVersionStays) {
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/** r,\n", {}).ok());
    const std::string before = kernel.loaded.at("app//aalayer.1000.w");
    auto r = m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/** r,\n/usr/bin/x px,\n", {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ServiceErrorKind::InvalidLayer);
    EXPECT_NE(r.error().message.find("w.layer:2:1: error: exec transition 'px'"), std::string::npos)
        << r.error().message;
    EXPECT_EQ(kernel.loaded.at("app//aalayer.1000.w"), before);
    EXPECT_EQ(m.source(kAlice, 1000, "app", "w").value(), "owner @{HOME}/docs/** r,\n");
}

TEST_F(LayerManagerTest, KernelRefusalKeepsTheOldVersionOnDisk) {
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/a/** r,\n", {}).ok());
    kernel.refuse_next = true;
    auto r = m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/b/** r,\n", {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ServiceErrorKind::KernelRefused);
    std::vector<std::string> problems;
    auto stored = store.load_all(problems);
    ASSERT_TRUE(stored.ok());
    ASSERT_EQ(stored->size(), 1U);
    EXPECT_EQ(stored->front().text, "owner @{HOME}/docs/a/** r,\n");
    // A new layer the kernel refuses leaves nothing behind.
    kernel.refuse_next = true;
    ASSERT_FALSE(m.apply(kAlice, std::nullopt, "app", "new", "owner @{HOME}/docs/** r,\n", {}).ok());
    EXPECT_FALSE(std::filesystem::exists(store.path_of(1000, "app", "new")));
}

TEST_F(LayerManagerTest, QuotaAndRateLimit) {
    limits.max_layers_per_user = 2;
    limits.rate_limit_per_minute = 4;
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "a", "", {}).ok());
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "b", "", {}).ok());
    auto third = m.apply(kAlice, std::nullopt, "app", "c", "", {});
    ASSERT_FALSE(third.ok());
    EXPECT_EQ(third.error().kind, ServiceErrorKind::LimitExceeded);
    EXPECT_TRUE(m.apply(kAlice, std::nullopt, "app", "a", "# replacing is not a new layer\n", {}).ok());
    auto fast = m.apply(kAlice, std::nullopt, "app", "a", "", {});
    ASSERT_FALSE(fast.ok());
    EXPECT_EQ(fast.error().kind, ServiceErrorKind::LimitExceeded);
    EXPECT_NE(fast.error().message.find("requests in a minute"), std::string::npos);
    // Bob is served meanwhile, and Alice again a minute later.
    EXPECT_TRUE(m.apply(kBob, std::nullopt, "app", "a", "", {}).ok());
    clock.now += 61'000'000;
    EXPECT_TRUE(m.apply(kAlice, std::nullopt, "app", "a", "", {}).ok());
}

TEST_F(LayerManagerTest, ChecksHaveTheirOwnLargerCount) {
    limits.rate_limit_per_minute = 2;
    limits.check_rate_limit_per_minute = 5;
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "a", "", {}).ok());
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "a", "", {}).ok());
    // Apply's count is spent; Checks still go, five of them, more than Apply's two.
    EXPECT_EQ(m.apply(kAlice, std::nullopt, "app", "a", "", {}).error().kind,
              ServiceErrorKind::LimitExceeded);
    for (int i = 0; i < 5; ++i)
        EXPECT_TRUE(m.check(kAlice, "app", "a", "owner @{HOME}/docs/** r,\n").ok()) << i;
    // And the Check count is enforced too.
    auto sixth = m.check(kAlice, "app", "a", "owner @{HOME}/docs/** r,\n");
    ASSERT_FALSE(sixth.ok());
    EXPECT_EQ(sixth.error().kind, ServiceErrorKind::LimitExceeded);
    EXPECT_NE(sixth.error().message.find("more than 5 checks in a minute"), std::string::npos);
    EXPECT_TRUE(m.check(kBob, "app", "a", "").ok());
    clock.now += 61'000'000;
    EXPECT_TRUE(m.check(kAlice, "app", "a", "").ok());
}

TEST_F(LayerManagerTest, RefusedApplyCarriesItsFindingsAsValues) {
    auto refused =
        manager().apply(kAlice, std::nullopt, "app", "bad", "owner @{HOME}/docs/** rw,\nnonsense\n", {});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().kind, ServiceErrorKind::InvalidLayer);
    ASSERT_FALSE(refused.error().findings.empty());
    const auto& f = refused.error().findings.front();
    EXPECT_EQ(f.severity, policy::Severity::Error);
    EXPECT_EQ(f.where.line, 2U);
    EXPECT_EQ(f.where.file, "bad.layer");
}

TEST_F(LayerManagerTest, RestartRestoresEveryLayer) {
    ASSERT_TRUE(manager().apply(kAlice, std::nullopt, "app", "a", "owner @{HOME}/docs/a/** rw,\n", {}).ok());
    ASSERT_TRUE(manager().apply(kBob, std::nullopt, "app", "b", "owner @{HOME}/docs/** r,\n", {}).ok());
    restart();
    kernel.loaded.clear();
    LayerManager& m = manager();
    EXPECT_EQ(m.layers().size(), 2U);
    EXPECT_TRUE(kernel.loaded.contains("app//aalayer.1000.a"));
    EXPECT_TRUE(kernel.loaded.contains("app//aalayer.1001.b"));
    EXPECT_EQ(m.explain(kAlice, 1000, "app", "a", "/home/alice/docs/a/x")->perms, "owner=rwa other=");
}

TEST_F(LayerManagerTest, CorruptFileIsReportedAndTheOthersLoad) {
    ASSERT_TRUE(manager().apply(kAlice, std::nullopt, "app", "a", "", {}).ok());
    ASSERT_TRUE(manager().apply(kAlice, std::nullopt, "app", "b", "", {}).ok());
    restart();
    {
        std::ofstream f(store.path_of(1000, "app", "b"), std::ios::trunc);
        f << "aalayer-layer 1\nuid 1000\n";  // truncated by hand
    }
    LayerManager& m = manager();
    EXPECT_EQ(m.layers().size(), 1U);
    bool reported = false;
    for (const auto& l : log)
        reported = reported || l.find("b.layer: cannot use this layer file") != std::string::npos;
    EXPECT_TRUE(reported);
    EXPECT_TRUE(std::filesystem::exists(store.path_of(1000, "app", "b")));  // left for the admin
}

TEST_F(LayerManagerTest, GrantChangeRecomputesOnReload) {
    LayerManager& m = manager();
    std::vector<std::pair<LayerEvent, LayerKey>> events;
    m.set_listener([&](LayerEvent e, const LayerKey& k) { events.emplace_back(e, k); });
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/** rw,\n", {}).ok());
    EXPECT_EQ(m.explain(kAlice, 1000, "app", "w", "/home/alice/docs/x")->perms, "owner=rwa other=");
    reader.add("/etc/aalayer/grants.d/app.conf", "grant app {\n  owner @{HOME}/docs/** r,\n}\n");
    // Only an admin may reload.
    EXPECT_EQ(m.reload(kAlice, false, [](const std::string&) {}).error().kind,
              ServiceErrorKind::PermissionDenied);
    ASSERT_TRUE(m.reload(kRoot, false, [](const std::string&) {}).ok());
    EXPECT_EQ(m.explain(kAlice, 1000, "app", "w", "/home/alice/docs/x")->perms, "owner=r other=");
    const auto view = m.layer({1000, "app", "w"});
    ASSERT_FALSE(view->findings.empty());
    EXPECT_NE(view->findings.front().message.find("beyond the grant"), std::string::npos);
    ASSERT_GE(events.size(), 2U);
    EXPECT_EQ(events.back().first, LayerEvent::Changed);
    // The grant removed: the layer stays, marked invalid with a finding.
    reader.add("/etc/aalayer/grants.d/app.conf", "");
    ASSERT_TRUE(m.reload(kRoot, false, [](const std::string&) {}).ok());
    EXPECT_EQ(m.layer({1000, "app", "w"})->state, LayerState::Invalid);
}

// A layer that stops composing must not keep a child wider than the grant
// now allows in the kernel: its deny rules alone are loaded instead.
TEST_F(LayerManagerTest, ALayerThatNoLongerComposesKeepsOnlyItsDenies) {
    LayerManager& m = manager();
    ApplyOptions strict;
    strict.strict = true;
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w",
                        "owner @{HOME}/docs/** rw,\ndeny @{HOME}/docs/secret/** r,\n", strict)
                    .ok());
    const std::string name = "app//aalayer.1000.w";
    EXPECT_NE(kernel.loaded.at(name).find("owner /home/alice/docs/** rw,"), std::string::npos);
    // The grant narrows to read-only: under strict, the rw rule is now an error.
    reader.add("/etc/aalayer/grants.d/app.conf", "grant app {\n  owner @{HOME}/docs/** r,\n}\n");
    m.refresh([](const std::string&) {});
    EXPECT_EQ(m.layer({1000, "app", "w"})->state, LayerState::Invalid);
    const std::string& child = kernel.loaded.at(name);
    EXPECT_EQ(child.find("/home/alice/docs/** rw"), std::string::npos) << child;
    EXPECT_NE(child.find("deny /home/alice/docs/secret/** r,"), std::string::npos) << child;
    // The grant goes away: the denies stay, with nothing else of the layer's.
    reader.add("/etc/aalayer/grants.d/app.conf", "");
    m.refresh([](const std::string&) {});
    EXPECT_EQ(m.layer({1000, "app", "w"})->state, LayerState::Invalid);
    EXPECT_NE(kernel.loaded.at(name).find("deny /home/alice/docs/secret/** r,"), std::string::npos);
    EXPECT_NE(kernel.loaded.at(name).find("/{,**} rwlkmix,"), std::string::npos) << kernel.loaded.at(name);
}

TEST_F(LayerManagerTest, RemoveRefusesWhileInUseUnlessForced) {
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w", "", {}).ok());
    kernel.busy.insert("app//aalayer.1000.w");
    auto r = m.remove(kAlice, std::nullopt, "app", "w", false, false);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ServiceErrorKind::Busy);
    EXPECT_TRUE(m.remove(kAlice, std::nullopt, "app", "w", false, true).ok());
}

TEST_F(LayerManagerTest, CheckIsADryRun) {
    LayerManager& m = manager();
    auto c = m.check(kAlice, "app", "w", "owner @{HOME}/docs/** rw,\n/etc/shadow r,\n");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_NE(c->child_profile.find("profile app//aalayer.1000.w"), std::string::npos);
    ASSERT_EQ(c->findings.size(), 1U);
    EXPECT_EQ(c->findings[0].format(),
              "w.layer:2:1: warning: allows /etc/shadow, outside the grant for app; clipped");
    EXPECT_TRUE(kernel.loaded.empty());
    EXPECT_TRUE(m.layers().empty());
    EXPECT_TRUE(auth.calls.empty());  // Check needs no polkit
}

// A reload recomputes every layer but reloads and announces only those it
// changed, and puts back a child the kernel lost.
TEST_F(LayerManagerTest, AReloadTouchesOnlyTheLayersItChanges) {
    reader.add("/etc/apparmor.d/other", "profile other /usr/bin/other {\n  /** r,\n}\n");
    reader.add("/etc/aalayer/grants.d/other.conf", "grant other {\n  owner @{HOME}/** r,\n}\n");
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/** rw,\n", {}).ok());
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "other", "w", "owner @{HOME}/docs/** r,\n", {}).ok());
    std::vector<LayerKey> changed;
    m.set_listener([&](LayerEvent, const LayerKey& k) { changed.push_back(k); });
    const std::size_t loads = kernel.loads();
    const std::size_t reads = kernel.profile_list_reads;
    m.refresh([](const std::string&) {});  // nothing changed
    EXPECT_EQ(kernel.loads(), loads);
    EXPECT_EQ(kernel.profile_list_reads, reads + 1);  // once for both layers
    EXPECT_TRUE(changed.empty());
    reader.add("/etc/aalayer/grants.d/app.conf", "grant app {\n  owner @{HOME}/docs/** r,\n}\n");
    m.refresh([](const std::string&) {});
    EXPECT_EQ(kernel.loads(), loads + 1);
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed.front(), (LayerKey{1000, "app", "w"}));
    kernel.loaded.erase("other//aalayer.1000.w");  // as if someone removed it by hand
    m.refresh([](const std::string&) {});
    EXPECT_EQ(kernel.loads(), loads + 2);
    EXPECT_TRUE(kernel.loaded.contains("other//aalayer.1000.w"));
}

// Whether a file name is a staged write's leftover.
bool has_temporary_files(const std::string& dir) {
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().filename().string().find(".tmp-") != std::string::npos) return true;
    return false;
}

// The write is staged while the kernel loads; if it then cannot be committed
// the kernel gets the old child back, and nothing of the new one stays.
TEST_F(LayerManagerTest, AFailedCommitPutsTheOldChildBack) {
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/a/** r,\n", {}).ok());
    const std::string before = kernel.loaded.at("app//aalayer.1000.w");
    commits.fail_commits = true;
    auto r = m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/b/** r,\n", {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ServiceErrorKind::LimitExceeded);
    EXPECT_EQ(kernel.loaded.at("app//aalayer.1000.w"), before);
    EXPECT_EQ(m.source(kAlice, 1000, "app", "w").value(), "owner @{HOME}/docs/a/** r,\n");
    EXPECT_EQ(m.explain(kAlice, 1000, "app", "w", "/home/alice/docs/a/x")->perms, "owner=r other=");
    // A new layer: unloaded again.
    ASSERT_FALSE(m.apply(kAlice, std::nullopt, "app", "new", "", {}).ok());
    EXPECT_FALSE(kernel.loaded.contains("app//aalayer.1000.new"));
    EXPECT_FALSE(m.layer({1000, "app", "new"}).has_value());
    commits.fail_commits = false;
    kernel.refuse_next = true;
    ASSERT_FALSE(m.apply(kAlice, std::nullopt, "app", "w", "owner @{HOME}/docs/c/** r,\n", {}).ok());
    EXPECT_FALSE(has_temporary_files(dir.path() + "/state"));
    restart();
    EXPECT_EQ(manager().source(kAlice, 1000, "app", "w").value(), "owner @{HOME}/docs/a/** r,\n");
}

// While one layer's child compiles, checks, queries and other layers' applies
// go on: nothing waits for another layer's apparmor_parser.
TEST_F(LayerManagerTest, OtherRequestsProceedWhileALayerCompiles) {
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kBob, std::nullopt, "app", "b", "owner @{HOME}/docs/** r,\n", {}).ok());
    kernel.hold("app//aalayer.1000.slow");
    auto slow = std::async(std::launch::async, [&] {
        return m.apply(kAlice, std::nullopt, "app", "slow", "owner @{HOME}/docs/** r,\n", {});
    });
    ASSERT_TRUE(kernel.wait_for_waiting(1));
    EXPECT_TRUE(m.check(kAlice, "app", "c", "owner @{HOME}/docs/** r,\n").ok());
    EXPECT_TRUE(m.apply(kAlice, std::nullopt, "app", "fast", "owner @{HOME}/docs/x/** r,\n", {}).ok());
    EXPECT_TRUE(m.apply(kBob, std::nullopt, "app", "b", "owner @{HOME}/docs/y/** r,\n", {}).ok());
    EXPECT_EQ(m.explain(kBob, 1001, "app", "b", "/home/bob/docs/y/z")->perms, "owner=r other=");
    EXPECT_TRUE(m.source(kAlice, 1000, "app", "fast").ok());
    EXPECT_FALSE(m.layer({1000, "app", "slow"}).has_value());  // not acknowledged yet
    EXPECT_EQ(slow.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
    kernel.release_all();
    ASSERT_TRUE(slow.get().ok());
    EXPECT_EQ(m.layer({1000, "app", "slow"})->state, LayerState::Compiled);
}

// A reload that comes while a layer is being applied must not leave that
// layer computed with the old grant, whether the reload passes the layer by
// (a new one, not yet listed) or waits for it (a replaced one).
TEST_F(LayerManagerTest, AReloadDuringAnApplyRecomputesThatLayer) {
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "old", "owner @{HOME}/docs/a/** rw,\n", {}).ok());
    kernel.hold("app//aalayer.1000.old");
    kernel.hold("app//aalayer.1000.new");
    const std::string text = "owner @{HOME}/docs/** rw,\n";
    auto replacing =
        std::async(std::launch::async, [&] { return m.apply(kAlice, std::nullopt, "app", "old", text, {}); });
    auto creating =
        std::async(std::launch::async, [&] { return m.apply(kAlice, std::nullopt, "app", "new", text, {}); });
    ASSERT_TRUE(kernel.wait_for_waiting(2));  // both composed with the rw grant
    reader.add("/etc/aalayer/grants.d/app.conf", "grant app {\n  owner @{HOME}/docs/** r,\n}\n");
    auto reloading = std::async(std::launch::async, [&] { m.refresh([](const std::string&) {}); });
    // The reload waits for the layer being replaced.
    EXPECT_EQ(reloading.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
    kernel.release_all();
    ASSERT_TRUE(replacing.get().ok());
    ASSERT_TRUE(creating.get().ok());
    reloading.get();
    for (const char* name : {"old", "new"}) {
        EXPECT_EQ(m.explain(kAlice, 1000, "app", name, "/home/alice/docs/x")->perms, "owner=r other=")
            << name;
        const std::string child = kernel.loaded.at(std::string("app//aalayer.1000.") + name);
        EXPECT_EQ(child.find("docs/** rw"), std::string::npos) << child;
    }
}

// The quota counts layers still being created: concurrent applies of new
// names cannot together pass it.
TEST_F(LayerManagerTest, QuotaHoldsForConcurrentNewLayers) {
    limits.max_layers_per_user = 2;
    LayerManager& m = manager();
    kernel.hold("app//aalayer.1000.a");
    kernel.hold("app//aalayer.1000.b");
    auto a =
        std::async(std::launch::async, [&] { return m.apply(kAlice, std::nullopt, "app", "a", "", {}); });
    auto b =
        std::async(std::launch::async, [&] { return m.apply(kAlice, std::nullopt, "app", "b", "", {}); });
    ASSERT_TRUE(kernel.wait_for_waiting(2));
    auto c = m.apply(kAlice, std::nullopt, "app", "c", "", {});
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().kind, ServiceErrorKind::LimitExceeded);
    kernel.release_all();
    EXPECT_TRUE(a.get().ok());
    EXPECT_TRUE(b.get().ok());
    EXPECT_EQ(m.layers().size(), 2U);
}

}  // namespace
}  // namespace aalayer::service
