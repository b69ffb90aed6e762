// Denial records kept across restarts (keep_denials): the layer manager with
// the real layer and denial file stores in a temporary state directory, a
// manager destroyed and made again as aalayerd's restart does; polkit, the
// kernel and the users are the usual fakes (tests/service/fakes.h).
#include "service/core/denial_keeper.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <gtest/gtest.h>

#include "policy/source/memory_reader.h"
#include "service/bus/worker_pool.h"
#include "service/core/layer_manager.h"
#include "service/store/denial_file_store.h"
#include "service/store/file_store.h"
#include "tests/service/fakes.h"
#include "tests/support/process.h"

namespace aalayer::service {
namespace {

namespace fs = std::filesystem;
using test::read_all;

const Caller kAlice{1000, ":1.10"};
const LayerKey kBank{1000, "app", "bank"};
const LayerKey kMail{1000, "app", "mail"};

// The kernel writes a name with a space, a quote or a control character in hex.
std::string audit_name(const std::string& path) {
    if (path.find_first_of(" \"\n") == std::string::npos) return "\"" + path + "\"";
    std::string hex;
    for (const char c : path) {
        char buf[3];
        std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned char>(c));
        hex += buf;
    }
    return hex;
}

std::string record(const std::string& layer, const std::string& path, int second = 0) {
    return "audit: type=1400 audit(" + std::to_string(1700000000 + second) +
           ".000:1): apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"app//aalayer.1000." +
           layer + "\" name=" + audit_name(path) +
           " pid=77 comm=\"cat\" requested_mask=\"r\" denied_mask=\"r\" fsuid=1000 ouid=1000";
}

// The real file store, its saves counted: how often a flood writes.
class CountedDenialStore final : public DenialStore {
public:
    explicit CountedDenialStore(DenialStore& real) : real_(real) {}
    Outcome<std::vector<StoredDenials>> load_all(std::vector<std::string>& problems) override {
        return real_.load_all(problems);
    }
    ServiceStatus save(const StoredDenials& denials) override {
        ++saves;
        return real_.save(denials);
    }
    ServiceStatus erase(const LayerKey& key) override { return real_.erase(key); }
    Outcome<bool> erase_all() override { return real_.erase_all(); }
    std::size_t saves = 0;

private:
    DenialStore& real_;
};

class DenialKeepingTest : public ::testing::Test {
protected:
    DenialKeepingTest() {
        reader.add("/etc/apparmor.d/tunables/global", "@{PROC}=/proc\n");
        reader.add("/etc/apparmor.d/app",
                   "profile app /usr/bin/app {\n  /** r,\n  owner /home/*/** rwk,\n}\n");
        reader.add("/etc/aalayer/grants.d/app.conf", "grant app {\n  owner @{HOME}/docs/** rw,\n}\n");
        users.users[1000] = {1000, "alice", "/home/alice"};
        auth.allow(1000, kActionManageOwn);
    }

    // A manager as aalayerd makes one at start: keeping or not, started.
    void start(bool keep, DenialLimits limits = {}) {
        manager.reset();
        messages.clear();
        ServiceLimits service_limits;
        service_limits.denials = limits;
        CatalogConfig config;
        config.grants_dir = "/etc/aalayer/grants.d";
        manager = std::make_unique<LayerManager>(Ports{reader, store, kernel, auth, users, clock, pool},
                                                 config, service_limits);
        manager->keep_denials(counted, keep);
        manager->start([this](const std::string& m) { messages += m + "\n"; });
    }

    void apply(const std::string& name) {
        ASSERT_TRUE(manager->apply(kAlice, std::nullopt, "app", name, "owner @{HOME}/docs/x r,\n", {}).ok());
    }

    void feed(const std::string& text) { (void)manager->denial_log().add(text, 0); }

    std::vector<DenialView> records(const LayerKey& key) {
        std::uint64_t dropped = 0;
        auto d = manager->denials(kAlice, key, 0, dropped);
        EXPECT_TRUE(d.ok()) << d.error().message;
        return d.ok() ? d.value() : std::vector<DenialView>{};
    }

    [[nodiscard]] std::string denials_dir() const { return dir.path() + "/state/denials"; }

