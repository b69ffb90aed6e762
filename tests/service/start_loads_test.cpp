// Start (docs/service.md, "Start"): the children are compiled together, the
// binaries go to the kernel together, and a batch the kernel refuses is
// loaded child by child. With FakeKernelLoader (it says which children are
// cache hits and which the "parser" or the "kernel" refuses); the real
// parser's side is in parser_loader_test.cpp, the real kernel's in
// tests/kernel/service_test.sh.
#include <string>

#include "tests/service/manager_fixture.h"

namespace aalayer::service {
namespace {

constexpr const char* kText = "owner @{HOME}/docs/a/** rw,\n";

// What a layer whose child the parser or the kernel refuses looks like after
// a start that compiled or loaded it alone, or in a batch that then fell back.
struct Refusal {
    LayerState state = LayerState::Invalid;
    std::vector<policy::Finding> findings;
    std::vector<std::string> log;
    std::size_t loaded = 0;
};

class StartLoadsTest : public LayerManagerTest {
protected:
    // `n` layers of alice, applied, then the service stopped and the kernel emptied.
    void stored_then_stopped(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            const auto st = manager().apply(kAlice, std::nullopt, "app", "l" + std::to_string(i), kText, {});
            ASSERT_TRUE(st.ok()) << st.error().message;
        }
        restart();
        kernel.loaded.clear();
        log.clear();
    }
    // Layer l1 after the start `m` made.
    Refusal l1_after(LayerManager& m) {
        Refusal r;
        const auto v = m.layer(LayerKey{1000, "app", "l1"});
        EXPECT_TRUE(v.has_value());
        if (v) {
            r.state = v->state;
            r.findings = v->findings;
        }
        r.log = log;
        r.loaded = kernel.loaded.size();
        return r;
    }
};

TEST_F(StartLoadsTest, CachedChildrenGoToTheKernelInOneRunWithAFakeKernel) {
    stored_then_stopped(5);
    const std::size_t loads_before = kernel.loads();
    kernel.cache_hits = true;
    LayerManager& m = manager();
    EXPECT_EQ(kernel.together_runs(), 1U);
    EXPECT_EQ(kernel.together_sizes(), std::vector<std::size_t>{5});
    EXPECT_EQ(kernel.loads() - loads_before, 5U);
    EXPECT_EQ(kernel.loaded.size(), 5U);
    EXPECT_EQ(m.start_loads().children, 5U);
    EXPECT_EQ(m.start_loads().parser_runs, 1U);
    for (const auto& v : m.layers())
        EXPECT_EQ(v.state, LayerState::Compiled) << v.name;
}

TEST_F(StartLoadsTest, ChildrenAreCompiledTogetherInBoundedRunsWithAFakeKernel) {
    limits.max_layers_per_user = LayerManager::kStartBatch + 10;
    stored_then_stopped(LayerManager::kStartBatch + 1);
    const int compiles_before = kernel.compiles.load();
    LayerManager& m = manager();
    const std::vector<std::size_t> sizes = kernel.compile_sizes();
    ASSERT_EQ(sizes.size(), 2U);
    EXPECT_EQ(sizes[0] + sizes[1], LayerManager::kStartBatch + 1);
    EXPECT_LE(std::max(sizes[0], sizes[1]), LayerManager::kStartBatch);
    EXPECT_EQ(kernel.compiles.load() - compiles_before, static_cast<int>(LayerManager::kStartBatch) + 1);
    EXPECT_EQ(m.start_loads().compiled, LayerManager::kStartBatch + 1);
    EXPECT_EQ(m.start_loads().compile_runs, 2U);
    EXPECT_EQ(kernel.loaded.size(), LayerManager::kStartBatch + 1);
    for (const auto& v : m.layers())
        EXPECT_EQ(v.state, LayerState::Compiled) << v.name;
}

// apparmor_parser compiles a run on every core: at most two batches are
// compiled at once, however many workers fill them.
TEST_F(StartLoadsTest, AtMostTwoBatchesAreCompiledAtOnceWithAFakeKernel) {
    constexpr std::size_t kLayers = 4 * LayerManager::kStartBatch;
    limits.max_layers_per_user = kLayers;
    stored_then_stopped(kLayers);
    kernel.compile_delay = std::chrono::milliseconds(300);
    // More workers than batches, so that each batch could have a thread of its own.
    WorkerPool many{WorkerPool::Limits{6, 64, 16}};
    LayerManager m(Ports{reader, commits, kernel, auth, users, clock, many}, catalog_config, limits);
    m.start([](const std::string&) {});
    EXPECT_EQ(kernel.compile_sizes().size(), 4U);
    EXPECT_LE(kernel.max_compile_runs(), 2U);
    EXPECT_EQ(m.layers().size(), kLayers);
    EXPECT_EQ(kernel.loaded.size(), kLayers);
}

// A child the parser refuses at start, compiled in a batch, ends as it
// would compiled alone: failed, with the parser's message, and the others in.
TEST_F(StartLoadsTest, OneChildTheParserRefusesFailsAloneAsASingleCompileWouldWithAFakeKernel) {
    const auto started = [this](bool each) {
        kernel.compile_each = each;
        LayerManager& m = manager();
        const Refusal r = l1_after(m);
        EXPECT_EQ(m.start_loads().compiled, 3U);
        EXPECT_EQ(m.start_loads().compile_runs, each ? 3U : 2U);  // the run, then l1 alone
        return r;
    };
    stored_then_stopped(3);
    kernel.uncompilable.insert("app//aalayer.1000.l1");
    const Refusal alone = started(true);
    restart();
    kernel.loaded.clear();
    log.clear();
    const Refusal together = started(false);
    EXPECT_EQ(kernel.compile_sizes(), std::vector<std::size_t>{3});
    EXPECT_EQ(together.state, LayerState::Failed);
    EXPECT_EQ(together.state, alone.state);
    EXPECT_EQ(together.findings, alone.findings);
    EXPECT_EQ(together.log, alone.log);
    EXPECT_EQ(together.loaded, 2U);
    ASSERT_FALSE(together.findings.empty());
    EXPECT_EQ(together.findings.back().message, "cannot compile app//aalayer.1000.l1: refused (fake)");
}

TEST_F(StartLoadsTest, ChildrenNotCachedAreLoadedOneByOneWithAFakeKernel) {
    stored_then_stopped(3);
    LayerManager& m = manager();
    EXPECT_EQ(kernel.together_runs(), 0U);
    EXPECT_EQ(kernel.loaded.size(), 3U);
    EXPECT_EQ(m.start_loads().children, 0U);
}

TEST_F(StartLoadsTest, ARunIsBoundedInSizeWithAFakeKernel) {
    limits.max_layers_per_user = LayerManager::kStartBatch + 10;
    stored_then_stopped(LayerManager::kStartBatch + 1);
    kernel.cache_hits = true;
    LayerManager& m = manager();
    const std::vector<std::size_t> sizes = kernel.together_sizes();
    ASSERT_EQ(sizes.size(), 2U);
    EXPECT_EQ(sizes[0] + sizes[1], LayerManager::kStartBatch + 1);
    EXPECT_LE(std::max(sizes[0], sizes[1]), LayerManager::kStartBatch);
    EXPECT_EQ(kernel.loaded.size(), LayerManager::kStartBatch + 1);
    EXPECT_EQ(m.start_loads().parser_runs, 2U);
}

class StartRefusalTest : public StartLoadsTest, public ::testing::WithParamInterface<bool> {};

TEST_P(StartRefusalTest, OneRefusedChildFailsAloneAsASingleLoadWouldWithAFakeKernel) {
    const auto started = [this](bool cached) {
        kernel.cache_hits = cached;
        LayerManager& m = manager();
        const Refusal r = l1_after(m);
        if (cached) {
            // The batch, then each of its three children alone.
            EXPECT_EQ(kernel.together_runs(), 1U);
            EXPECT_EQ(m.start_loads().parser_runs, 4U);
            EXPECT_EQ(m.start_loads().failed_runs, std::vector<std::string>{"3 children in one run refused"});
        }
        return r;
    };
    stored_then_stopped(3);
    kernel.refused.insert("app//aalayer.1000.l1");
    const Refusal alone = started(false);
    restart();
    kernel.loaded.clear();
    log.clear();
    const Refusal together = started(GetParam());
    EXPECT_EQ(together.state, LayerState::Failed);
    EXPECT_EQ(together.state, alone.state);
    EXPECT_EQ(together.findings, alone.findings);
    EXPECT_EQ(together.log, alone.log);
    EXPECT_EQ(together.loaded, 2U);  // the other two are in
    ASSERT_FALSE(together.findings.empty());
    EXPECT_EQ(together.findings.back().message, "cannot load app//aalayer.1000.l1: refused (fake)");
    EXPECT_NE(std::find(together.log.begin(), together.log.end(),
                        "app//aalayer.1000.l1: cannot load app//aalayer.1000.l1: refused (fake)"),
              together.log.end());
}

INSTANTIATE_TEST_SUITE_P(CachedOrNot, StartRefusalTest, ::testing::Bool());

}  // namespace
}  // namespace aalayer::service
