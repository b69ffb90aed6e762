// Composition against the formula of docs/layer-algebra.md computed path by path: random bases, grants
// and layers over a small alphabet; the engine's answer, and what the
// kernel would compute from base and emitted child, must equal the formula
//   effective(p) = B(p) ∩ G(p) ∩ A(p) − D(p)   inside the grant region
//   effective(p) = B(p) − D(p)                 outside it.
#include "policy/engine/compose.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <random>

#include <gtest/gtest.h>

#include "policy/engine/product_check.h"
#include "policy/engine/widening.h"
#include "policy/syntax/parser.h"
#include "tests/support/default_limits.h"
#include "tests/support/glob_reference.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kGlobLimits;
using aalayer::test::kParseLimits;
using aalayer::test::kPermissionLimits;

namespace aalayer::policy {
namespace {

using test::all_paths;
using test::random_glob;
using test::ref_match;

const std::vector<std::string>& canonical_paths_up_to_6() {
    static const std::vector<std::string> kPaths = [] {
        std::vector<std::string> out;
        for (auto& p : all_paths(6))
            if (p.starts_with("/") && p.find("//") == std::string::npos) out.push_back(p);
        return out;
    }();
    return kPaths;
}

FileRuleInfo rule(std::vector<std::string> globs, PermBits bits, OwnerMode owner = OwnerMode::Any,
                  bool deny = false) {
    FileRuleInfo r;
    r.where = Location{"test", 1, 1};
    r.globs = std::move(globs);
    r.bits = bits;
    r.owner = owner;
    r.deny = deny;
    r.text = r.globs.front();
    return r;
}

// The rules' pair on a path by the reference matcher: allow minus deny.
MatchPerms ref_perms(const std::vector<FileRuleInfo>& rules, const std::string& path, bool* any = nullptr) {
    MatchPerms m;
    for (const auto& r : rules) {
        bool hit = false;
        for (const auto& g : r.globs)
            hit = hit || ref_match(g, path);
        if (!hit) continue;
        if (any != nullptr) *any = true;
        (r.deny ? m.deny : m.allow) = (r.deny ? m.deny : m.allow) | rule_pair(r);
    }
    return m;
}

std::shared_ptr<const BasePolicy> make_base(std::vector<FileRuleInfo> rules) {
    BasePolicy base;
    base.name = "base";
    auto files = PermissionAutomaton::build(std::move(rules), kPermissionLimits).value();
    base.effective = files.effective_dfa();
    base.files = std::move(files);
    return std::make_shared<const BasePolicy>(std::move(base));
}

Result<std::shared_ptr<const CompiledGrant>> make_grant(std::vector<FileRuleInfo> rules,
                                                        std::vector<GrantExclusionInfo> exclusions = {}) {
    Grant g;
    g.base = "base";
    g.where = Location{"grant", 1, 1};
    g.rules = std::move(rules);
    g.exclusions = std::move(exclusions);
    AA_ASSIGN(CompiledGrant compiled, compile_grant(std::move(g), kPermissionLimits));
    return std::make_shared<const CompiledGrant>(std::move(compiled));
}

PermBits random_bits(std::mt19937& rng) {
    static const std::vector<PermBits> kChoices{
        perm::kRead,
        perm::kRead | perm::kWrite | perm::kAppend,
        perm::kAppend,
        perm::kRead | perm::kLock,
        perm::kRead | perm::kMmap | perm::kExec,
        perm::kLink,
        perm::kAll,
    };
    return kChoices[rng() % kChoices.size()];
}

OwnerMode random_owner(std::mt19937& rng) {
    return rng() % 3 == 0 ? OwnerMode::Owner : OwnerMode::Any;
}

std::string subtree_glob(std::mt19937& rng) {
    static const std::vector<std::string> kSegments{"a", "b", "ab", "?", "[ab]", "{a,b}", "a*", ".a"};
    static const std::vector<std::string> kTails{"/**", "/*", "", "*"};
    std::string g;
    const int depth = 1 + static_cast<int>(rng() % 2);
    for (int d = 0; d < depth; ++d)
        g += "/" + kSegments[rng() % kSegments.size()];
    return g + kTails[rng() % kTails.size()];
}

// The kernel's view: the base and the child parsed back from its text.
PermPair kernel_perms(const std::vector<FileRuleInfo>& base, const std::vector<Dfa>& child_sets,
                      const std::vector<FileRuleInfo>& child, const std::string& path) {
    MatchPerms c;
    for (std::size_t i = 0; i < child.size(); ++i) {
        if (child_sets[i].label_of(path) == 0) continue;
        (child[i].deny ? c.deny : c.allow) = (child[i].deny ? c.deny : c.allow) | rule_pair(child[i]);
    }
    return ref_perms(base, path).effective() & c.effective();
}

std::vector<FileRuleInfo> parse_child(const std::string& text) {
    auto parsed = parse_document(text, "child", kParseLimits);
    EXPECT_TRUE(parsed.ok()) << text;
    std::vector<FileRuleInfo> out;
    if (!parsed) return out;
    for (const auto& item : parsed->document.items) {
        if (const auto* p = std::get_if<Box<Profile>>(&item.node)) {
            for (const auto& r : (*p)->items) {
                auto info = file_rule_info(r, Qualifiers{}, VariableTable{});
                if (info && info->has_value()) out.push_back(std::move(**info));
            }
        }
    }
    return out;
}

// Each rule's paths as an automaton, for kernel_perms.
std::vector<Dfa> glob_sets(const std::vector<FileRuleInfo>& rules) {
    std::vector<Dfa> sets;
    sets.reserve(rules.size());
    for (const auto& r : rules)
        sets.push_back(compile_globs(r.globs, Location{}, kGlobLimits, kDfaLimits).value());
    return sets;
}

// A random base (four rules and read everywhere), grant (two subtrees) and
// layer (`layer_rules` rules inside the grant's subtrees and anywhere,
// allow and deny).
struct Scenario {
    std::vector<FileRuleInfo> base_rules;
    std::vector<FileRuleInfo> grant_rules;
    std::vector<GrantExclusionInfo> exclusions;
    LayerRules layer;
};

Scenario random_scenario(std::mt19937& rng, int layer_rules, int exclusions = 0) {
    Scenario s;
    for (int i = 0; i < 4; ++i)
        s.base_rules.push_back(
            rule({"/" + random_glob(rng)}, random_bits(rng), random_owner(rng), rng() % 5 == 0));
    s.base_rules.push_back(rule({"/**"}, perm::kRead));
    for (int i = 0; i < 2; ++i)
        s.grant_rules.push_back(rule({subtree_glob(rng)}, random_bits(rng), random_owner(rng)));
    for (int i = 0; i < exclusions; ++i) {
        // Mostly inside a grant rule's subtree, where an exclusion means something.
        std::string g = subtree_glob(rng);
        if (rng() % 3 != 0) {
            const std::string& granted = s.grant_rules[rng() % s.grant_rules.size()].globs.front();
            const auto slash = granted.find('/', 1);
            g = (slash == std::string::npos ? granted : granted.substr(0, slash)) + g;
        }
        s.exclusions.push_back(GrantExclusionInfo{
            Location{"grant", 10 + static_cast<std::uint32_t>(i), 3}, "exclude " + g + ",", {g}});
    }
    s.layer.source = "layer";
    for (int i = 0; i < layer_rules; ++i) {
        std::string g = rng() % 2 == 0 ? subtree_glob(rng) : "/" + random_glob(rng);
        // ",," ends a word in AppArmor's syntax: no layer text holds such a glob.
        while (g.find(",,") != std::string::npos)
            g = "/" + random_glob(rng);
        s.layer.files.push_back(rule({g}, random_bits(rng), random_owner(rng), rng() % 4 == 0));
    }
    return s;
}

// Whether an exclusion of the scenario names `path`, by the reference matcher.
bool ref_excluded(const std::vector<GrantExclusionInfo>& exclusions, const std::string& path) {
    return std::any_of(exclusions.begin(), exclusions.end(), [&](const GrantExclusionInfo& e) {
        return std::any_of(e.globs.begin(), e.globs.end(),
                           [&](const std::string& g) { return ref_match(g, path); });
    });
}

// `rounds` random scenarios with `exclusions` exclusions in each grant: the
// engine, the kernel's view of base and child, and explain all equal the
// formula on every canonical path up to length 6. Returns how many composed.
struct RoundCounts {
    int composed = 0;
    int checked_paths = 0;
    int excluded_paths = 0;  // granted by a rule, taken out by an exclusion
};

void check_random_rounds(unsigned seed, int rounds, int exclusions, RoundCounts& counts) {
    std::mt19937 rng(seed);
    int composed = 0;
    int checked_paths = 0;
    for (int round = 0; round < rounds; ++round) {
        Scenario scenario = random_scenario(rng, 4, exclusions);
        const auto& base_rules = scenario.base_rules;
        const auto& grant_rules = scenario.grant_rules;
        const LayerRules& layer = scenario.layer;
        auto grant = make_grant(grant_rules, scenario.exclusions);
        if (!grant.ok() && exclusions > 0 && grant.error().kind == ErrorKind::Unsupported) continue;  // shape
        ASSERT_TRUE(grant.ok()) << grant.error().format();
        auto base = make_base(base_rules);
        auto c = compose(base, *grant, layer, LayerId{1000, "t"});
        ASSERT_TRUE(c.ok()) << c.error().format();
        if (!c->valid()) continue;  // an overlap globs cannot spell: reported, never emitted
        ++composed;
        const std::vector<FileRuleInfo> child = parse_child(c->child_text);
        const std::vector<Dfa> child_sets = glob_sets(child);
        for (const auto& p : canonical_paths_up_to_6()) {
            bool in_grant = false;
            const MatchPerms g = ref_perms(grant_rules, p, &in_grant);
            if (in_grant && ref_excluded(scenario.exclusions, p)) {
                in_grant = false;
                ++counts.excluded_paths;
            }
            const MatchPerms l = ref_perms(layer.files, p);
            PermPair expect = ref_perms(base_rules, p).effective();
            if (in_grant) expect = expect & g.allow & l.allow;
            expect = minus(expect, l.deny);
            ASSERT_EQ(c->perms(p), expect) << "path " << p << "\n" << c->child_text;
            ASSERT_EQ(kernel_perms(base_rules, child_sets, child, p), expect) << "path " << p << "\n"
                                                                              << c->child_text;
            ASSERT_EQ(c->explain(p).perms, expect);
            ASSERT_EQ(c->explain(p).in_grant, in_grant) << p;
            ++checked_paths;
        }
    }
    counts.composed = composed;
    counts.checked_paths = checked_paths;
}

TEST(Compose, RandomLayersMatchTheFormulaPathByPath) {
    RoundCounts counts;
    check_random_rounds(2024, 120, 0, counts);
    // Most rounds must compose, or the property was checked on too little.
    EXPECT_GT(counts.composed, 80);
    EXPECT_GT(counts.checked_paths, 80 * 1000);
}

// The same with exclusions: dom(G) is the granted paths less the excluded ones.
TEST(Compose, RandomLayersWithExclusionsMatchTheFormulaPathByPath) {
    RoundCounts counts;
    check_random_rounds(4242, 120, 2, counts);
    EXPECT_GT(counts.composed, 80);
    EXPECT_GT(counts.checked_paths, 80 * 1000);
    // The exclusions must have taken paths out, or they were not tested.
    EXPECT_GT(counts.excluded_paths, 500) << counts.excluded_paths;
    std::cout << "composed " << counts.composed << " of 120, " << counts.excluded_paths
              << " granted paths excluded\n";
}

// compose() clips every allow rule in one walk over the layer's automaton
// (clip_scan.h); the reference is each rule compiled and searched on its
// own. On random layers (abstraction rules, strict mode, exclusions, bytes
// that are not UTF-8 in witnesses) both give the same findings in the same
// order, the same child and the same effective automaton.
TEST(Compose, ClippingInOneWalkMatchesRuleByRule) {
    std::mt19937 rng(515);
    int compared = 0;
    int with_findings = 0;
    for (int round = 0; round < 250; ++round) {
        Scenario s = random_scenario(rng, 3 + static_cast<int>(rng() % 10), static_cast<int>(rng() % 3));
        for (auto& r : s.layer.files) {
            r.included = rng() % 6 == 0;
            if (r.included) r.where.file = rng() % 2 == 0 ? "abstractions/a" : "abstractions/b";
            r.where.line = static_cast<std::uint32_t>(&r - s.layer.files.data()) + 1;
            if (rng() % 10 == 0) r.globs.front() += "\xc3*";  // a lone lead byte: the witness is not UTF-8
        }
        auto grant = make_grant(s.grant_rules, s.exclusions);
        if (!grant.ok()) continue;  // an exclusion of a shape grants refuse
        auto base = make_base(s.base_rules);
        ComposeOptions walk;
        walk.strict = rng() % 4 == 0;
        ComposeOptions reference = walk;
        reference.clip_rule_by_rule = true;
        auto a = compose(base, *grant, s.layer, LayerId{1000, "t"}, walk);
        auto b = compose(base, *grant, s.layer, LayerId{1000, "t"}, reference);
        ASSERT_EQ(a.ok(), b.ok()) << (a.ok() ? b.error().format() : a.error().format());
        if (!a.ok()) {
            EXPECT_EQ(a.error().format(), b.error().format());
            continue;
        }
        ASSERT_EQ(a->findings.size(), b->findings.size()) << "round " << round;
        for (std::size_t i = 0; i < a->findings.size(); ++i)
            EXPECT_EQ(a->findings[i].format(), b->findings[i].format()) << "round " << round;
        EXPECT_EQ(a->child_text, b->child_text) << "round " << round;
        if (!a->valid()) continue;
        const Dfa ea = a->effective_dfa(kDfaLimits).value();
        const Dfa eb = b->effective_dfa(kDfaLimits).value();
        EXPECT_TRUE(ea.label == eb.label && ea.next == eb.next && ea.byte_class == eb.byte_class)
            << "round " << round;
        ++compared;
        if (std::any_of(a->findings.begin(), a->findings.end(),
                        [](const Finding& f) { return f.message.find("clipped") != std::string::npos; }))
            ++with_findings;
    }
    // Enough layers composed, and enough of them clipped, for the comparison to mean something.
    EXPECT_GT(compared, 120);
    EXPECT_GT(with_findings, 60);
    std::cout << compared << " valid compositions compared, " << with_findings << " with clipping\n";
}

// The proof walks the automata and skips what lies behind layer-and-child
// states no byte leaves; it must still catch every wrong child. Children
// with a rule dropped or added, against check_child_by_products (one full product per
// question) and against the reference matcher on the path it names.
TEST(Compose, ProofCatchesWrongChildren) {
    std::mt19937 rng(77);
    static const std::vector<std::string> kExtra{"  /** r,",        "  deny /a/** w,", "  owner /b* rwk,",
                                                 "  /{,a,b}/** m,", "  /a/b l,",       "  deny /** k,"};
    int caught = 0;
    int passed = 0;
    for (int round = 0; round < 60; ++round) {
        Scenario scenario = random_scenario(rng, 3);
        const auto& base_rules = scenario.base_rules;
        const auto& grant_rules = scenario.grant_rules;
        const LayerRules& layer = scenario.layer;
        auto grant = make_grant(grant_rules);
        ASSERT_TRUE(grant.ok()) << grant.error().format();
        auto base = make_base(base_rules);
        auto c = compose(base, *grant, layer, LayerId{1000, "t"});
        ASSERT_TRUE(c.ok()) << c.error().format();
        if (!c->valid()) continue;
        ASSERT_TRUE(c->prove(c->child_text, kDfaLimits).ok());
        const Dfa effective = c->effective_dfa(kDfaLimits).value();
        std::vector<std::string> lines;
        for (std::size_t at = 0; at < c->child_text.size();) {
            const std::size_t nl = c->child_text.find('\n', at);
            lines.push_back(c->child_text.substr(at, nl - at));
            at = nl + 1;
        }
        for (int m = 0; m < 4; ++m) {
            std::vector<std::string> mutant = lines;
            std::vector<std::size_t> file_lines;
            for (std::size_t i = 0; i < mutant.size(); ++i) {
                const std::string& l = mutant[i];
                if (l.starts_with("  /") || l.starts_with("  owner ") || l.starts_with("  deny /") ||
                    l.starts_with("  deny owner ") || l.starts_with("  audit ")) {
                    file_lines.push_back(i);
                }
            }
            if (m % 2 == 0 && !file_lines.empty()) {
                mutant.erase(mutant.begin() +
                             static_cast<std::ptrdiff_t>(file_lines[rng() % file_lines.size()]));
            } else {
                const auto close = std::find(mutant.rbegin(), mutant.rend(), "}");
                ASSERT_NE(close, mutant.rend());
                mutant.insert(close.base() - 1, kExtra[rng() % kExtra.size()]);
            }
            std::string text;
            for (const auto& l : mutant)
                text += l + "\n";
            const Status fast = c->prove(text, kDfaLimits);
            const Status full = check_child_by_products(*base, **grant, text, effective, kDfaLimits);
            ASSERT_EQ(fast.ok(), full.ok()) << text << (fast.ok() ? full : fast).error().format();
            if (fast.ok()) {
                ++passed;
                continue;
            }
            ++caught;
            // The path it names is one where the kernel would differ from the policy.
            const std::string& message = fast.error().message;
            const std::size_t on = message.find(" on /");
            ASSERT_NE(on, std::string::npos) << message;
            const std::string path = message.substr(on + 4, message.find(' ', on + 4) - (on + 4));
            const std::vector<FileRuleInfo> child = parse_child(text);
            const std::vector<Dfa> child_sets = glob_sets(child);
            EXPECT_NE(kernel_perms(base_rules, child_sets, child, path), c->perms(path)) << message << "\n"
                                                                                         << text;
        }
    }
    EXPECT_GT(caught, 60);
    EXPECT_GT(passed, 5);
}

TEST(Compose, ClippedRuleNamesAWitnessOutsideTheGrant) {
    auto base = make_base({rule({"/**"}, perm::kAll)});
    auto grant = make_grant({rule({"/h/a/**"}, perm::kRead | perm::kWrite | perm::kAppend)}).value();
    LayerRules layer;
    layer.files.push_back(rule({"/h/**"}, perm::kRead));
    layer.files.back().where = Location{"banking.layer", 3, 1};
    auto warn = compose(base, grant, layer, LayerId{1000, "b"});
    ASSERT_TRUE(warn.ok());
    ASSERT_TRUE(warn->valid());
    ASSERT_EQ(warn->findings.size(), 1U);
    EXPECT_EQ(warn->findings[0].format(),
              "banking.layer:3:1: warning: allows /h/a, outside the grant for base; clipped");
    EXPECT_FALSE(warn->child_text.empty());

    ComposeOptions strict;
    strict.strict = true;
    auto err = compose(base, grant, layer, LayerId{1000, "b"}, strict);
    ASSERT_TRUE(err.ok());
    EXPECT_FALSE(err->valid());
    EXPECT_EQ(err->findings[0].severity, Severity::Error);
    EXPECT_TRUE(err->child_text.empty());
}

TEST(Compose, ClippedRuleNamesTheExclusionThatDecided) {
    auto base = make_base({rule({"/**"}, perm::kAll)});
    auto grant =
        make_grant(
            {rule({"/h/**"}, perm::kRead | perm::kWrite | perm::kAppend)},
            {GrantExclusionInfo{Location{"firefox.conf", 4, 3}, "exclude /h/auto/**,", {"/h/auto/**"}}})
            .value();
    LayerRules layer;
    layer.files.push_back(rule({"/h/auto/**"}, perm::kRead));
    layer.files.back().where = Location{"banking.layer", 2, 1};
    auto c = compose(base, grant, layer, LayerId{1000, "b"});
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->valid());
    ASSERT_EQ(c->findings.size(), 2U);
    EXPECT_EQ(c->findings[0].format(),
              "banking.layer:2:1: warning: allows /h/auto/a, excluded by the grant at firefox.conf:4:3 "
              "(exclude /h/auto/**,); clipped");
    // What is left of the grant, the layer allows nothing of (removal_notes_test.cpp).
    EXPECT_EQ(c->findings[1].severity, Severity::Note);
    // Excluded: the base decides, the layer's allow-list does not reach it.
    EXPECT_EQ(c->perms("/h/auto/x"), (PermPair{perm::kAll, perm::kAll}));
    EXPECT_EQ(c->perms("/h/other"), (PermPair{}));
    const Explanation e = c->explain("/h/auto/x");
    EXPECT_FALSE(e.in_grant);
    const bool named = std::any_of(e.reasons.begin(), e.reasons.end(), [](const Reason& r) {
        return r.source == "grant" && r.where == Location{"firefox.conf", 4, 3} &&
               r.rule == "excluded by the grant for base (exclude /h/auto/**,): the base decides";
    });
    EXPECT_TRUE(named);
}

TEST(Compose, BeyondTheBoundIsClippedToIt) {
    auto base = make_base({rule({"/**"}, perm::kAll)});
    auto grant = make_grant({rule({"/d/**"}, perm::kRead)}).value();
    LayerRules layer;
    layer.files.push_back(rule({"/d/**"}, perm::kRead | perm::kWrite | perm::kAppend));
    auto c = compose(base, grant, layer, LayerId{1000, "b"});
    ASSERT_TRUE(c.ok());
    ASSERT_EQ(c->findings.size(), 1U);
    EXPECT_NE(c->findings[0].message.find("allows 'rw' on /d/a, beyond the grant"), std::string::npos)
        << c->findings[0].message;
    EXPECT_EQ(c->perms("/d/x"), (PermPair{perm::kRead, perm::kRead}));
    EXPECT_EQ(c->perms("/etc/x"), (PermPair{perm::kAll, perm::kAll}));  // outside: the base stands
}

TEST(Compose, DenyOutsideTheGrantTakesEffect) {
    auto base = make_base({rule({"/**"}, perm::kRead)});
    auto grant = make_grant({}).value();  // empty grant: deny-only layers
    LayerRules layer;
    layer.files.push_back(rule({"/s/**"}, perm::kRead, OwnerMode::Any, true));
    auto c = compose(base, grant, layer, LayerId{1000, "d"});
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->valid());
    EXPECT_EQ(c->perms("/s/key"), PermPair{});
    EXPECT_EQ(c->perms("/etc/x"), (PermPair{perm::kRead, perm::kRead}));
    const Explanation e = c->explain("/s/key");
    ASSERT_FALSE(e.in_grant);
    ASSERT_FALSE(e.reasons.empty());
    EXPECT_EQ(e.reasons.back().source, "layer");
}

