// The glob automata against a brute-force matcher written separately from
// them: random globs, every path up to a length over an alphabet with '/',
// and the algebra laws checked on automata and on the enumerated paths.
#include <functional>
#include <memory>
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

using test::all_paths;
using test::random_glob;
using test::ref_match;

Dfa compile(const std::vector<std::string>& globs) {
    auto d = compile_globs(globs, Location{}, kGlobLimits, kDfaLimits);
    EXPECT_TRUE(d.ok()) << (d ? "" : d.error().format());
    return d ? std::move(d).value() : Dfa::empty();
}

bool in(const Dfa& d, const std::string& path) {
    return d.label_of(path) != 0;
}

const std::vector<std::string>& paths() {
    static const std::vector<std::string> kPaths = all_paths(5);
    return kPaths;
}

// ---- Tests ----

TEST(GlobSemantics, ApparmorExamples) {
    const Dfa star = compile({"/dir/*"});
    EXPECT_FALSE(in(star, "/dir/"));
    EXPECT_TRUE(in(star, "/dir/a"));
    EXPECT_FALSE(in(star, "/dir/a/b"));
    const Dfa starstar = compile({"/dir/**"});
    EXPECT_FALSE(in(starstar, "/dir/"));
    EXPECT_TRUE(in(starstar, "/dir/a/b"));
    EXPECT_TRUE(in(starstar, "/dir/a/"));
    EXPECT_FALSE(in(starstar, "/dir//"));
    const Dfa mid = compile({"/dir/*bar"});
    EXPECT_TRUE(in(mid, "/dir/bar"));
    EXPECT_TRUE(in(mid, "/dir/xbar"));
    const Dfa alt = compile({"/{usr/,}bin/{a,b{c,d}}"});
    for (const char* p : {"/bin/a", "/usr/bin/bc", "/usr/bin/bd"})
        EXPECT_TRUE(in(alt, p)) << p;
    EXPECT_FALSE(in(alt, "/usr/bin/b"));
    const Dfa slashes = compile({"/a//b///c"});
    EXPECT_TRUE(in(slashes, "/a/b/c"));
    const Dfa cls = compile({"/[^.]*"});
    EXPECT_TRUE(in(cls, "/x"));
    EXPECT_FALSE(in(cls, "/.x"));
    const Dfa q = compile({"/a?c"});
    EXPECT_TRUE(in(q, "/abc"));
    EXPECT_FALSE(in(q, "/a/c"));
}

TEST(GlobSemantics, InvalidGlobsAreLocatedErrors) {
    for (const char* bad : {"/a/{b", "/a/{b}", "/a/[bc", "/a/b]", "/a/}", "/a\\", "/@{HOME}/x", "/a/[z-a]"}) {
        auto d = compile_globs({bad}, Location{"layer", 3, 5}, kGlobLimits, kDfaLimits);
        ASSERT_FALSE(d.ok()) << bad;
        EXPECT_EQ(d.error().where.line, 3U) << bad;
        EXPECT_NE(d.error().message.find(bad), std::string::npos) << d.error().message;
    }
}

TEST(GlobSemantics, RandomGlobsAgreeWithBruteForceMatcher) {
    std::mt19937 rng(20261122);
    for (int round = 0; round < 400; ++round) {
        const std::string glob = random_glob(rng);
        const Dfa d = compile({glob});
        for (const auto& p : paths()) {
            ASSERT_EQ(in(d, p), ref_match(glob, p)) << "glob " << glob << " path '" << p << "'";
        }
    }
}

TEST(GlobSemantics, MinimizationKeepsTheLanguageAndIsMinimal) {
    std::mt19937 rng(7);
    for (int round = 0; round < 100; ++round) {
        const std::vector<std::string> globs{random_glob(rng), random_glob(rng)};
        Nfa nfa;
        for (const auto& g : globs)
            ASSERT_TRUE(add_glob(nfa, g, 1, {}, kGlobLimits).ok());
        auto raw = determinize(nfa, kDfaLimits);
        ASSERT_TRUE(raw.ok());
        const Dfa big = map_labels(raw->dfa, [](Label l) { return static_cast<Label>(l != 0); });
        const Dfa small = minimize(big);
        EXPECT_LE(small.state_count(), big.state_count());
        for (const auto& p : paths())
            ASSERT_EQ(in(big, p), in(small, p)) << globs[0] << " " << globs[1] << " " << p;
        // Minimal: minimizing again changes nothing.
        EXPECT_EQ(minimize(small).state_count(), small.state_count());
    }
}

