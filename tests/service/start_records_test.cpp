// Start records (docs/service.md, "Start"): a restart takes each layer whose
// stored text and inputs are unchanged from its record, loading the child it
// recorded, and composes the rest; the file is all or nothing and only for
// the build that wrote it.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "service/store/start_record_file.h"
#include "tests/service/manager_fixture.h"

namespace aalayer::service {
namespace {

// The records as the manager wrote them, in memory: what a restart reads.
class MemoryRecords final : public StartRecordStore {
public:
    std::optional<StartRecords> read() override {
        ++reads;
        if (!kept) return std::nullopt;
        // Through the file format, as aalayerd keeps them.
        auto parsed = parse_start_records(*kept);
        EXPECT_TRUE(parsed.ok()) << parsed.error().message;
        if (!parsed) return std::nullopt;
        return std::move(parsed.value());
    }
    ServiceStatus write(const StartRecords& records) override {
        ++writes;
        kept = serialize_start_records(records);
        return Done{};
    }
    std::optional<std::string> kept;
    int reads = 0;
    int writes = 0;
};

class StartRecordsTest : public LayerManagerTest {
protected:
    StartRecordsTest() {
        reader.add("/etc/apparmor.d/other",
                   "profile other /usr/bin/other {\n  /** r,\n  owner /home/** rw,\n}\n");
        reader.add("/etc/aalayer/grants.d/other.conf", "grant other {\n  owner @{HOME}/** rw,\n}\n");
        start_records = &records;
    }
    // Alice: two layers on app, one on other; Bob: one on each.
    void apply_all() {
        for (const auto& [caller, base, name] :
             {std::tuple{kAlice, "app", "a1"}, std::tuple{kAlice, "app", "a2"},
              std::tuple{kAlice, "other", "a3"}, std::tuple{kBob, "app", "b1"},
              std::tuple{kBob, "other", "b2"}}) {
            auto r = manager().apply(caller, std::nullopt, base, name, "owner @{HOME}/docs/** rw,\n", {});
            ASSERT_TRUE(r.ok()) << r.error().message;
        }
    }
    // A stop as aalayerd's, which saves the records; the next manager()
    // starts again, reading them.
    void restart_saving() {
        manager().save_start_records([](const std::string&) {});
        restart();
        kernel.loaded.clear();
    }

