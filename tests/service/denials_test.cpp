// The denial log: attribution to layers, de-duplication, the bounded ring,
// and the layer manager's owner-only reading, fed by a fake denial source
// (tests/service/fakes.h, FakeDenialSource) instead of the kernel.
#include "service/core/denials.h"

#include <chrono>
#include <iostream>
#include <map>

#include <gtest/gtest.h>

#include "policy/source/memory_reader.h"
#include "service/bus/worker_pool.h"
#include "service/core/layer_manager.h"
#include "service/store/file_store.h"
#include "tests/service/fakes.h"
#include "tests/support/process.h"

namespace aalayer::service {
namespace {

std::string file_record(const std::string& profile, const std::string& path, const std::string& mask,
                        std::uint32_t ouid = 1000, std::uint32_t pid = 77, const char* verdict = "DENIED") {
    return "audit: type=1400 audit(1700000000.000:1): apparmor=\"" + std::string(verdict) +
           "\" operation=\"open\" class=\"file\" profile=\"" + profile + "\" name=\"" + path +
           "\" pid=" + std::to_string(pid) + " comm=\"cat\" requested_mask=\"" + mask + "\" denied_mask=\"" +
           mask + "\" fsuid=1000 ouid=" + std::to_string(ouid);
}

TEST(Denials, ProfileNamesAreReadBackIntoLayers) {
    EXPECT_EQ(layer_of_profile("demo//aalayer.1000.bank"), (LayerKey{1000, "demo", "bank"}));
    EXPECT_EQ(layer_of_profile("/usr/bin/man//aalayer.0.x"), (LayerKey{0, "/usr/bin/man", "x"}));
    EXPECT_FALSE(layer_of_profile("demo"));
    EXPECT_FALSE(layer_of_profile("demo//aalayer.u.bank"));
    EXPECT_FALSE(layer_of_profile("demo//aalayer.1000."));
    EXPECT_FALSE(layer_of_profile("//aalayer.1.x"));
    EXPECT_FALSE(layer_of_profile("demo//aalayer.1000.bank//hat"));
}

TEST(Denials, SameAccessCountsOnceDistinctOnesFillABoundedRing) {
    DenialLog log(DenialLimits{3});
    const LayerKey key{1000, "demo", "bank"};
    int heard = 0;
    log.set_listener([&](const LayerKey& k) { heard += k == key ? 1 : 0; });
    EXPECT_EQ(log.add(file_record("demo//aalayer.1000.bank", "/a", "r"), 0), DenialLog::Added::Kept);
    EXPECT_EQ(log.add(file_record("demo//aalayer.1000.bank", "/a", "r", 1000, 78), 0),
              DenialLog::Added::Kept);
    auto s = log.since(key, 0);
    ASSERT_EQ(s.denials.size(), 1U);
    EXPECT_EQ(s.denials[0].count, 2U);
    EXPECT_EQ(s.denials[0].pid, 78U);  // the latest process
    EXPECT_EQ(heard, 2);
    // Another mask is another record; so are complain mode and another owner side.
    (void)log.add(file_record("demo//aalayer.1000.bank", "/a", "w"), 0);
    (void)log.add(file_record("demo//aalayer.1000.bank", "/a", "r", 0), 0);
    s = log.since(key, 0);
    EXPECT_EQ(s.denials.size(), 3U);
    EXPECT_EQ(s.dropped, 0U);
    (void)log.add(file_record("demo//aalayer.1000.bank", "/b", "r", 1000, 1, "ALLOWED"), 0);
    s = log.since(key, 0);
    ASSERT_EQ(s.denials.size(), 3U);  // the oldest (/a r, seen twice) went
    EXPECT_EQ(s.dropped, 1U);
    EXPECT_TRUE(s.denials.back().complain);
    EXPECT_EQ(s.denials.front().denied, "w");
    EXPECT_EQ(log.stats().dropped, 1U);
    log.forget(key);
    EXPECT_TRUE(log.since(key, 0).denials.empty());
}

TEST(Denials, AFloodOfDistinctRecordsStaysInTheRingAndCostsLittle) {
    DenialLog log;  // the default ring: 256 records
    log.set_known([](const LayerKey&) { return true; });
    const LayerKey key{1000, "demo", "bank"};
    constexpr int kRecords = 200'000;
    std::vector<std::string> records;
    records.reserve(kRecords);
    for (int i = 0; i < kRecords; ++i)
        records.push_back(file_record("demo//aalayer.1000.bank", "/home/u/f" + std::to_string(i), "r"));
    const auto start = std::chrono::steady_clock::now();
    for (const auto& r : records)
        (void)log.add(r, 0);
    const auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
    const auto s = log.since(key, 0);
    EXPECT_EQ(s.denials.size(), 256U);
    EXPECT_EQ(s.dropped, static_cast<std::uint64_t>(kRecords) - 256U);
    EXPECT_EQ(s.denials.back().path, "/home/u/f" + std::to_string(kRecords - 1));
    std::cout << "DenialLog::add, distinct records into a full ring: " << ns.count() / kRecords
              << " ns each\n";
}

class FakeLabels final : public ProcessLabels {
public:
    [[nodiscard]] std::optional<std::string> label_of(std::uint32_t pid) const override {
        if (pid == 42) return label;
        return std::nullopt;
    }
    std::string label = "demo//&demo//aalayer.1000.bank";  // of pid 42
};

TEST(Denials, RecordsOfNoKnownLayerAreDroppedBaseOnlyOnesFindTheirProcess) {
    DenialLog log;
    FakeLabels labels;
    log.set_labels(&labels);
    log.set_known([](const LayerKey& k) { return k == LayerKey{1000, "demo", "bank"}; });
    EXPECT_EQ(log.add(file_record("demo//aalayer.1001.bank", "/a", "r"), 0), DenialLog::Added::NotALayer);
    EXPECT_EQ(log.add(file_record("other", "/a", "r"), 0), DenialLog::Added::NotALayer);
    EXPECT_EQ(log.add(file_record("demo", "/srv/x", "r", 0, 43), 0), DenialLog::Added::NotALayer);  // gone
    EXPECT_EQ(log.add(file_record("other", "/srv/x", "r", 0, 42), 0),
              DenialLog::Added::NotALayer);  // not its base
    EXPECT_EQ(log.add(file_record("demo", "/srv/x", "r", 0, 42), 0), DenialLog::Added::Kept);
    EXPECT_EQ(log.add("apparmor=\"DENIED\" operation=\"open\" label=\"demo//&demo//aalayer.1000.bank\" "
                      "name=\"/x\" requested_mask=\"r\"",
                      5),
              DenialLog::Added::Kept);
    EXPECT_EQ(log.add("not a record", 0), DenialLog::Added::NotAppArmor);
    const auto s = log.since({1000, "demo", "bank"}, 0);
    ASSERT_EQ(s.denials.size(), 2U);
    EXPECT_EQ(s.denials[0].origin, DenialOrigin::Base);
    EXPECT_EQ(s.denials[1].origin, DenialOrigin::Stack);
    EXPECT_EQ(s.denials[1].last_usec, 5U);  // no audit(...) time: the source's
    EXPECT_EQ(log.stats().unattributed, 4U);
}

// ---- through the layer manager ----

const Caller kAlice{1000, ":1.10"};
const Caller kBob{1001, ":1.11"};
const Caller kRoot{0, ":1.1"};

class DenialsManagerTest : public ::testing::Test {
protected:
    DenialsManagerTest() {
        reader.add("/etc/apparmor.d/tunables/global", "@{PROC}=/proc\n");
        reader.add("/etc/apparmor.d/app",
                   "profile app /usr/bin/app {\n  /** r,\n  owner /home/*/** rwk,\n}\n");
        reader.add("/etc/aalayer/grants.d/app.conf", "grant app {\n  owner @{HOME}/docs/** rw,\n}\n");
        users.users[1000] = {1000, "alice", "/home/alice"};
        users.users[1001] = {1001, "bob", "/home/bob"};
        auth.allow(1000, kActionManageOwn);
        auth.allow(1001, kActionManageOwn);
        CatalogConfig config;
        config.grants_dir = "/etc/aalayer/grants.d";
        manager = std::make_unique<LayerManager>(Ports{reader, store, kernel, auth, users, clock, pool},
                                                 config, ServiceLimits{});
        manager->start([](const std::string&) {});
        labels.label = "app//&app//aalayer.1000.bank";
        manager->denial_log().set_labels(&labels);
    }