    test::TempDir dir;
    policy::MemoryReader reader;
    FileStore store{dir.path() + "/state/layers"};
    DenialFileStore files{dir.path() + "/state/denials"};
    CountedDenialStore counted{files};
    test::FakeKernelLoader kernel;
    test::FakeAuthorizer auth;
    test::FakeUserDb users;
    test::FakeClock clock;
    WorkerPool pool{WorkerPool::Limits{2, 64, 16}};
    std::string messages;
    std::unique_ptr<LayerManager> manager;
};

TEST_F(DenialKeepingTest, RecordsSurviveARestartOfTheManagerWithTheirTimesAndCounts) {
    start(true);
    apply("bank");
    feed(record("bank", "/home/alice/docs/a", 1));
    feed(record("bank", "/home/alice/docs/a", 5));
    feed(record("bank", "/home/alice/docs/b\nwith a newline", 3));
    manager->save_denials();
    const auto before = records(kBank);
    ASSERT_EQ(before.size(), 2U);
    // Private as the layer files: the records name users' files.
    for (const std::string& d : {denials_dir(), fs::path(files.path_of(kBank)).parent_path().string()})
        EXPECT_EQ(fs::status(d).permissions() & fs::perms::all, fs::perms::owner_all) << d;

    start(true);  // the restart
    const auto after = records(kBank);
    ASSERT_EQ(after.size(), 2U) << messages;
    for (std::size_t i = 0; i < after.size(); ++i) {
        const Denial& a = before[i].denial;
        const Denial& b = after[i].denial;
        EXPECT_EQ(b.path, a.path);
        EXPECT_EQ(b.first_usec, a.first_usec);
        EXPECT_EQ(b.last_usec, a.last_usec);
        EXPECT_EQ(b.count, a.count);
        EXPECT_EQ(b.denied, a.denied);
        EXPECT_EQ(b.owner(), a.owner());
        EXPECT_EQ(after[i].rule, before[i].rule);
    }
    EXPECT_EQ(after[0].denial.count, 2U);
    EXPECT_EQ(after[0].denial.first_usec, 1700000001000000U);
    EXPECT_EQ(after[0].denial.last_usec, 1700000005000000U);
    EXPECT_EQ(after[1].denial.path, "/home/alice/docs/b\nwith a newline");
    // The same access seen again after the restart counts on the loaded record.
    feed(record("bank", "/home/alice/docs/a", 9));
    const auto again = records(kBank);
    ASSERT_EQ(again.size(), 2U);
    EXPECT_EQ(again[1].denial.path, "/home/alice/docs/a");
    EXPECT_EQ(again[1].denial.count, 3U);
}

TEST_F(DenialKeepingTest, OffNothingIsWrittenAndWhatAnEarlierOptInSavedIsRemoved) {
    start(false);
    apply("bank");
    feed(record("bank", "/home/alice/docs/a"));
    manager->save_denials();
    EXPECT_FALSE(fs::exists(denials_dir()));
    EXPECT_EQ(counted.saves, 0U);

    start(true);
    feed(record("bank", "/home/alice/docs/a"));
    manager->save_denials();
    ASSERT_TRUE(fs::exists(files.path_of(kBank)));

    start(false);  // the admin turned it off again
    EXPECT_FALSE(fs::exists(denials_dir()));
    EXPECT_NE(messages.find("keep_denials is off: removed the denial records saved before"),
              std::string::npos)
        << messages;
    EXPECT_TRUE(records(kBank).empty());
}

TEST_F(DenialKeepingTest, ACorruptOrTruncatedFileIsLoggedAndIgnored) {
    start(true);
    apply("bank");
    apply("mail");
    feed(record("bank", "/home/alice/docs/a"));
    feed(record("mail", "/home/alice/docs/m"));
    manager->save_denials();
    const std::string bank = files.path_of(kBank);
    std::string content = read_all(bank);
    ASSERT_GT(content.size(), 40U);
    content.resize(content.size() - 10);  // truncated, as by a full disk or a copy cut short
    std::ofstream(bank, std::ios::binary | std::ios::trunc) << content;

    start(true);
    EXPECT_NE(messages.find(bank + ": cannot use these denial records"), std::string::npos) << messages;
    EXPECT_NE(messages.find("truncated"), std::string::npos) << messages;
    // The service started: both layers there, the other layer's records loaded.
    EXPECT_EQ(manager->layers().size(), 2U);
    EXPECT_TRUE(records(kBank).empty());
    ASSERT_EQ(records(kMail).size(), 1U);
    EXPECT_EQ(records(kMail)[0].denial.path, "/home/alice/docs/m");
    // The layer's next save replaces the bad file.
    feed(record("bank", "/home/alice/docs/new"));
    manager->save_denials();
    start(true);
    EXPECT_EQ(messages.find("cannot use"), std::string::npos) << messages;
    ASSERT_EQ(records(kBank).size(), 1U);

    // A flipped byte inside a record fails the checksum.
    content = read_all(bank);
    content[content.size() - 5] ^= 0x20;
    std::ofstream(bank, std::ios::binary | std::ios::trunc) << content;
    start(true);
    EXPECT_NE(messages.find("checksum mismatch"), std::string::npos) << messages;
    EXPECT_EQ(records(kMail).size(), 1U);
}

TEST_F(DenialKeepingTest, RemovingALayerRemovesItsSavedRecords) {
    start(true);
    apply("bank");
    apply("mail");
    feed(record("bank", "/home/alice/docs/a"));
    feed(record("mail", "/home/alice/docs/m"));
    manager->save_denials();
    ASSERT_TRUE(fs::exists(files.path_of(kBank)));
    ASSERT_TRUE(manager->remove(kAlice, std::nullopt, "app", "bank", false, false).ok());
    EXPECT_FALSE(fs::exists(files.path_of(kBank)));
    EXPECT_TRUE(fs::exists(files.path_of(kMail)));
    manager->save_denials();  // a later save does not bring it back
    EXPECT_FALSE(fs::exists(files.path_of(kBank)));

    // A layer gone while the service was stopped: its records go at start.
    manager.reset();
    ASSERT_TRUE(store.erase(kMail.uid, kMail.base, kMail.name).ok());
    start(true);
    EXPECT_FALSE(fs::exists(files.path_of(kMail)));
    EXPECT_TRUE(manager->layers().empty());
}

TEST_F(DenialKeepingTest, AFloodIsBoundedOnDiskAndWrittenOncePerSave) {
    constexpr std::size_t kRing = 256;  // the default max_denials_per_layer
    start(true, DenialLimits{kRing});
    apply("bank");
    constexpr int kRecords = 20'000;
    for (int i = 0; i < kRecords; ++i)
        feed(record("bank", "/home/alice/docs/flood/some/deeper/path/file-" + std::to_string(i), i));
    const auto t = std::chrono::steady_clock::now();
    manager->save_denials();
    const auto took =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t);
    EXPECT_EQ(counted.saves, 1U);  // one write for the whole flood
    manager->save_denials();
    EXPECT_EQ(counted.saves, 1U);  // nothing changed: nothing written
    const auto size = fs::file_size(files.path_of(kBank));
    std::cout << "a full ring of " << kRing << " records: " << size << " bytes on disk, saved in "
              << took.count() << " us\n";