    MemoryRecords records;
};

TEST_F(StartRecordsTest, ARestartTakesEveryUnchangedLayerFromItsRecord) {
    apply_all();
    const auto views_before = manager().layers();
    const std::string child = kernel.loaded_text("app//aalayer.1000.a1").value();
    restart_saving();
    EXPECT_EQ(manager().started_from_records(), 5U);
    EXPECT_EQ(records.reads, 2);  // the first start found none
    // What the kernel got and what the bus shows are what composing gave.
    EXPECT_EQ(kernel.loaded_text("app//aalayer.1000.a1"), child);
    EXPECT_EQ(kernel.loaded.size(), 5U);
    const auto views_after = manager().layers();
    ASSERT_EQ(views_after.size(), views_before.size());
    for (std::size_t i = 0; i < views_after.size(); ++i) {
        EXPECT_EQ(views_after[i].state, views_before[i].state);
        EXPECT_EQ(views_after[i].findings, views_before[i].findings);
    }
    // Queries compose on demand, and find the policy the record stood for.
    EXPECT_EQ(manager().explain(kAlice, 1000, "app", "a1", "/home/alice/docs/x")->perms, "owner=rwa other=");
    EXPECT_EQ(manager().explain(kBob, 1001, "other", "b2", "/home/bob/x")->perms, "owner= other=");
    // A reload after it finds nothing changed, as after a composing start.
    std::vector<std::string> lines;
    manager().refresh([&](const std::string& l) { lines.push_back(l); });
    EXPECT_NE(
        std::find(lines.begin(), lines.end(),
                  "grants and bases read again: 0 layers recomputed, 0 changed, 5 skipped as unchanged"),
        lines.end());
}

TEST_F(StartRecordsTest, AChangedGrantComposesOnlyItsBasesLayers) {
    apply_all();
    restart_saving();
    reader.add("/etc/aalayer/grants.d/other.conf", "grant other {\n  owner @{HOME}/docs/** r,\n}\n");
    EXPECT_EQ(manager().started_from_records(), 3U);
    // Composed with the new grant: rw clipped to r.
    EXPECT_EQ(manager().explain(kAlice, 1000, "other", "a3", "/home/alice/docs/x")->perms, "owner=r other=");
    // And recorded again: the next start takes all of them.
    restart_saving();
    EXPECT_EQ(manager().started_from_records(), 5U);
    EXPECT_EQ(manager().explain(kAlice, 1000, "other", "a3", "/home/alice/docs/x")->perms, "owner=r other=");
}

TEST_F(StartRecordsTest, AChangedBaseHomeOrStoredTextIsComposed) {
    apply_all();
    restart_saving();
    // The base, Bob's home, and the text on disk of one of Alice's layers.
    reader.add("/etc/apparmor.d/app", "profile app /usr/bin/app {\n  /** r,\n  owner /home/*/** r,\n}\n");
    users.users[1001].home = "/home/bob2";
    std::vector<std::string> problems;
    auto stored = store.load_all(problems).value();
    StoredLayer edited =
        *std::find_if(stored.begin(), stored.end(), [](const StoredLayer& l) { return l.name == "a3"; });
    edited.text = "owner @{HOME}/docs/a/** rw,\n";
    edited.accepted_child.clear();
    ASSERT_TRUE(store.save(edited).ok());
    // The base changed a1, a2 and b1; the home b1 and b2; the text a3.
    EXPECT_EQ(manager().started_from_records(), 0U);
    EXPECT_EQ(manager().explain(kAlice, 1000, "app", "a1", "/home/alice/docs/x")->perms, "owner=r other=");
    EXPECT_EQ(manager().explain(kAlice, 1000, "other", "a3", "/home/alice/docs/b")->perms, "owner= other=");
}

TEST_F(StartRecordsTest, RecordsOfAnotherSetOfLayersAreIgnoredWhereTheyDoNotFit) {
    apply_all();
    ASSERT_TRUE(manager().remove(kAlice, std::nullopt, "app", "a2", false, false).ok());
    restart_saving();
    EXPECT_EQ(manager().started_from_records(), 4U);
    EXPECT_FALSE(manager().layer({1000, "app", "a2"}));
}

// The record's child is what composing would give again (its inputs are
// unchanged), so one the kernel refuses now fails as a composed one does.
TEST_F(StartRecordsTest, AChildTheKernelRefusesNowFailsAsAComposedOneWould) {
    apply_all();
    kernel.refused.insert("app//aalayer.1000.a1");
    restart();  // no records: every layer composed
    kernel.loaded.clear();
    const auto composed = manager().layer({1000, "app", "a1"});
    kernel.refused.clear();
    restart();
    kernel.loaded.clear();
    restart_saving();
    kernel.refused.insert("app//aalayer.1000.a1");
    LayerManager& m = manager();
    EXPECT_EQ(m.started_from_records(), 5U);
    const auto from_record = m.layer({1000, "app", "a1"});
    ASSERT_TRUE(composed.has_value());
    ASSERT_TRUE(from_record.has_value());
    EXPECT_EQ(from_record->state, LayerState::Failed);
    EXPECT_EQ(from_record->state, composed->state);
    EXPECT_EQ(from_record->findings, composed->findings);
    EXPECT_EQ(kernel.loaded.size(), 4U);
}

TEST_F(StartRecordsTest, NoRecordsComposesEverythingAndWritesThem) {
    apply_all();
    restart();
    kernel.loaded.clear();
    EXPECT_EQ(manager().started_from_records(), 0U);
    EXPECT_EQ(records.writes, 1);  // start wrote what it composed
    restart();
    EXPECT_EQ(manager().started_from_records(), 5U);
    EXPECT_EQ(records.writes, 1);  // nothing new to write
}

StartRecords two_layers_sharing_a_record() {
    auto shared = std::make_shared<SourceRecord>();
    shared->answers[{SourceRecord::Kind::Read, "/etc/apparmor.d/tunables/global", 1 << 20}] = 42;
    shared->answers[{SourceRecord::Kind::List, "/etc/apparmor.d/tunables/global.d", 0}] = 7;
    auto own = std::make_shared<SourceRecord>();
    own->answers[{SourceRecord::Kind::Stat, "/path with\nnewline and 12:colon", 0}] = 1;
    StartRecords records;
    for (std::uint32_t uid : {1000U, 1001U}) {
        auto inputs = std::make_shared<LayerInputs>();
        inputs->sources = {shared, uid == 1000 ? own : nullptr};
        inputs->base_file = "/etc/apparmor.d/app";
        inputs->grant_file = "/etc/aalayer/grants.d/app.conf";
        inputs->identity = policy::UserIdentity(uid, "u" + std::to_string(uid), "/home/u", "/srv/u");
        inputs->settings = 0xfeedfacecafebeefULL;
        records[LayerKey{uid, "app", "bank"}] = StartRecord{
            uid * 3ULL,
            uid == 1001,
            {policy::Finding{policy::Severity::Warning, policy::Location{"layer bank", 2, 7}, "clipped\n"}},
            "profile child {\n}\n",
            99,
            inputs};
    }
    return records;
}

TEST(StartRecordFormat, RoundTripsAndKeepsSharedRecordsShared) {
    const StartRecords records = two_layers_sharing_a_record();
    auto parsed = parse_start_records(serialize_start_records(records));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ASSERT_EQ(parsed->size(), 2U);
    for (const auto& [key, want] : records) {
        const StartRecord& got = parsed->at(key);
        EXPECT_EQ(got.stored_sum, want.stored_sum);
        EXPECT_EQ(got.review, want.review);
        EXPECT_EQ(got.findings, want.findings);
        EXPECT_EQ(got.loaded_text, want.loaded_text);
        EXPECT_EQ(got.child_sum, want.child_sum);
        EXPECT_EQ(got.inputs->identity.resolved_home, "/srv/u");
        EXPECT_EQ(got.inputs->settings, want.inputs->settings);
        ASSERT_EQ(got.inputs->sources.size(), 2U);
        EXPECT_EQ(got.inputs->sources[0]->answers, want.inputs->sources[0]->answers);
        EXPECT_EQ(static_cast<bool>(got.inputs->sources[1]), static_cast<bool>(want.inputs->sources[1]));
    }
    EXPECT_EQ(parsed->at({1000, "app", "bank"}).inputs->sources[0],
              parsed->at({1001, "app", "bank"}).inputs->sources[0]);
}

TEST(StartRecordFormat, EveryTruncationAndAppendixIsRefused) {
    const std::string body = serialize_start_records(two_layers_sharing_a_record());
    for (std::size_t n = 0; n < body.size(); ++n)
        EXPECT_FALSE(parse_start_records(body.substr(0, n)).ok()) << n;
    EXPECT_FALSE(parse_start_records(body + "0 ").ok());
    // A count no body could hold does not size anything.
    EXPECT_FALSE(parse_start_records("18446744073709551615 ").ok());
}

TEST(StartRecordFile, IsTakenBackOnlyWholeAndByTheBuildThatWroteIt) {
    test::TempDir dir;
    const std::string path = dir.path() + "/cache/start-records";
    StartRecordFile none(path, "build-a");
    EXPECT_FALSE(none.read());
    EXPECT_EQ(none.unusable(), "");  // no file yet: nothing to report
    ASSERT_TRUE(none.write(two_layers_sharing_a_record()).ok());
    StartRecordFile same(path, "build-a");
    auto back = same.read();
    ASSERT_TRUE(back);
    EXPECT_EQ(back->size(), 2U);
    StartRecordFile other(path, "build-b");
    EXPECT_FALSE(other.read());
    EXPECT_EQ(other.unusable(), "written by another build of aalayerd");
    // One byte changed in the body: the checksum finds it.
    std::string content;
    {
        std::ifstream in(path, std::ios::binary);
        content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    content[content.size() - 3] ^= 1;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    EXPECT_FALSE(same.read());
    EXPECT_NE(same.unusable(), "");
}

}  // namespace
}  // namespace aalayer::service