    // What the fake source hands over goes where aalayerd's collector puts it.
    void feed(test::FakeDenialSource& source) {
        ASSERT_FALSE(source.run([this](std::string_view text, std::uint64_t usec) {
            (void)manager->denial_log().add(text, usec);
        }));
    }

    test::TempDir dir;
    policy::MemoryReader reader;
    FileStore store{dir.path() + "/state"};
    test::FakeKernelLoader kernel;
    test::FakeAuthorizer auth;
    test::FakeUserDb users;
    test::FakeClock clock;
    WorkerPool pool{WorkerPool::Limits{2, 64, 16}};
    FakeLabels labels;
    std::unique_ptr<LayerManager> manager;
};

TEST_F(DenialsManagerTest, FakeSourceRecordsReachTheOwnerWithWhatWouldAllowThem) {
    ASSERT_TRUE(manager
                    ->apply(kAlice, std::nullopt, "app", "bank",
                            "owner @{HOME}/docs/bank/** r,\ndeny /etc/secret/** r,\n", {})
                    .ok());
    test::FakeDenialSource source({
        file_record("app//aalayer.1000.bank", "/home/alice/docs/other.txt", "r"),
        file_record("app//aalayer.1000.bank", "/home/alice/docs/bank/stmt", "wc"),
        file_record("app//aalayer.1000.bank", "/home/alice/docs/shared", "r", 0),
        file_record("app", "/etc/secret", "w", 0, 42),
        file_record("app//aalayer.1001.bank", "/home/bob/x", "r"),  // no such layer
        file_record("app//aalayer.1000.bank", "/etc/secret/k", "r", 0),
    });
    feed(source);
    std::uint64_t dropped = 7;
    auto d = manager->denials(kAlice, {1000, "app", "bank"}, 0, dropped);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(dropped, 0U);
    ASSERT_EQ(d->size(), 5U);
    // Outside the grant, the layer's own deny rule decided: the user may change that.
    EXPECT_EQ((*d)[4].allow, "layer");
    EXPECT_EQ((*d)[4].rule, "");
    EXPECT_EQ((*d)[4].note,
              "your layer's deny rule bank.layer:2:1: deny /etc/secret/** r, denies this: narrow or "
              "remove it to allow it");
    EXPECT_EQ((*d)[0].allow, "layer");
    EXPECT_EQ((*d)[0].rule, "owner /home/alice/docs/other.txt r,");
    EXPECT_EQ((*d)[1].rule, "owner /home/alice/docs/bank/stmt w,");  // create is w
    // The grant is owner-only: a file of another user's is the admin's to allow.
    EXPECT_EQ((*d)[2].allow, "admin");
    EXPECT_EQ((*d)[2].rule, "");
    EXPECT_NE((*d)[2].note.find("beyond what the grant allows"), std::string::npos) << (*d)[2].note;
    EXPECT_EQ((*d)[3].denial.origin, DenialOrigin::Base);
    EXPECT_EQ((*d)[3].allow, "admin");
    // Since: only what changed at or after it.
    EXPECT_TRUE(manager->denials(kAlice, {1000, "app", "bank"}, 1700000000000001U, dropped)->empty());
}

TEST_F(DenialsManagerTest, FakeSourceRecordsAreNobodyElsesUnlessManageAny) {
    ASSERT_TRUE(
        manager->apply(kAlice, std::nullopt, "app", "bank", "owner @{HOME}/docs/bank/** r,\n", {}).ok());
    test::FakeDenialSource source({file_record("app//aalayer.1000.bank", "/home/alice/docs/other.txt", "r")});
    feed(source);
    std::uint64_t dropped = 0;
    const LayerKey key{1000, "app", "bank"};
    auto bob = manager->denials(kBob, key, 0, dropped);
    ASSERT_FALSE(bob.ok());
    EXPECT_EQ(bob.error().kind, ServiceErrorKind::NoSuchLayer);
    EXPECT_FALSE(manager->may_read_denials(kBob, key).ok());
    EXPECT_EQ(manager->denials(kRoot, key, 0, dropped)->size(), 1U);
    auth.allow(1001, kActionManageAny);
    EXPECT_EQ(manager->denials(kBob, key, 0, dropped)->size(), 1U);
    // A removed layer's records go with it.
    ASSERT_TRUE(manager->remove(kAlice, std::nullopt, "app", "bank", false, false).ok());
    ASSERT_TRUE(
        manager->apply(kAlice, std::nullopt, "app", "bank", "owner @{HOME}/docs/bank/** r,\n", {}).ok());
    EXPECT_TRUE(manager->denials(kAlice, key, 0, dropped)->empty());
}

TEST_F(DenialsManagerTest, SetModeSwitchesWithoutTextAndReapplyingKeepsIt) {
    const std::string text = "owner @{HOME}/docs/bank/** r,\n";
    ASSERT_TRUE(manager->apply(kAlice, std::nullopt, "app", "bank", text, {}).ok());
    EXPECT_FALSE(manager->layer({1000, "app", "bank"})->complain);
    ASSERT_TRUE(manager->set_mode(kAlice, std::nullopt, "app", "bank", true, false).ok());
    EXPECT_TRUE(manager->layer({1000, "app", "bank"})->complain);
    EXPECT_NE(kernel.loaded_text("app//aalayer.1000.bank")->find("complain"), std::string::npos);
    EXPECT_EQ(manager->source(kAlice, 1000, "app", "bank").value(), text);
    // Re-applied without a mode: still complain; told enforce: enforce.
    ASSERT_TRUE(manager->apply(kAlice, std::nullopt, "app", "bank", text + "\n", {}).ok());
    EXPECT_TRUE(manager->layer({1000, "app", "bank"})->complain);
    ApplyOptions enforce;
    enforce.complain = false;
    ASSERT_TRUE(manager->apply(kAlice, std::nullopt, "app", "bank", text, enforce).ok());
    EXPECT_FALSE(manager->layer({1000, "app", "bank"})->complain);
    // Another user's layer: missing to them; manage-any for the admin.
    auto bob = manager->set_mode(kBob, std::nullopt, "app", "bank", true, false);
    EXPECT_EQ(bob.error().kind, ServiceErrorKind::NoSuchLayer);
    auto bob_for = manager->set_mode(kBob, 1000, "app", "bank", true, false);
    EXPECT_EQ(bob_for.error().kind, ServiceErrorKind::PermissionDenied);
    EXPECT_TRUE(manager->set_mode(kRoot, 1000, "app", "bank", true, false).ok());
}

TEST_F(DenialsManagerTest, FakeSourceRecordsLearnedIntoRulesThatApplyAndAllowThem) {
    const std::string text = "owner @{HOME}/docs/bank/** r,\ndeny /etc/secret/** r,";  // no final newline
    ASSERT_TRUE(manager->apply(kAlice, std::nullopt, "app", "bank", text, {}).ok());
    test::FakeDenialSource source({
        file_record("app//aalayer.1000.bank", "/home/alice/docs/trip/a.pdf", "r"),
        file_record("app//aalayer.1000.bank", "/home/alice/docs/trip/b.pdf", "wc"),
        file_record("app//aalayer.1000.bank", "/home/alice/docs/bank/stmt", "r"),  // allowed already
        file_record("app//aalayer.1000.bank", "/home/alice/docs/shared", "r", 0),  // not owner: admin
        file_record("app//aalayer.1000.bank", "/etc/secret/k", "r", 0),            // the deny rule
        file_record("app", "/etc/shadow", "r", 0, 42),                             // the base's
    });
    feed(source);
    const LayerKey key{1000, "app", "bank"};
    auto learned = manager->learn(kAlice, key, 0);
    ASSERT_TRUE(learned.ok()) << learned.error().message;
    ASSERT_EQ(learned->proposals.size(), 1U);
    EXPECT_EQ(learned->proposals[0].rule, "owner @{HOME}/docs/trip/** rw,");
    EXPECT_EQ(learned->proposals[0].why, "2 paths under @{HOME}/docs/trip/");
    EXPECT_EQ(learned->proposals[0].accesses,
              (std::vector<std::string>{"/home/alice/docs/trip/a.pdf r (owner)",
                                        "/home/alice/docs/trip/b.pdf wc (owner)"}));
    EXPECT_EQ(learned->text, text);
    EXPECT_EQ(learned->new_text, text + "\nowner @{HOME}/docs/trip/** rw,\n");
    ASSERT_EQ(learned->unproposed.size(), 4U);
    std::map<std::string, std::string> notes;
    for (const auto& u : learned->unproposed)
        notes[u.access] = u.allow + ": " + u.note;
    EXPECT_EQ(notes["/home/alice/docs/bank/stmt r (owner)"], "layer: your layer allows this already");
    EXPECT_NE(notes["/home/alice/docs/shared r"].find("admin: beyond what the grant allows"),
              std::string::npos);
    EXPECT_NE(notes["/etc/secret/k r"].find("layer: your layer's deny rule"), std::string::npos);
    EXPECT_NE(notes["/etc/shadow r"].find("admin: "), std::string::npos);

    // The new text applies, and the learned layer allows what was asked.
    ASSERT_TRUE(manager->apply(kAlice, std::nullopt, "app", "bank", learned->new_text, {}).ok());
    EXPECT_EQ(manager->explain(kAlice, 1000, "app", "bank", "/home/alice/docs/trip/b.pdf")->perms,
              "owner=rwa other=");
    // Learning again proposes nothing new.
    auto again = manager->learn(kAlice, key, 0);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->proposals.empty());
    EXPECT_EQ(again->new_text, learned->new_text);

