// Canonical paths and the rendering of path sets as globs: every rendered
// list is compared, path by path, with the set it came from.
#include "policy/automaton/paths.h"

#include <random>

#include <gtest/gtest.h>

#include "tests/support/default_limits.h"
#include "tests/support/glob_reference.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kGlobLimits;
using aalayer::test::kRenderLimits;

namespace aalayer::policy {
namespace {

using test::all_paths;
using test::random_glob;

bool canonical(const std::string& p) {
    return p.starts_with("/") && p.find("//") == std::string::npos;
}

const std::vector<std::string>& paths() {
    static const std::vector<std::string> kPaths = all_paths(6);
    return kPaths;
}

Dfa compile(const std::vector<std::string>& globs) {
    auto d = compile_globs(globs, Location{}, kGlobLimits, kDfaLimits);
    EXPECT_TRUE(d.ok()) << (d ? "" : d.error().format());
    return d ? std::move(d).value() : Dfa::empty();
}

// The rendered globs match exactly the canonical paths of the set.
void expect_same_on_canonical_paths(const Dfa& set, const std::vector<std::string>& globs,
                                    const std::string& what) {
    const Dfa back = compile(globs);
    for (const auto& p : paths()) {
        if (!canonical(p)) continue;
        ASSERT_EQ(set.label_of(p) != 0, back.label_of(p) != 0) << what << " on " << p;
    }
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += s + "\n";
    return out;
}

TEST(CanonicalPaths, AreAbsoluteWithoutDoubleSlashes) {
    const Dfa c = canonical_paths();
    for (const auto& p : paths())
        EXPECT_EQ(c.label_of(p) != 0, canonical(p)) << p;
    EXPECT_EQ(c.label_of(std::string("/a\0b", 4)), 0U);
}

// The search without products finds the very path that the products,
// minimised, and shortest_witness find: the witness belongs to the set.
TEST(CanonicalPaths, WitnessSearchAgreesWithProducts) {
    std::mt19937 rng(12);
    int found = 0;
    for (int round = 0; round < 300; ++round) {
        const Dfa a = compile({"/" + random_glob(rng), random_glob(rng)});
        const Dfa b = compile({"/" + random_glob(rng)});
        const auto differs = [](Label x, Label y) { return x != 0 && y == 0; };
        auto fast = canonical_witness(a, b, differs, kDfaLimits);
        ASSERT_TRUE(fast.ok());
        const Dfa diff = set_difference(a, b, kDfaLimits).value();
        const auto slow =
            shortest_witness(canonical_part(diff, kDfaLimits).value(), [](Label l) { return l != 0; });
        ASSERT_EQ(*fast, slow);
        if (slow) ++found;
        const auto either = [](Label x, Label y) { return (x != 0) != (y != 0); };
        const Dfa sym =
            product(
                a, b, [&](Label x, Label y) { return static_cast<Label>(either(x, y)); }, kDfaLimits)
                .value();
        ASSERT_EQ(*canonical_witness(a, b, either, kDfaLimits),
                  shortest_witness(canonical_part(sym, kDfaLimits).value(), [](Label l) { return l != 0; }));
        for (const auto& p : paths()) {
            if (canonical(p) && a.label_of(p) != 0 && b.label_of(p) == 0) {
                ASSERT_TRUE(fast->has_value()) << p;
                ASSERT_LE((*fast)->size(), p.size()) << p;
                break;
            }
        }
    }
    EXPECT_GT(found, 100);
}

TEST(RenderGlobs, SubtreeComplementIsOneGlobPerSegment) {
    const Dfa outside = set_complement(compile({"/home/al/**"}));
    auto globs = render_globs(outside, Location{}, kRenderLimits, kDfaLimits);
    ASSERT_TRUE(globs.ok()) << globs.error().format();
    EXPECT_EQ(join(*globs),
              "/{,[^h]**,h,h[^o]**,ho,ho[^m]**,hom,hom[^e]**,home,home?**}\n"
              "/home/{,[^a]**,a,a[^l]**,al,al?**}\n"
              "/home/al/\n");
    expect_same_on_canonical_paths(outside, *globs, "complement of /home/al/**");
}

TEST(RenderGlobs, SimpleSetsComeBackAsTheirGlobs) {
    for (const char* g : {"/a/**", "/a/*", "/a/b", "/{a,b}/c", "/a/?*/b"}) {
        const Dfa set = compile({g});
        auto globs = render_globs(set, Location{}, kRenderLimits, kDfaLimits);
        ASSERT_TRUE(globs.ok()) << g << ": " << globs.error().format();
        expect_same_on_canonical_paths(set, *globs, g);
    }
    auto empty = render_globs(Dfa::empty(), Location{}, kRenderLimits, kDfaLimits);
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
    auto all = render_globs(Dfa::everything(), Location{}, kRenderLimits, kDfaLimits);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(join(*all), "/{,**}\n");
}

TEST(RenderGlobs, RepetitionsGlobsCannotSpellAreRefused) {
    // *.txt and /a/**/b loop through more than one state.
    for (const char* g : {"/**.txt", "/a/**/b", "/*.x/*.y", "/a/*.txt"}) {
        const Dfa set = compile({g});
        auto globs = render_globs(set_complement(set), Location{}, kRenderLimits, kDfaLimits);
        if (globs.ok()) {
            expect_same_on_canonical_paths(set_complement(set), *globs, g);
            continue;
        }
        EXPECT_EQ(globs.error().kind, ErrorKind::Unsupported) << g;
        EXPECT_NE(globs.error().message.find("cannot express"), std::string::npos) << globs.error().message;
    }
    auto refused = render_globs(set_complement(compile({"/a/**/b"})), Location{}, kRenderLimits, kDfaLimits);
    ASSERT_FALSE(refused.ok());
}

// Subtree-shaped grants, the shape docs/admin-guide.md asks admins for: their
// complements must always render, exactly.
TEST(RenderGlobs, ComplementsOfSubtreeShapesAlwaysRender) {
    std::mt19937 rng(7);
    const std::vector<std::string> segments{"a", "b", "ab", "?", "[ab]", "{a,b}", "a*", "*", ".a"};
    const std::vector<std::string> tails{"/**", "/*", "", "*", "/"};
    for (int round = 0; round < 300; ++round) {
        std::vector<std::string> globs;
        const int n = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < n; ++k) {
            std::string g;
            const int depth = 1 + static_cast<int>(rng() % 2);
            for (int d = 0; d < depth; ++d)
                g += "/" + segments[rng() % segments.size()];
            g += tails[rng() % tails.size()];
            globs.push_back(g);
        }
        const Dfa outside = set_complement(compile(globs));
        auto rendered = render_globs(outside, Location{}, kRenderLimits, kDfaLimits);
        ASSERT_TRUE(rendered.ok()) << join(globs) << rendered.error().format();
        expect_same_on_canonical_paths(outside, *rendered, join(globs));
    }
}

// Any set: rendering either fails with a clear kind or is exact.
TEST(RenderGlobs, RandomSetsRenderExactlyOrRefuse) {
    std::mt19937 rng(11);
    int rendered_count = 0;
    for (int round = 0; round < 400; ++round) {
        const std::vector<std::string> globs{"/" + random_glob(rng), "/" + random_glob(rng)};
        const Dfa set = compile(globs);
        for (const Dfa& d : {set, set_complement(set)}) {
            auto rendered = render_globs(d, Location{}, kRenderLimits, kDfaLimits);
            if (!rendered) {
                EXPECT_TRUE(rendered.error().kind == ErrorKind::Unsupported ||
                            rendered.error().kind == ErrorKind::Limit)
                    << rendered.error().format();
                continue;
            }
            ++rendered_count;
            expect_same_on_canonical_paths(d, *rendered, join(globs));
        }
    }
    // A generator that only produced refusals would prove nothing (400 of 800 render with this seed).
    EXPECT_GT(rendered_count, 300);
}

TEST(RenderGlobs, LiteralBytesAreEscaped) {
    const Dfa set = compile({"/a\\*b/c\\{d\\}", "/x y/\\[z\\]"});
    auto globs = render_globs(set, Location{}, kRenderLimits, kDfaLimits);
    ASSERT_TRUE(globs.ok()) << globs.error().format();
    EXPECT_EQ(join(*globs), "/a\\*b/c\\{d\\}\n/x y/\\[z\\]\n");
    const Dfa back = compile(*globs);
    EXPECT_NE(back.label_of("/a*b/c{d}"), 0U);
    EXPECT_EQ(back.label_of("/aXb/c{d}"), 0U);
}

TEST(RenderGlobs, OutputBudgetIsAnError) {
    // Many distinct literal names: more globs than the budget allows.
    std::vector<std::string> names;
    for (int i = 0; i < 200; ++i)
        names.push_back("/d" + std::to_string(i) + "/x" + std::to_string(i));
    GlobRenderLimits limits;
    limits.max_globs = 50;
    auto r = render_globs(compile(names), Location{"grant", 2, 3}, limits, kDfaLimits);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Limit);
    EXPECT_EQ(to_string(r.error().where), "grant:2:3");
}

}  // namespace
}  // namespace aalayer::policy
