// Inputs that must end in a located error quickly: never a crash or a hang.
#include <chrono>

#include <gtest/gtest.h>

#include "policy/engine/compose.h"
#include "policy/load/loader.h"
#include "policy/source/memory_reader.h"

namespace aalayer::policy {
namespace {

Result<LoadedPolicy> load(MemoryReader& reader, const std::string& root) {
    LoadOptions options;
    options.include_dirs = {"/inc"};
    const Loader loader(reader, options);
    return loader.load_file(root);
}

TEST(HostileInput, IncludeCycleIsALocatedError) {
    MemoryReader reader;
    reader.add("/inc/a", "include <b>\n");
    reader.add("/inc/b", "/x r,\ninclude <a>\n");
    reader.add("/p", "profile p {\n  include <a>\n}\n");
    auto r = load(reader, "/p");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Include);
    EXPECT_EQ(to_string(r.error().where), "/inc/b:2:1");
    EXPECT_EQ(r.error().message, "include cycle: /p -> /inc/a -> /inc/b -> /inc/a");
}

TEST(HostileInput, TenMegabyteLineIsRefusedFastWithItsPosition) {
    MemoryReader reader;
    std::string text = "profile p {\n  /";
    text.append(10U * 1024U * 1024U, 'a');
    text += " r,\n}\n";
    reader.add("/p", std::move(text));
    const auto start = std::chrono::steady_clock::now();
    auto r = load(reader, "/p");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Limit);
    EXPECT_EQ(r.error().where.line, 2U);
    EXPECT_NE(r.error().message.find("line is longer than"), std::string::npos);
    // Not a timing assertion on performance: a guard against a hang.
    EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST(HostileInput, DeepNestingHitsTheDepthLimit) {
    MemoryReader reader;
    std::string text;
    for (int i = 0; i < 1000; ++i)
        text += "profile p" + std::to_string(i) + " {\n";
    reader.add("/p", text);
    auto r = load(reader, "/p");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Limit);
    EXPECT_EQ(r.error().where.line, 33U);
}

TEST(HostileInput, UnbalancedBracesBothWays) {
    MemoryReader reader;
    reader.add("/open", "profile p {\n  /x r,\n");
    reader.add("/close", "profile p {\n}\n}\n");
    auto open = load(reader, "/open");
    ASSERT_FALSE(open.ok());
    EXPECT_EQ(to_string(open.error().where), "/open:1:11");
    auto close = load(reader, "/close");
    ASSERT_FALSE(close.ok());
    EXPECT_EQ(to_string(close.error().where), "/close:3:1");
}

// Each value stays under the expansion limit, their sum is far over it: the
// limit must stop the expansion as values accumulate, not after building them all
// (before the fix this file needed tens of GB).
TEST(HostileInput, ManyLargeVariableValuesStopAtTheLimit) {
    MemoryReader reader;
    std::string text = "@{D} = 0 1 2 3 4 5 6 7 8 9 a b c d e f\n@{Q} = @{D}@{D}@{D}@{D}\n@{M} =";
    for (int i = 0; i < 10000; ++i)
        text += " @{Q}";
    text += "\nprofile p {\n  /@{M} r,\n}\n";
    reader.add("/bomb", text);
    auto r = load(reader, "/bomb");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Limit);
    EXPECT_NE(r.error().message.find("more than 65536"), std::string::npos);
}

// ---- Hostile layers: each ends in a located error finding, quickly. ----

struct LayerHarness {
    MemoryReader reader;
    std::shared_ptr<const Bounds> bounds;

    LayerHarness() {
        FileRuleInfo all;
        all.where = Location{"base", 1, 1};
        all.globs = {"/**"};
        all.bits = perm::kAll;
        all.text = "/** rwlkmix,";
        BasePolicy base;
        base.name = "app";
        base.files = PermissionAutomaton::build({all}).value();
        base.effective = base.files.effective_dfa();
        FileRuleInfo home = all;
        home.globs = {"/home/u/**"};
        Grant grant;
        grant.base = "app";
        grant.rules = {home};
        bounds = prepare_bounds(std::make_shared<const BasePolicy>(std::move(base)),
                                std::make_shared<const CompiledGrant>(compile_grant(grant).value()))
                     .value();
    }

