// The layer files: round trip, atomic replacement, and that every kind of
// damage is detected rather than loaded.
#include "service/store/file_store.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <sys/mount.h>

#include "tests/support/process.h"

namespace aalayer::service {
namespace {

namespace fs = std::filesystem;

StoredLayer sample() {
    return StoredLayer{1000,
                       "/usr/lib/firefox{,-[0-9]*}/firefox",
                       "banking",
                       "owner @{HOME}/.mozilla/** rw,\n# a comment with \"quotes\" and\nno final newline",
                       true,
                       false,
                       1'700'000'000'000'000ULL,
                       "profile b//aalayer.1000.banking {\n  /** r,\n}\n"};
}

TEST(FileStore, SaveLoadEraseRoundTrip) {
    test::TempDir dir;
    FileStore store(dir.path() + "/state");
    ASSERT_TRUE(store.save(sample()).ok());
    StoredLayer other = sample();
    other.uid = 1001;
    other.base = "man";
    ASSERT_TRUE(store.save(other).ok());
    std::vector<std::string> problems;
    auto all = store.load_all(problems);
    ASSERT_TRUE(all.ok());
    EXPECT_TRUE(problems.empty());
    ASSERT_EQ(all->size(), 2U);
    EXPECT_TRUE(std::find(all->begin(), all->end(), sample()) != all->end());
    // Base names with '/' and braces become one path element.
    EXPECT_EQ(fs::path(store.path_of(1000, sample().base, "banking")).parent_path().filename().string(),
              "%2Fusr%2Flib%2Ffirefox%7B%2C-%5B0-9%5D%2A%7D%2Ffirefox");
    ASSERT_TRUE(store.erase(1000, sample().base, "banking").ok());
    ASSERT_TRUE(store.erase(1000, sample().base, "banking").ok());  // erasing twice is fine
    EXPECT_EQ(store.load_all(problems)->size(), 1U);
}

TEST(FileStore, ReplaceLeavesNoTemporaryFiles) {
    test::TempDir dir;
    FileStore store(dir.path());
    StoredLayer l = sample();
    for (int i = 0; i < 20; ++i) {
        l.text = "# version " + std::to_string(i) + "\n";
        ASSERT_TRUE(store.save(l).ok());
    }
    std::size_t files = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir.path()))
        files += e.is_regular_file() ? 1 : 0;
    EXPECT_EQ(files, 1U);
    std::vector<std::string> problems;
    EXPECT_EQ(store.load_all(problems)->front().text, "# version 19\n");
}

TEST(FileStore, LeftoverTemporaryFromACrashIsRemovedAndTheOldFileStands) {
    test::TempDir dir;
    FileStore store(dir.path());
    ASSERT_TRUE(store.save(sample()).ok());
    const fs::path file = store.path_of(sample().uid, sample().base, sample().name);
    const fs::path tmp = file.parent_path() / ".banking.layer.tmp-abcdef";
    { std::ofstream(tmp) << "aalayer-layer 1\nuid 10"; }  // a write cut short
    std::vector<std::string> problems;
    auto all = store.load_all(problems);
    ASSERT_EQ(all->size(), 1U);
    EXPECT_EQ(all->front(), sample());
    EXPECT_TRUE(problems.empty());
    EXPECT_FALSE(fs::exists(tmp));
}

TEST(FileStore, EveryDamageIsDetected) {
    const std::string good = serialize_layer(sample());
    ASSERT_TRUE(parse_layer(good).ok());
    // Truncated anywhere, one byte flipped anywhere: never accepted.
    for (std::size_t cut = 0; cut < good.size(); ++cut)
        EXPECT_FALSE(parse_layer(good.substr(0, cut)).ok()) << "cut at " << cut;
    for (std::size_t i = 0; i < good.size(); ++i) {
        std::string bad = good;
        bad[i] = static_cast<char>(bad[i] ^ 0x20);
        EXPECT_FALSE(parse_layer(bad).ok()) << "flipped byte " << i;
    }
}

// A file written before the accepted child was kept reads as before, with
// none; one with it keeps text and child apart.
TEST(FileStore, TheAcceptedChildIsOptionalAndKeptApart) {
    StoredLayer old = sample();
    old.accepted_child.clear();
    const std::string legacy = serialize_layer(old);
    EXPECT_EQ(legacy.find("accepted "), std::string::npos);
    auto read = parse_layer(legacy);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read.value(), old);
    auto both = parse_layer(serialize_layer(sample()));
    ASSERT_TRUE(both.ok());
    EXPECT_EQ(both->text, sample().text);
    EXPECT_EQ(both->accepted_child, sample().accepted_child);
}

TEST(FileStore, DamagedFileIsReportedAndLeftInPlace) {
    test::TempDir dir;
    FileStore store(dir.path());
    ASSERT_TRUE(store.save(sample()).ok());
    StoredLayer other = sample();
    other.name = "other";
    ASSERT_TRUE(store.save(other).ok());
    const std::string path = store.path_of(other.uid, other.base, other.name);
    fs::resize_file(path, 40);
    std::vector<std::string> problems;
    auto all = store.load_all(problems);
    ASSERT_EQ(all->size(), 1U);
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_NE(problems[0].find(path + ": cannot use this layer file"), std::string::npos) << problems[0];
    EXPECT_TRUE(fs::exists(path));
}

TEST(FileStore, AFileInTheWrongPlaceIsNotTrusted) {
    test::TempDir dir;
    FileStore store(dir.path());
    ASSERT_TRUE(store.save(sample()).ok());
    // Copied into another user's directory: its header says uid 1000.
    const fs::path from = store.path_of(1000, sample().base, "banking");
    const fs::path to = store.path_of(1001, sample().base, "banking");
    fs::create_directories(to.parent_path());
    fs::copy_file(from, to);
    std::vector<std::string> problems;
    auto all = store.load_all(problems);
    EXPECT_EQ(all->size(), 1U);
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_NE(problems[0].find("does not match its place"), std::string::npos);
}

// A small tmpfs as the state dir: the write that does not fit fails with a
// LimitExceeded the admin can act on, and the stored version stays whole.
TEST(FileStore, FullDiskIsALimitAndTheOldVersionStays) {
    test::TempDir dir;
    if (::mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=16k") != 0) {
        GTEST_SKIP() << "cannot mount a tmpfs here (not root?)";
    }
    struct Unmount {
        std::string path;
        ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
    } unmount{dir.path()};
    FileStore store(dir.path());
    StoredLayer l = sample();
    l.text = "# small\n";
    ASSERT_TRUE(store.save(l).ok());
    StoredLayer big = l;
    big.text = std::string(64 * 1024, '#');
    const ServiceStatus st = store.save(big);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind, ServiceErrorKind::LimitExceeded);
    EXPECT_NE(st.error().message.find("No space left"), std::string::npos) << st.error().message;
    std::vector<std::string> problems;
    auto all = store.load_all(problems);
    ASSERT_TRUE(all.ok());
    EXPECT_TRUE(problems.empty());
    ASSERT_EQ(all->size(), 1U);
    EXPECT_EQ(all->front().text, "# small\n");
}

}  // namespace
}  // namespace aalayer::service