TEST(GlobAlgebra, LawsHoldOnAutomataAndOnPaths) {
    std::mt19937 rng(99);
    for (int round = 0; round < 150; ++round) {
        const Dfa a = compile({random_glob(rng), random_glob(rng)});
        const Dfa b = compile({random_glob(rng)});
        const Dfa c = compile({random_glob(rng)});
        const Dfa ab = *set_intersection(a, b, kDfaLimits);
        const Dfa ba = *set_intersection(b, a, kDfaLimits);
        const Dfa uab = *set_union(a, b, kDfaLimits);
        const Dfa uba = *set_union(b, a, kDfaLimits);
        const Dfa diff = *set_difference(a, b, kDfaLimits);
        const Dfa not_a = set_complement(a);
        for (const auto& p : paths()) {
            ASSERT_EQ(in(ab, p), in(a, p) && in(b, p));
            ASSERT_EQ(in(uab, p), in(a, p) || in(b, p));
            ASSERT_EQ(in(diff, p), in(a, p) && !in(b, p));
            ASSERT_EQ(in(not_a, p), !in(a, p));
        }
        auto equivalent = [](const Dfa& x, const Dfa& y) {
            return *set_is_subset(x, y, kDfaLimits) && *set_is_subset(y, x, kDfaLimits);
        };
        EXPECT_TRUE(equivalent(ab, ba));
        EXPECT_TRUE(equivalent(uab, uba));
        EXPECT_TRUE(equivalent(*set_intersection(ab, c, kDfaLimits),
                               *set_intersection(a, *set_intersection(b, c, kDfaLimits), kDfaLimits)));
        EXPECT_TRUE(equivalent(*set_union(uab, c, kDfaLimits),
                               *set_union(a, *set_union(b, c, kDfaLimits), kDfaLimits)));
        EXPECT_TRUE(set_is_empty(*set_intersection(a, not_a, kDfaLimits)));
        EXPECT_TRUE(equivalent(set_complement(uab), *set_intersection(not_a, set_complement(b), kDfaLimits)));
        EXPECT_TRUE(equivalent(set_complement(ab), *set_union(not_a, set_complement(b), kDfaLimits)));
        EXPECT_EQ(*set_is_subset(a, b, kDfaLimits), set_is_empty(diff));
    }
}

TEST(GlobAlgebra, RelationAgreesWithTheSetOperations) {
    std::mt19937 rng(31);
    for (int round = 0; round < 200; ++round) {
        const Dfa a = compile({random_glob(rng), random_glob(rng)});
        const Dfa b = rng() % 4 == 0 ? a : compile({random_glob(rng)});
        const auto r = set_relation(a, b, kDfaLimits);
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r->both, !set_is_empty(*set_intersection(a, b, kDfaLimits)));
        EXPECT_EQ(r->only_a, !*set_is_subset(a, b, kDfaLimits));
        EXPECT_EQ(r->only_b, !*set_is_subset(b, a, kDfaLimits));
    }
}

TEST(GlobAlgebra, WitnessIsAShortestPathInTheDifference) {
    std::mt19937 rng(5);
    int witnesses = 0;
    for (int round = 0; round < 200; ++round) {
        const Dfa a = compile({random_glob(rng)});
        const Dfa b = compile({random_glob(rng)});
        auto w = set_difference_witness(a, b, kDfaLimits);
        ASSERT_TRUE(w.ok());
        std::size_t shortest = std::string::npos;
        for (const auto& p : paths()) {
            if (in(a, p) && !in(b, p)) shortest = std::min(shortest, p.size());
        }
        if (!w->has_value()) {
            EXPECT_EQ(shortest, std::string::npos)
                << "no witness, yet a path of length " << shortest << " differs";
            continue;
        }
        ++witnesses;
        EXPECT_TRUE(in(a, **w) && !in(b, **w)) << **w;
        if (shortest != std::string::npos) {
            EXPECT_EQ((*w)->size(), shortest) << **w;
        }
    }
    EXPECT_GT(witnesses, 50);
}

TEST(GlobAlgebra, WitnessesReadLikePaths) {
    const Dfa home = compile({"/home/alice/**"});
    const Dfa grant = compile({"/home/alice/.mozilla/**", "/home/alice/Downloads/**"});
    auto w = set_difference_witness(home, grant, kDfaLimits);
    ASSERT_TRUE(w.ok() && w->has_value());
    EXPECT_EQ(**w, "/home/alice/a");
}

TEST(GlobLimits, StateBudgetTurnsExplosionIntoAnError) {
    // (a|b)*a(a|b){n}: the classic exponential DFA, written as a glob.
    std::string g = "/**a";
    for (int k = 0; k < 24; ++k)
        g += "[ab]";
    DfaLimits limits;
    limits.max_states = 5000;
    auto d = compile_globs({g}, Location{"layer", 1, 1}, GlobLimits{}, limits);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().kind, ErrorKind::Limit);
    EXPECT_NE(d.error().message.find("too complex"), std::string::npos);
}

TEST(GlobLimits, DeepAlternationIsRefused) {
    std::string g = "/";
    for (int k = 0; k < 40; ++k)
        g += "{a,";
    for (int k = 0; k < 40; ++k)
        g += "}";
    auto d = compile_globs({g}, Location{}, kGlobLimits, kDfaLimits);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().kind, ErrorKind::Limit);
}

}  // namespace
}  // namespace aalayer::policy
