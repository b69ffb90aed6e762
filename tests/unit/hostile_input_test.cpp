// Inputs that must end in a located error quickly: never a crash or a hang.
#include <chrono>
#include <iterator>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "policy/common/utf8.h"
#include "policy/engine/compose.h"
#include "policy/load/loader.h"
#include "policy/source/memory_reader.h"
#include "tests/support/default_limits.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kGlobLimits;
using aalayer::test::kLayerLimits;
using aalayer::test::kPermissionLimits;

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
        auto files = PermissionAutomaton::build({all}, kPermissionLimits).value();
        base.effective = files.effective_dfa();
        base.files = std::move(files);
        FileRuleInfo home = all;
        home.globs = {"/home/u/**"};
        Grant grant;
        grant.base = "app";
        grant.rules = {home};
        bounds = prepare_bounds(
                     std::make_shared<const BasePolicy>(std::move(base)),
                     std::make_shared<const CompiledGrant>(compile_grant(grant, kPermissionLimits).value()),
                     kDfaLimits)
                     .value();
    }

    LayerRules read(const std::string& text, const LayerLimits& limits = kLayerLimits) {
        LoadOptions options;
        options.include_dirs = {"/inc"};
        const Loader loader(reader, options);
        return read_layer(loader, text, "hostile.layer", limits);
    }

    // The findings of reading and composing `text`, and how long it took.
    std::vector<Finding> run(const std::string& text, std::chrono::duration<double>& took) {
        LoadOptions options;
        options.include_dirs = {"/inc"};
        const Loader loader(reader, options);
        const auto start = std::chrono::steady_clock::now();
        const LayerRules rules = read_layer(loader, text, "hostile.layer", kLayerLimits);
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

// (a|b)*a(a|b)^n in glob form: its DFA has 2^n states. The work budget
// stops it before the state budget does.
TEST(HostileLayer, ExponentialAutomatonHitsABudget) {
    LayerHarness h;
    std::string glob = "/home/u/**a";
    for (int i = 0; i < 40; ++i)
        glob += "[ab]";
    std::chrono::duration<double> took{};
    expect_refused(h.run("owner " + glob + " r,\n", took), "needs more work than the service allows", took);
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

// A '**' followed by many '?': 2^16 states, under the state budget, but
// about a second of CPU to determinise, minimise, clip, render and prove
// (any user may send it as a Check). The work budget refuses it, naming
// the rule, whatever the machine's speed.
TEST(HostileLayer, WildcardsAfterDoubleStarHitTheWorkBudget) {
    LayerHarness h;
    std::string alternatives;
    for (int i = 0; i < 60; ++i)
        alternatives += (i == 0 ? "a" : ",a") + std::to_string(i) + "?????";
    for (const std::string& rule : std::vector<std::string>{
             "owner /home/u/**a??????????????? rw,\n",
             "owner /home/u/**a???????????????????? rw,\n",
             "owner /home/u/d/**{" + alternatives + "} rw,\n",
         }) {
        const LayerRules rules = h.read("/x r,\n" + rule);
        auto c = compose(h.bounds, rules, LayerId{1000, "h"});
        ASSERT_FALSE(c.ok()) << rule;
        EXPECT_EQ(c.error().kind, ErrorKind::Limit);
        EXPECT_EQ(to_string(c.error().where), "hostile.layer:2:1") << c.error().format();
        EXPECT_NE(c.error().message.find("needs more work than the service allows"), std::string::npos)
            << c.error().message;
        EXPECT_NE(c.error().message.find("the rule at line 2 is the costliest"), std::string::npos)
            << c.error().message;
    }
}

// The same layer under a larger budget composes: the budget, not the
// automaton, refused it. And a smaller one refuses even a plain layer.
TEST(HostileLayer, TheWorkBudgetIsConfigurable) {
    LayerHarness h;
    LayerLimits generous;
    generous.max_compose_work = 4'000'000'000;
    const std::string text = "owner /home/u/d/**a????????? rw,\n";
    auto small = compose(h.bounds, h.read(text), LayerId{1000, "h"});
    ASSERT_TRUE(small.ok()) << small.error().format();
    EXPECT_LE(small->work, LayerLimits::kDefaultComposeWork);
    LayerLimits tight;
    tight.max_compose_work = small->work / 2;
    auto refused = compose(h.bounds, h.read(text, tight), LayerId{1000, "h"});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().kind, ErrorKind::Limit);
    auto wide =
        compose(h.bounds, h.read("owner /home/u/**a????????????? rw,\n", generous), LayerId{1000, "h"});
    ASSERT_TRUE(wide.ok()) << wide.error().format();
    EXPECT_GT(wide->work, LayerLimits::kDefaultComposeWork);
}

// The layers a person writes stay far below the default budget.
TEST(HostileLayer, OrdinaryLayersUseAFractionOfTheWorkBudget) {
    LayerHarness h;
    const std::string text =
        "owner /home/u/.mozilla/firefox/banking/** rwk,\nowner /home/u/Downloads/banking/** rw,\n"
        "deny /home/u/.mozilla/firefox/everyday/** rwklm,\n/home/u/Documents/*.{pdf,odt} r,\n";
    auto c = compose(h.bounds, h.read(text), LayerId{1000, "h"});
    ASSERT_TRUE(c.ok()) << c.error().format();
    EXPECT_FALSE(has_errors(c->findings));
    EXPECT_LT(c->work, LayerLimits::kDefaultComposeWork / 20);
}

// ---- Text that leaves the engine is UTF-8 (sd-bus refuses anything else). ----

std::vector<Finding> compose_findings(LayerHarness& h, const std::string& text) {
    auto c = compose(h.bounds, h.read(text), LayerId{1000, "h"});
    if (!c) return {to_finding(c.error())};
    return c->findings;
}

std::string all_messages(const std::vector<Finding>& findings) {
    std::string out;
    for (const auto& f : findings)
        out += f.message + "\n";
    return out;
}

// "[é]" is a class of two bytes: no path in it is well-formed UTF-8, so the
// witness is a lone byte (the least by witness_rank: 0xa9), shown as \xa9.
TEST(HostileLayer, LoneByteWitnessIsEscaped) {
    LayerHarness h;
    const auto findings = compose_findings(h, "/tmp/[\xc3\xa9] r,\n");
    ASSERT_FALSE(findings.empty());
    for (const auto& f : findings)
        EXPECT_TRUE(valid_utf8(f.message)) << printable(f.message);
    EXPECT_NE(all_messages(findings).find("allows /tmp/\\xa9, outside the grant"), std::string::npos)
        << all_messages(findings);
}

// Where the set holds a whole character, the witness names it: "[é]*"
// gives /tmp/À (0xc3 0x80), not the shorter /tmp/\xc3.
TEST(HostileLayer, WitnessesPreferWholeCharacters) {
    LayerHarness h;
    const auto findings = compose_findings(h, "/tmp/[\xc3\xa9]* r,\n/tmp/x?? r,\n");
    for (const auto& f : findings)
        EXPECT_TRUE(valid_utf8(f.message)) << printable(f.message);
    const std::string messages = all_messages(findings);
    EXPECT_NE(messages.find("allows /tmp/\xc3\x80, outside"), std::string::npos) << messages;
    EXPECT_NE(messages.find("allows /tmp/xaa, outside"), std::string::npos) << messages;
    // The searches agree with each other on the set.
    const Dfa set = compile_globs({"/tmp/[\xc3\xa9]*"}, Location{}, kGlobLimits, kDfaLimits).value();
    EXPECT_EQ(shortest_witness(set, [](Label l) { return l != 0; }), "/tmp/\xc3\x80");
    EXPECT_EQ(canonical_difference_witness(set, Dfa::empty(), kDfaLimits).value(), "/tmp/\xc3\x80");
    EXPECT_EQ(set_difference_witness(set, Dfa::empty(), kDfaLimits).value(), "/tmp/\xc3\x80");
}

TEST(HostileLayer, DiffExamplesAreUtf8) {
    LayerHarness h;
    auto a = compose(h.bounds, h.read("owner /home/u/d/[\xc3\xa9] rw,\nowner /home/u/f/[\xc3\xa9]* rw,\n"),
                     LayerId{1000, "a"});
    auto b = compose(h.bounds, h.read("owner /home/u/e/** rw,\n"), LayerId{1000, "b"});
    ASSERT_TRUE(a.ok() && b.ok());
    auto d = diff(*a, *b, kDfaLimits);
    ASSERT_TRUE(d.ok()) << d.error().format();
    std::set<std::string> examples;
    for (const auto& x : *d) {
        EXPECT_TRUE(valid_utf8(x.example)) << printable(x.example);
        examples.insert(x.example);
    }
    // d/ and f/ get the same answers, so one example stands for both: the
    // whole character of f/, though d/\xa9 is shorter.
    EXPECT_TRUE(examples.contains("/home/u/f/\xc3\x80")) << ::testing::PrintToString(examples);
}

TEST(HostileLayer, ScannerQuotesWholeCharacters) {
    LayerHarness h;
    const auto findings = compose_findings(h, "\xc3\xa9 r,\n\xff r,\n");
    const std::string messages = all_messages(findings);
    EXPECT_TRUE(valid_utf8(messages)) << printable(messages);
    EXPECT_EQ(messages.find("\\xc3"), std::string::npos) << messages;
}

// Any bytes as layer text: every message the engine returns is UTF-8.
TEST(HostileLayer, FindingMessagesAreUtf8ForRandomBytes) {
    LayerHarness h;
    std::mt19937 random(20261202);
    const std::string pieces[] = {"/home/u/",
                                  "/tmp/",
                                  "**",
                                  "*",
                                  "?",
                                  "[",
                                  "]",
                                  "{",
                                  ",",
                                  "}",
                                  " r,\n",
                                  " rw,\n",
                                  "owner ",
                                  "deny ",
                                  "\xc3",
                                  "\xa9",
                                  "\xe2\x82\xac",
                                  "\xff",
                                  "\\",
                                  "\"",
                                  "#",
                                  "\n",
                                  "@{HOME}",
                                  "network,\n",
                                  "a",
                                  "/"};
    for (int i = 0; i < 300; ++i) {
        std::string text;
        const int n = static_cast<int>(random() % 12);
        for (int j = 0; j < n; ++j) {
            if (random() % 4 == 0) {
                text += static_cast<char>(random() % 256);
            } else {
                text += pieces[random() % std::size(pieces)];
            }
        }
        for (const auto& f : compose_findings(h, text)) {
            EXPECT_TRUE(valid_utf8(f.message))
                << "text: " << printable(text) << "\nmessage: " << printable(f.message);
        }
    }
}

}  // namespace
}  // namespace aalayer::policy