TEST(Compose, ChildNeverCarriesUserTextOrTransitions) {
    auto base = make_base({rule({"/**"}, perm::kAll)});
    auto grant = make_grant({rule({"/d/**"}, perm::kAll)}).value();
    LayerRules layer;
    layer.files.push_back(rule({"/d/**"}, perm::kAll));
    auto c = compose(base, grant, layer, LayerId{42, "x"});
    ASSERT_TRUE(c.ok());
    EXPECT_NE(c->child_text.find("profile base//aalayer.42.x {"), std::string::npos) << c->child_text;
    // Only inherit-exec: the base makes its own transitions.
    for (const char* forbidden : {"px", "cx", "ux", "Px", "->  ", "include", "^", "hat "}) {
        EXPECT_EQ(c->child_text.find(std::string(" ") + forbidden + ","), std::string::npos) << forbidden;
    }
}

TEST(Compose, TheChildsAbiIsTheOneTheLayerWasReadFor) {
    auto base = make_base({rule({"/**"}, perm::kAll)});
    auto grant = make_grant({}).value();
    LayerRules layer;
    auto abi3 = compose(base, grant, layer, LayerId{1, "a"});
    ASSERT_TRUE(abi3.ok());
    EXPECT_NE(abi3->child_text.find("abi <abi/3.0>,"), std::string::npos) << abi3->child_text;
    EXPECT_EQ(abi3->child_text.find("userns"), std::string::npos) << abi3->child_text;
    // Where the system enforces userns (abi 4.0): the child allows what the layer did not deny,
    // and still nothing of the classes the system does not enforce.
    layer.abi.userns = true;
    auto abi4 = compose(base, grant, layer, LayerId{1, "a"});
    ASSERT_TRUE(abi4.ok());
    EXPECT_NE(abi4->child_text.find("abi <abi/4.0>,"), std::string::npos) << abi4->child_text;
    EXPECT_NE(abi4->child_text.find("  userns,\n"), std::string::npos) << abi4->child_text;
    EXPECT_EQ(abi4->child_text.find("mqueue"), std::string::npos) << abi4->child_text;
    EXPECT_EQ(abi4->child_text.find("io_uring"), std::string::npos) << abi4->child_text;
}