    // The findings of reading and composing `text`, and how long it took.
    std::vector<Finding> run(const std::string& text, std::chrono::duration<double>& took) {
        LoadOptions options;
        options.include_dirs = {"/inc"};
        const Loader loader(reader, options);
        const auto start = std::chrono::steady_clock::now();
        const LayerRules rules = read_layer(loader, text, "hostile.layer");
        auto c = compose(bounds, rules, LayerId{1000, "h"});
        took = std::chrono::steady_clock::now() - start;
        if (!c) return {to_finding(c.error())};
        return c->findings;
    }
};

void expect_refused(const std::vector<Finding>& findings, const std::string& phrase,
                    std::chrono::duration<double> took) {
    ASSERT_TRUE(has_errors(findings)) << phrase;
    bool found = false;
    std::string all;
    for (const auto& f : findings) {
        all += f.format() + "\n";
        if (f.severity == Severity::Error && f.message.find(phrase) != std::string::npos) {
            found = true;
            EXPECT_EQ(f.where.file, "hostile.layer") << f.format();
            EXPECT_GE(f.where.line, 1U) << f.format();
        }
    }
    EXPECT_TRUE(found) << "expected an error with '" << phrase << "', got:\n" << all;
    // A guard against hangs, not a performance assertion.
    EXPECT_LT(took.count(), 10.0);
}

TEST(HostileLayer, DeepNestingOfBlocks) {
    LayerHarness h;
    std::string text;
    for (int i = 0; i < 1000; ++i)
        text += "owner {\n";
    std::chrono::duration<double> took{};
    expect_refused(h.run(text, took), "nested more than", took);
}

TEST(HostileLayer, DeeplyNestedAlternation) {
    LayerHarness h;
    std::string glob = "/home/u/";
    for (int i = 0; i < 100; ++i)
        glob += "{a,";
    glob += "b";
    for (int i = 0; i < 100; ++i)
        glob += "}";
    std::chrono::duration<double> took{};
    expect_refused(h.run(glob + " r,\n", took), "nests '{' more than", took);
}

// (a|b)*a(a|b)^n in glob form: its DFA has 2^n states.
TEST(HostileLayer, ExponentialAutomatonHitsTheStateBudget) {
    LayerHarness h;
    std::string glob = "/home/u/**a";
    for (int i = 0; i < 40; ++i)
        glob += "[ab]";
    std::chrono::duration<double> took{};
    expect_refused(h.run("owner " + glob + " r,\n", took), "too complex", took);
}

TEST(HostileLayer, ThousandsOfRules) {
    LayerHarness h;
    std::string text;
    for (int i = 0; i < 3000; ++i)
        text += "/home/u/" + std::to_string(i) + " r,\n";
    std::chrono::duration<double> took{};
    expect_refused(h.run(text, took), "more than 256 rules", took);
}

TEST(HostileLayer, SixtyFourKibOfStars) {
    LayerHarness h;
    std::chrono::duration<double> took{};
    // As one rule's path (within the text limit) ...
    expect_refused(h.run("/home/u/" + std::string(60 * 1024, '*') + " r,\n", took), "longer than", took);
    // ... and as the whole text, one byte over the limit.
    expect_refused(h.run(std::string(64 * 1024 + 1, '*'), took), "larger than 65536 bytes", took);
}

TEST(HostileLayer, WideAlternationsStayWithinBudget) {
    LayerHarness h;
    // Many alternatives in each of several rules: large but linear automata.
    std::string text;
    for (int r = 0; r < 8; ++r) {
        text += "owner /home/u/d" + std::to_string(r) + "/{";
        for (int i = 0; i < 400; ++i)
            text += (i == 0 ? "" : ",") + std::string("n") + std::to_string(i);
        text += "} r,\n";
    }
    std::chrono::duration<double> took{};
    const auto findings = h.run(text, took);
    EXPECT_FALSE(has_errors(findings));
    EXPECT_LT(took.count(), 10.0);
}

}  // namespace
}  // namespace aalayer::policy
