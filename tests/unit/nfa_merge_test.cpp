// merge_alike_tails: the merged NFA gives every path the same tags, on
// random glob sets with repeated tags, and it does merge the tails that
// rules share.
#include "policy/automaton/nfa_merge.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/automaton/dfa.h"
#include "tests/support/default_limits.h"
#include "tests/support/glob_reference.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kGlobLimits;

namespace aalayer::policy {
namespace {

Nfa nfa_of(const std::vector<std::pair<std::string, std::uint32_t>>& globs) {
    Nfa nfa;
    for (const auto& [glob, tag] : globs)
        EXPECT_TRUE(add_glob(nfa, glob, tag, {}, kGlobLimits).ok()) << glob;
    return nfa;
}

// Whether some path gets different tag sets from the two automata: their
// product, labelled 1 where the sets differ, reaches a 1.
bool same_tags_everywhere(const TaggedDfa& a, const TaggedDfa& b) {
    auto p = product(
        a.dfa, b.dfa, [&](Label x, Label y) { return static_cast<Label>(a.tag_sets[x] != b.tag_sets[y]); },
        kDfaLimits);
    EXPECT_TRUE(p.ok());
    return p && set_is_empty(*p);
}

TEST(MergeAlikeTails, RandomGlobSetsKeepEveryPathsTags) {
    std::mt19937 rng(20261204);
    for (int round = 0; round < 300; ++round) {
        std::vector<std::pair<std::string, std::uint32_t>> globs;
        const int count = 1 + static_cast<int>(rng() % 6);
        for (int i = 0; i < count; ++i)
            globs.emplace_back(test::random_glob(rng), static_cast<std::uint32_t>(rng() % 3));
        // A repeated tail behind different heads, as variables expand.
        globs.emplace_back("/a/" + globs.front().first, globs.front().second);
        const Nfa nfa = nfa_of(globs);
        auto merged = merge_alike_tails(nfa, nullptr);
        ASSERT_TRUE(merged.ok());
        EXPECT_LE(merged->states.size(), nfa.states.size());
        auto before = determinize(nfa, kDfaLimits);
        auto after = determinize(*merged, kDfaLimits);
        ASSERT_TRUE(before.ok() && after.ok());
        std::string all;
        for (const auto& g : globs)
            all += g.first + " (" + std::to_string(g.second) + ") ";
        EXPECT_TRUE(same_tags_everywhere(*before, *after)) << all;
        EXPECT_LE(after->dfa.state_count(), before->dfa.state_count()) << all;
    }
}

TEST(MergeAlikeTails, RulesEndingAlikeShareTheirTail) {
    // Two directories with the same tail and tag, and one with another tag.
    const Nfa nfa = nfa_of({{"/usr/lib/app/**", 0}, {"/opt/lib/app/**", 0}, {"/srv/lib/app/**", 1}});
    auto merged = merge_alike_tails(nfa, nullptr);
    ASSERT_TRUE(merged.ok());
    auto before = determinize(nfa, kDfaLimits);
    auto after = determinize(*merged, kDfaLimits);
    ASSERT_TRUE(before.ok() && after.ok());
    EXPECT_TRUE(same_tags_everywhere(*before, *after));
    // "/lib/app/**" and what comes after it is built once for tag 0.
    EXPECT_LT(merged->states.size(), nfa.states.size());
    EXPECT_LT(after->dfa.state_count(), before->dfa.state_count());
    EXPECT_EQ(after->dfa.label_of("/opt/lib/app/x"), after->dfa.label_of("/usr/lib/app/y/z"));
    EXPECT_NE(after->dfa.label_of("/srv/lib/app/x"), after->dfa.label_of("/usr/lib/app/x"));
}

TEST(MergeAlikeTails, ChargesItsMeter) {
    const Nfa nfa = nfa_of({{"/usr/lib/app/**", 0}, {"/opt/lib/app/**", 0}});
    WorkMeter meter(3);
    auto merged = merge_alike_tails(nfa, &meter);
    ASSERT_FALSE(merged.ok());
    EXPECT_EQ(merged.error().kind, ErrorKind::Limit);
    EXPECT_TRUE(meter.exhausted());
}

}  // namespace
}  // namespace aalayer::policy
