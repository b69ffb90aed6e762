// What the manager keeps per user is bounded (bounds_cache_size): a layer
// nobody asks about keeps its text and its child's, not its composition, and
// is composed again when asked, with the same answers as before.
#include <atomic>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "service/core/composition_cache.h"
#include "service/core/layer_manager.h"
#include "tests/service/manager_fixture.h"

namespace aalayer::service {
namespace {

TEST(CompositionCache, KeepsTheMostRecentlyUsedAndOnlyTheirCurrentVersion) {
    CompositionCache cache(2);
    const auto c = [] { return std::make_shared<const policy::Composition>(); };
    const LayerKey a{1000, "app", "a"};
    const LayerKey b{1000, "app", "b"};
    const LayerKey x{1001, "app", "x"};
    const auto ca = c();
    cache.put(a, 1, ca);
    cache.put(b, 1, c());
    EXPECT_EQ(cache.find(a, 1), ca);  // a is now the most recent
    cache.put(x, 1, c());             // b goes
    EXPECT_EQ(cache.find(b, 1), nullptr);
    EXPECT_EQ(cache.find(a, 1), ca);
    EXPECT_EQ(cache.find(a, 2), nullptr);  // computed again since: not that one
    EXPECT_EQ(cache.find(a, 1), nullptr);  // and forgotten
    EXPECT_EQ(cache.size(), 1U);
}

// Explain's answer as one string, reasons included.
std::string answer(const Outcome<ExplainResult>& e) {
    if (!e) return "error: " + e.error().message;
    std::string out = e->perms;
    for (const auto& [source, rule] : e->reasons)
        out += "\n" + source + " " + rule;
    return out;
}

class KeptCompositionsTest : public LayerManagerTest {
protected:
    KeptCompositionsTest() { catalog_config.bounds_cache_size = 1; }
};

TEST_F(KeptCompositionsTest, AnEvictedLayerExplainsAsBefore) {
    LayerManager& m = manager();
    const std::string text = "owner @{HOME}/docs/** rw,\ndeny @{HOME}/docs/secret/** w,\n/etc/x r,\n";
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "a", text, {}).ok());
    const std::vector<std::string> paths{"/home/alice/docs/x", "/home/alice/docs/secret/y", "/etc/x",
                                         "/home/alice/other"};
    std::vector<std::string> before;
    for (const auto& p : paths)
        before.push_back(answer(m.explain(kAlice, 1000, "app", "a", p)));
    auto diff_before = m.diff_with_base(kAlice, "app", "a");
    ASSERT_TRUE(diff_before.ok());
    // Bob's layer takes the one place for a composition, and for a user's bounds.
    ASSERT_TRUE(m.apply(kBob, std::nullopt, "app", "b", "owner @{HOME}/docs/** r,\n", {}).ok());
    EXPECT_EQ(m.explain(kBob, 1001, "app", "b", "/home/bob/docs/x")->perms, "owner=r other=");
    for (std::size_t i = 0; i < paths.size(); ++i)
        EXPECT_EQ(answer(m.explain(kAlice, 1000, "app", "a", paths[i])), before[i]) << paths[i];
    auto diff_after = m.diff_with_base(kAlice, "app", "a");
    ASSERT_TRUE(diff_after.ok());
    ASSERT_EQ(diff_after->size(), diff_before->size());
    for (std::size_t i = 0; i < diff_after->size(); ++i) {
        EXPECT_EQ((*diff_after)[i].example, (*diff_before)[i].example);
        EXPECT_EQ((*diff_after)[i].perms_b, (*diff_before)[i].perms_b);
    }
}

// Reads through to the fixture's sources, counting them: what composing costs shows as reads.
class CountingReader final : public policy::SourceReader {
public:
    explicit CountingReader(const policy::SourceReader& inner) : inner_(inner) {}
    [[nodiscard]] policy::EntryType stat(const std::string& path) const override {
        ++reads;
        return inner_.stat(path);
    }
    [[nodiscard]] policy::Result<std::string> read(const std::string& path,
                                                   std::size_t max_bytes) const override {
        ++reads;
        return inner_.read(path, max_bytes);
    }
    [[nodiscard]] policy::Result<std::vector<std::string>> list(const std::string& path) const override {
        ++reads;
        return inner_.list(path);
    }
    mutable std::atomic<int> reads{0};

private:
    const policy::SourceReader& inner_;
};

// No records, nothing to explain: an evicted layer is not composed again
// (its grant read, its user's bounds prepared) for an empty answer.
TEST_F(KeptCompositionsTest, NoDenialsComposeNothing) {
    const CountingReader counting(reader);
    LayerManager m(Ports{counting, commits, kernel, auth, users, clock, pool}, catalog_config, limits);
    m.start([](const std::string&) {});
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "a", "owner @{HOME}/docs/** rw,\n", {}).ok());
    ASSERT_TRUE(m.apply(kBob, std::nullopt, "app", "b", "owner @{HOME}/docs/** r,\n", {}).ok());  // evicts a
    const LayerKey a{1000, "app", "a"};
    counting.reads = 0;
    std::uint64_t dropped = 1;
    auto none = m.denials(kAlice, a, 0, dropped);
    ASSERT_TRUE(none.ok()) << none.error().message;
    EXPECT_TRUE(none->empty());
    EXPECT_EQ(dropped, 0U);
    EXPECT_TRUE(m.explain_denials(a, {}).empty());
    EXPECT_EQ(counting.reads, 0);
    // Asked about, the evicted layer is composed again: reads (what the count above would have shown).
    ASSERT_TRUE(m.explain(kAlice, 1000, "app", "a", "/home/alice/docs/x").ok());
    EXPECT_GT(counting.reads, 0);
}

// A layer composed again reads its grant again. Changed on disk and not yet
// re-read, the answer would be for a child the kernel does not hold: the
// caller is told to ask again; after the re-read it answers for the new grant.
TEST_F(KeptCompositionsTest, AnEvictedLayerDoesNotAnswerForFilesNotYetReRead) {
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "a", "owner @{HOME}/docs/** rw,\n", {}).ok());
    ASSERT_TRUE(m.apply(kBob, std::nullopt, "app", "b", "owner @{HOME}/docs/** r,\n", {}).ok());  // evicts a
    reader.add("/etc/aalayer/grants.d/app.conf", "grant app {\n  owner @{HOME}/docs/** r,\n}\n");
    auto e = m.explain(kAlice, 1000, "app", "a", "/home/alice/docs/x");
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().kind, ServiceErrorKind::Busy) << e.error().message;
    m.refresh([](const std::string&) {});
    EXPECT_EQ(m.explain(kAlice, 1000, "app", "a", "/home/alice/docs/x")->perms, "owner=r other=");
}

// The same with room to keep it: the layer answers from what it was
// computed with, as the kernel enforces it, until the re-read.
TEST_F(LayerManagerTest, AKeptCompositionAnswersUntilTheReRead) {
    LayerManager& m = manager();
    ASSERT_TRUE(m.apply(kAlice, std::nullopt, "app", "a", "owner @{HOME}/docs/** rw,\n", {}).ok());
    ASSERT_TRUE(m.apply(kBob, std::nullopt, "app", "b", "owner @{HOME}/docs/** r,\n", {}).ok());
    reader.add("/etc/aalayer/grants.d/app.conf", "grant app {\n  owner @{HOME}/docs/** r,\n}\n");
    EXPECT_EQ(m.explain(kAlice, 1000, "app", "a", "/home/alice/docs/x")->perms, "owner=rwa other=");
}

}  // namespace
}  // namespace aalayer::service
