// The notes on what a layer takes away inside the grant
// (policy/engine/removal_notes.h; docs/layer-algebra.md, "What a layer takes away").
#include <algorithm>

#include <gtest/gtest.h>

#include "policy/engine/compose.h"
#include "policy/source/memory_reader.h"
#include "tests/support/default_limits.h"

namespace aalayer::policy {
namespace {

using test::kLayerLimits;
using test::kPermissionLimits;

FileRuleInfo rule(const std::string& glob, PermBits bits, bool deny = false, std::uint32_t line = 1) {
    FileRuleInfo r;
    r.where = Location{"grant.conf", line, 3};
    r.globs = {glob};
    r.bits = bits;
    r.deny = deny;
    r.text = glob + " " + perm_letters(bits) + ",";
    return r;
}

std::shared_ptr<const BasePolicy> make_base(std::vector<FileRuleInfo> rules) {
    BasePolicy base;
    base.name = "base";
    auto files = PermissionAutomaton::build(std::move(rules), kPermissionLimits).value();
    base.effective = files.effective_dfa();
    base.files = std::move(files);
    return std::make_shared<const BasePolicy>(std::move(base));
}

std::shared_ptr<const CompiledGrant> make_grant(std::vector<FileRuleInfo> rules) {
    Grant g;
    g.base = "base";
    g.where = Location{"grant.conf", 1, 1};
    g.rules = std::move(rules);
    return std::make_shared<const CompiledGrant>(compile_grant(std::move(g), kPermissionLimits).value());
}

std::vector<std::string> notes_of(const std::shared_ptr<const BasePolicy>& base,
                                  const std::shared_ptr<const CompiledGrant>& grant,
                                  std::vector<FileRuleInfo> layer_rules) {
    LayerRules layer;
    layer.source = "my.layer";
    layer.files = std::move(layer_rules);
    auto c = compose(base, grant, layer, LayerId{1000, "l"});
    EXPECT_TRUE(c.ok());
    if (!c.ok()) return {};
    EXPECT_TRUE(c->valid());  // notes never make a layer invalid
    std::vector<std::string> out;
    for (const auto& f : c->findings)
        if (f.severity == Severity::Note) out.push_back(f.format());
    return out;
}

std::string removal(const std::string& path, const std::string& base, const std::string& rule,
                    std::uint32_t line) {
    return "my.layer: note: inside the grant this layer allows nothing on " + path + " (the base allows " +
           base + " there), nor on any other path of the grant's '" + rule +
           "' (grant.conf:" + std::to_string(line) +
           ":3) it neither allows nor denies: inside the grant a layer is an allow-list";
}

constexpr PermBits kRw = perm::kRead | perm::kWrite;

TEST(RemovalNotes, OneNotePerGrantRuleWithAnExampleAndWhatTheBaseAllows) {
    auto base = make_base({rule("/h/a/**", kRw), rule("/h/b/**", perm::kRead)});
    auto grant = make_grant({rule("/h/a/**", kRw, false, 2), rule("/h/b/**", perm::kRead, false, 3)});
    // Allows one file of a, nothing of b: one note for each rule, not one per path.
    const auto notes = notes_of(base, grant, {rule("/h/a/x", kRw)});
    EXPECT_EQ(notes, (std::vector<std::string>{removal("/h/a/a", "rw", "/h/a/** rw,", 2),
                                               removal("/h/b/a", "r", "/h/b/** r,", 3)}));
}

TEST(RemovalNotes, NoNoteWhereTheLayerAllowsSomethingOrDeniesAll) {
    auto base = make_base({rule("/h/a/**", kRw), rule("/h/b/**", perm::kRead)});
    auto grant = make_grant({rule("/h/a/**", kRw, false, 2), rule("/h/b/**", perm::kRead, false, 3)});
    // Less than the base (r of rw) is not nothing; an explicit deny says the layer means it.
    EXPECT_EQ(notes_of(base, grant, {rule("/h/a/**", perm::kRead), rule("/h/b/**", perm::kRead, true)}),
              std::vector<std::string>{});
    // A deny of part of what the base allows leaves the rest taken away silently: a note.
    EXPECT_EQ(notes_of(base, grant, {rule("/h/b/**", perm::kRead), rule("/h/a/**", perm::kWrite, true)}),
              (std::vector<std::string>{removal("/h/a/a", "rw", "/h/a/** rw,", 2)}));
}

TEST(RemovalNotes, OwnerAndOtherAreNamedWhenTheyDiffer) {
    FileRuleInfo owned = rule("/h/a/**", kRw);
    owned.owner = OwnerMode::Owner;
    auto base = make_base({owned, rule("/h/a/**", perm::kRead)});
    auto grant = make_grant({rule("/h/a/**", kRw, false, 2)});
    EXPECT_EQ(notes_of(base, grant, {}),
              (std::vector<std::string>{removal("/h/a/a", "owner=rw other=r", "/h/a/** rw,", 2)}));
}

TEST(RemovalNotes, AHomeTheBaseDoesNotCoverIsNamed) {
    // The base lists directories anywhere and covers /home/*; the grant is
    // for a user whose home is /srv/people/bob.
    auto base = make_base({rule("/**/", perm::kRead), rule("/home/*/**", kRw)});
    auto grant = make_grant({rule("/srv/people/bob/.app/**", kRw, false, 2)});
    const auto notes = notes_of(base, grant, {rule("/srv/people/bob/.app/**", kRw)});
    EXPECT_EQ(notes,
              (std::vector<std::string>{
                  "my.layer: note: the base base allows no file (directories at most) anywhere in the "
                  "grant's '/srv/people/bob/.app/** rw,' (grant.conf:2:3), so this layer's allow rules "
                  "give no file there (e.g. /srv/people/bob/.app/a); a home directory outside the homes "
                  "the base covers (its @{HOMEDIRS}) looks like this"}));
    // A layer that allows nothing there is told what it takes away instead (directories, here).
    EXPECT_EQ(notes_of(base, grant, {}),
              (std::vector<std::string>{
                  removal("/srv/people/bob/.app/a/", "r", "/srv/people/bob/.app/** rw,", 2)}));
    // The same home under the base's /home/*: no note.
    auto covered = make_grant({rule("/home/bob/.app/**", kRw, false, 2)});
    EXPECT_EQ(notes_of(base, covered, {rule("/home/bob/.app/**", kRw)}), std::vector<std::string>{});
}

TEST(RemovalNotes, AtMostEightThenACount) {
    std::vector<FileRuleInfo> granted;
    for (std::uint32_t i = 0; i < 11; ++i)
        granted.push_back(rule("/d" + std::to_string(i) + "/**", perm::kRead, false, i + 2));
    auto base = make_base({rule("/**", kRw)});
    const auto notes = notes_of(base, make_grant(granted), {});
    ASSERT_EQ(notes.size(), 9U);
    for (std::size_t i = 0; i < 8; ++i) {
        const std::string dir = "/d" + std::to_string(i);
        EXPECT_EQ(notes[i], removal(dir + "/a", "rw", dir + "/** r,", static_cast<std::uint32_t>(i + 2)));
    }
    EXPECT_EQ(
        notes[8],
        "my.layer: note: and 3 more grant rule(s) where this layer allows nothing of what the base allows");
}

TEST(RemovalNotes, DiffWithBaseShowsWhatTheLayerTakesAway) {
    auto base = make_base({rule("/h/a/**", kRw), rule("/h/b/**", perm::kRead), rule("/etc/**", perm::kRead)});
    auto grant = make_grant({rule("/h/a/**", kRw, false, 2), rule("/h/b/**", perm::kRead, false, 3)});
    LayerRules layer;
    layer.source = "my.layer";
    layer.files = {rule("/h/a/x", perm::kRead), rule("/etc/s", perm::kRead, true)};
    auto c = compose(base, grant, layer, LayerId{1000, "l"});
    ASSERT_TRUE(c.ok() && c->valid());
    auto d = diff_with_base(*c, test::kDfaLimits);
    ASSERT_TRUE(d.ok());
    const PermPair rw{kRw, kRw};
    const PermPair r{perm::kRead, perm::kRead};
    // Each difference: an example path, the base there, the layer's answer; the same as
    // perms() and bounds_at() give on that path.
    for (const auto& x : *d) {
        EXPECT_EQ(x.a, c->bounds_at(x.example).base) << x.example;
        EXPECT_EQ(x.b, c->perms(x.example)) << x.example;
    }
    const auto has = [&](const std::string& path, PermPair a, PermPair b) {
        return std::ranges::any_of(
            *d, [&](const Difference& x) { return x.example == path && x.a == a && x.b == b; });
    };
    EXPECT_TRUE(has("/h/a/x", rw, r)) << ::testing::PrintToString(d->size());
    EXPECT_TRUE(has("/h/a/a", rw, PermPair{}));
    // One example per distinct pair: /h/b/** (taken away inside the grant) and /etc/s (denied
    // outside it) both go from r to nothing, and /etc/s comes first in witness order.
    EXPECT_TRUE(has("/etc/s", r, PermPair{}));
    EXPECT_EQ(d->size(), 3U);
}

TEST(RemovalNotes, AnEmptyGrantHasNone) {
    auto base = make_base({rule("/**", kRw)});
    EXPECT_EQ(notes_of(base, make_grant({}), {rule("/s/**", kRw, true)}), std::vector<std::string>{});
}

// Allow-list classes: a layer whose network (capability, ...) rules meet
// nothing the base allows leaves the program none of the class.
class ClassNotes : public ::testing::Test {
protected:
    ClassNotes() {
        reader_.add("/p/app",
                    "profile app /usr/bin/app {\n  /** r,\n  network inet stream,\n  network unix,\n"
                    "  capability net_admin,\n  signal,\n  deny ptrace,\n}\n");
    }