    // Who may: as for the records themselves.
    EXPECT_EQ(manager->learn(kBob, key, 0).error().kind, ServiceErrorKind::NoSuchLayer);
    EXPECT_TRUE(manager->learn(kRoot, key, 0).ok());
}

TEST_F(DenialsManagerTest, LearnOnAFullRingOfFakeSourceRecordsIsBoundedAndQuick) {
    ASSERT_TRUE(
        manager->apply(kAlice, std::nullopt, "app", "bank", "owner @{HOME}/docs/bank/** r,\n", {}).ok());
    // A full ring: 256 distinct files in 64 folders, a quarter of them outside the grant.
    std::vector<std::string> records;
    for (int i = 0; i < 256; ++i) {
        const std::string folder = i % 4 == 0 ? "/etc/d" : "/home/alice/docs/d";
        records.push_back(file_record("app//aalayer.1000.bank",
                                      folder + std::to_string(i % 64) + "/f" + std::to_string(i),
                                      i % 2 == 0 ? "r" : "rw"));
    }
    test::FakeDenialSource source(records);
    feed(source);
    const auto start = std::chrono::steady_clock::now();
    auto learned = manager->learn(kAlice, {1000, "app", "bank"}, 0);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    ASSERT_TRUE(learned.ok()) << learned.error().message;
    // 48 folders inside the grant with 4 files each: one subtree each; the 64 outside are the admin's.
    EXPECT_EQ(learned->proposals.size(), 48U);
    EXPECT_EQ(learned->proposals.front().rule, "owner @{HOME}/docs/d1/** rw,");
    EXPECT_EQ(learned->unproposed.size(), 64U);
    std::cout << "LayerManager::learn, a full ring of 256 records: " << ms.count() << " ms\n";
}

}  // namespace
}  // namespace aalayer::service