TEST(Compose, InvalidLayerNameIsAFinding) {
    auto base = make_base({rule({"/**"}, perm::kRead)});
    auto grant = make_grant({}).value();
    LayerRules layer;
    for (const std::string& bad :
         {std::string(), std::string("a b"), std::string("../x"), std::string("x.y"), std::string(65, 'a')}) {
        auto c = compose(base, grant, layer, LayerId{1, bad});
        ASSERT_TRUE(c.ok());
        EXPECT_FALSE(c->valid()) << bad;
    }
}

TEST(Diff, ExamplesDifferAndEqualLayersHaveNone) {
    auto base = make_base({rule({"/**"}, perm::kAll)});
    auto grant = make_grant({rule({"/p/**"}, perm::kAll, OwnerMode::Owner)}).value();
    LayerRules a;
    a.files.push_back(rule({"/p/a/**"}, perm::kAll, OwnerMode::Owner));
    LayerRules b;
    b.files.push_back(rule({"/p/b/**"}, perm::kAll, OwnerMode::Owner));
    auto ca = compose(base, grant, a, LayerId{1, "a"}).value();
    auto cb = compose(base, grant, b, LayerId{1, "b"}).value();
    auto d = diff(ca, cb, kDfaLimits).value();
    ASSERT_EQ(d.size(), 2U);
    for (const auto& region : d) {
        EXPECT_EQ(ca.perms(region.example), region.a) << region.example;
        EXPECT_EQ(cb.perms(region.example), region.b) << region.example;
        EXPECT_NE(region.a, region.b);
    }
    EXPECT_TRUE(diff(ca, ca, kDfaLimits).value().empty());
}