    std::vector<std::string> problems;
    auto saved = files.load_all(problems);
    ASSERT_TRUE(saved.ok());
    ASSERT_EQ(saved->size(), 1U);
    EXPECT_EQ((*saved)[0].records.size(), kRing);
    EXPECT_EQ((*saved)[0].dropped, kRecords - kRing);

    // Restarted with a smaller ring: the newest records stay, the rest count as dropped.
    start(true, DenialLimits{16});
    std::uint64_t dropped = 0;
    auto d = manager->denials(kAlice, kBank, 0, dropped);
    ASSERT_TRUE(d.ok());
    ASSERT_EQ(d->size(), 16U);
    EXPECT_EQ(dropped, kRecords - 16U);
    EXPECT_EQ(d->back().denial.path,
              "/home/alice/docs/flood/some/deeper/path/file-" + std::to_string(kRecords - 1));
    manager->save_denials();  // the trimmed ring replaces the larger file
    EXPECT_EQ(counted.saves, 2U);
    problems.clear();
    saved = files.load_all(problems);
    ASSERT_TRUE(saved.ok());
    ASSERT_EQ(saved->size(), 1U);
    EXPECT_EQ((*saved)[0].records.size(), 16U);
    manager->save_denials();  // nothing new since
    EXPECT_EQ(counted.saves, 2U);
}

TEST(DenialFile, RoundTripsEveryFieldAndRejectsWhatIsNotWhole) {
    StoredDenials s{{1000, "/usr/bin/man", "x"}, 3, {}};
    Denial d;
    d.first_usec = 1;
    d.last_usec = 2;
    d.count = 4;
    d.operation = "open";
    d.klass = "file";
    d.path = std::string("/a\n9:b\0c", 8);
    d.peer = "peer";
    d.detail = "detail";
    d.requested = "r";
    d.denied = "r";
    d.fsuid = 1000;
    d.pid = 5;
    d.comm = "cat";
    d.info = "info";
    d.complain = true;
    d.origin = DenialOrigin::Stack;
    s.records.push_back(d);
    Denial plain;
    plain.count = 1;
    plain.path = "/b";
    s.records.push_back(plain);
    const std::string text = serialize_denials(s);
    auto back = parse_denials(text);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->key, s.key);
    EXPECT_EQ(back->dropped, 3U);
    ASSERT_EQ(back->records.size(), 2U);
    const Denial& r = back->records[0];
    EXPECT_EQ(r.path, d.path);
    EXPECT_EQ(r.fsuid, d.fsuid);
    EXPECT_FALSE(r.ouid);
    EXPECT_EQ(r.count, 4U);
    EXPECT_EQ(r.first_usec, 1U);
    EXPECT_EQ(r.last_usec, 2U);
    EXPECT_EQ(r.pid, 5U);
    EXPECT_EQ(r.comm, "cat");
    EXPECT_EQ(r.info, "info");
    EXPECT_TRUE(r.complain);
    EXPECT_EQ(r.origin, DenialOrigin::Stack);
    EXPECT_EQ(back->records[1].path, "/b");
    // Every shorter prefix fails, none is read as fewer records.
    for (std::size_t n = 0; n < text.size(); ++n)
        EXPECT_FALSE(parse_denials(text.substr(0, n)).ok()) << n;
    EXPECT_FALSE(parse_denials(text + "x").ok());
}

}  // namespace
}  // namespace aalayer::service