    std::vector<std::string> notes(const std::string& text) {
        LoadOptions options;
        options.include_dirs = {"/p"};
        const Loader loader(reader_, options);
        auto base = compile_base(loader, "/p/app", "", kPermissionLimits);
        EXPECT_TRUE(base.ok());
        if (!base.ok()) return {};
        const LayerRules layer = read_layer(loader, text, "my.layer", kLayerLimits);
        auto c = compose(std::make_shared<const BasePolicy>(std::move(*base)), make_grant({}), layer,
                         LayerId{1000, "l"});
        EXPECT_TRUE(c.ok() && c->valid());
        std::vector<std::string> out;
        if (c.ok())
            for (const auto& f : c->findings)
                if (f.severity == Severity::Note) out.push_back(f.format());
        return out;
    }

    static std::string none_of(const std::string& cls, std::uint32_t line, const std::string& allowed) {
        return "my.layer:" + std::to_string(line) + ":1: note: this layer's " + cls + " rules make " + cls +
               " an allow-list, and none of them meets what the base app allows (" + allowed +
               "): the program gets no " + cls + " at all";
    }

    MemoryReader reader_;
};

TEST_F(ClassNotes, NetworkThatMeetsNothingTheBaseAllows) {
    const std::string allowed = "network inet stream, network unix,";
    EXPECT_EQ(notes("network inet dgram,\n"), std::vector{none_of("network", 1, allowed)});
    EXPECT_EQ(notes("/x r,\nnetwork inet6 stream,\nnetwork inet6 dgram,\n"),
              std::vector{none_of("network", 2, allowed)});
    // Any rule that meets the base is enough; a rule with fewer words meets more.
    EXPECT_EQ(notes("network inet dgram,\nnetwork inet stream,\n"), std::vector<std::string>{});
    EXPECT_EQ(notes("network inet,\n"), std::vector<std::string>{});
    EXPECT_EQ(notes("network stream,\n"), std::vector<std::string>{});
    EXPECT_EQ(notes("network unix stream,\n"), std::vector<std::string>{});
    EXPECT_EQ(notes("network,\n"), std::vector<std::string>{});
}

TEST_F(ClassNotes, CapabilitiesAndClassesTheBaseDoesNotAllowAtAll) {
    EXPECT_EQ(notes("capability sys_admin,\n"),
              std::vector{none_of("capability", 1, "capability net_admin,")});
    EXPECT_EQ(notes("capability sys_admin net_admin,\n"), std::vector<std::string>{});
    // The base's deny ptrace is no allow: it allows no ptrace at all.
    EXPECT_EQ(notes("ptrace read,\n"), std::vector{none_of("ptrace", 1, "no ptrace rule")});
    EXPECT_EQ(notes("signal (send),\n"), std::vector<std::string>{});
}

}  // namespace
}  // namespace aalayer::policy