// ---- failing closed (widening.h) ---------------------------------------------------------------

// The case: the grant stops covering Downloads while a layer allowed
// only Downloads/banking. Recomputed, every other download would become the
// base's (owner rwk); held back, the kernel keeps them denied.
TEST(HoldBack, AGrantThatShrinksIsHeldBackUntilAccepted) {
    const PermBits rwk = perm::kRead | perm::kWrite | perm::kAppend | perm::kLock;
    const PermBits rw = perm::kRead | perm::kWrite | perm::kAppend;
    const std::vector<FileRuleInfo> base_rules{rule({"/**"}, perm::kRead),
                                               rule({"/home/**"}, rwk, OwnerMode::Owner)};
    auto base = make_base(base_rules);
    auto before = make_grant({rule({"/home/a/Downloads/**"}, rw, OwnerMode::Owner),
                              rule({"/home/a/.mozilla/**"}, rwk, OwnerMode::Owner)})
                      .value();
    auto after = make_grant({rule({"/home/a/.mozilla/**"}, rwk, OwnerMode::Owner)}).value();
    LayerRules layer;
    layer.files.push_back(rule({"/home/a/Downloads/banking/**"}, rw, OwnerMode::Owner));
    layer.files.push_back(rule({"/home/a/.mozilla/**"}, perm::kRead, OwnerMode::Owner));
    auto accepted = compose(base, before, layer, LayerId{1000, "bank"});
    auto next = compose(base, after, layer, LayerId{1000, "bank"});
    ASSERT_TRUE(accepted.ok() && next.ok());
    ASSERT_TRUE(accepted->valid() && next->valid());
    EXPECT_EQ(next->perms("/home/a/Downloads/other.pdf"), (PermPair{rwk, perm::kRead}));

    auto held = hold_back(*next, accepted->child_text, kPermissionLimits, GlobRenderLimits{});
    ASSERT_TRUE(held.ok()) << held.error().format();
    ASSERT_FALSE(held->regions.empty());
    const Difference& first = held->regions.front();
    EXPECT_TRUE(first.example.starts_with("/home/a/Downloads/")) << first.example;
    EXPECT_NE(first.a, first.b);
    EXPECT_NE(held->held_child, next->child_text);
    // The kernel's view of base ∩ held child: the intersection of the two, path by path.
    const std::vector<FileRuleInfo> child = parse_child(held->held_child);
    const std::vector<Dfa> child_sets = glob_sets(child);
    for (const std::string p :
         {"/home/a/Downloads/other.pdf", "/home/a/Downloads/banking/s.pdf", "/home/a/Downloads/",
          "/home/a/.mozilla/prefs.js", "/home/a/x", "/etc/passwd", "/home/a/Downloads/banking"}) {
        SCOPED_TRACE(p);
        EXPECT_EQ(kernel_perms(base_rules, child_sets, child, p), next->perms(p) & accepted->perms(p))
            << held->held_child;
    }
    // The accepted layer allowed nothing there (an allow-list of banking/ only): still nothing.
    EXPECT_EQ(kernel_perms(base_rules, child_sets, child, "/home/a/Downloads/other.pdf"), PermPair{});
}

TEST(HoldBack, AChangeThatOnlyNarrowsTakesEffectAtOnce) {
    const PermBits rw = perm::kRead | perm::kWrite | perm::kAppend;
    auto base = make_base({rule({"/**"}, perm::kAll)});
    auto before = make_grant({rule({"/d/**"}, rw)}).value();
    auto after = make_grant({rule({"/d/**"}, perm::kRead)}).value();
    LayerRules layer;
    layer.files.push_back(rule({"/d/**"}, rw));
    auto accepted = compose(base, before, layer, LayerId{1000, "n"});
    auto next = compose(base, after, layer, LayerId{1000, "n"});
    ASSERT_TRUE(accepted.ok() && next.ok());
    auto held = hold_back(*next, accepted->child_text, kPermissionLimits, GlobRenderLimits{});
    ASSERT_TRUE(held.ok()) << held.error().format();
    EXPECT_TRUE(held->regions.empty());
    EXPECT_EQ(held->held_child, next->child_text);
}

// Random grants before and after, random layers: the held child is always
// the intersection, on every canonical path up to length 6.
TEST(HoldBack, RandomChangesAreHeldToTheIntersection) {
    std::mt19937 rng(99);
    int held_rounds = 0;
    for (int round = 0; round < 40; ++round) {
        Scenario s = random_scenario(rng, 3);
        Scenario t = random_scenario(rng, 0);
        auto base = make_base(s.base_rules);
        auto before = make_grant(s.grant_rules);
        auto after = make_grant(t.grant_rules);
        ASSERT_TRUE(before.ok() && after.ok());
        auto accepted = compose(base, *before, s.layer, LayerId{1000, "r"});
        auto next = compose(base, *after, s.layer, LayerId{1000, "r"});
        ASSERT_TRUE(accepted.ok() && next.ok());
        if (!accepted->valid() || !next->valid()) continue;
        auto held = hold_back(*next, accepted->child_text, kPermissionLimits, GlobRenderLimits{});
        // Not writable as globs (a Limit or Unsupported render error): the service keeps the old child.
        if (!held.ok() && held.error().kind != ErrorKind::Invalid) continue;
        ASSERT_TRUE(held.ok()) << held.error().format();
        if (!held->regions.empty()) ++held_rounds;
        const std::vector<FileRuleInfo> child = parse_child(held->held_child);
        const std::vector<Dfa> child_sets = glob_sets(child);
        for (const auto& p : canonical_paths_up_to_6()) {
            ASSERT_EQ(kernel_perms(s.base_rules, child_sets, child, p), next->perms(p) & accepted->perms(p))
                << p << "\n"
                << held->held_child;
        }
    }
    EXPECT_GT(held_rounds, 10);
}

}  // namespace
}  // namespace aalayer::policy
