// One-run layer text (policy/engine/one_run.h): each literal path, however
// odd its name, becomes a rule the engine reads as that path and nothing
// else; directories with a trailing '/' take their subtree.
#include "policy/engine/one_run.h"

#include <random>

#include <gtest/gtest.h>

#include "policy/automaton/dfa.h"
#include "policy/engine/compose.h"
#include "policy/engine/grant.h"
#include "policy/engine/identity.h"
#include "policy/engine/layer.h"
#include "policy/source/memory_reader.h"
#include "tests/support/default_limits.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kGlobLimits;
using aalayer::test::kLayerLimits;
using aalayer::test::kPermissionLimits;

namespace aalayer::policy {
namespace {

// The set {path}, built byte by byte, not from a glob.
Dfa only(const std::string& path) {
    Dfa d;
    d.class_count = 256;
    for (std::size_t b = 0; b < 256; ++b)
        d.byte_class[b] = static_cast<std::uint16_t>(b);
    const auto dead = static_cast<StateId>(path.size() + 1);
    d.label.assign(path.size() + 2, 0);
    d.label[path.size()] = 1;
    d.next.assign(d.label.size() * 256, dead);
    for (std::size_t i = 0; i < path.size(); ++i)
        d.next[i * 256 + static_cast<unsigned char>(path[i])] = static_cast<StateId>(i + 1);
    d.start = 0;
    return d;
}

class OneRun : public ::testing::Test {
protected:
    void SetUp() override {
        reader_.add("/sys/tunables/global", "@{PROC}=/proc\n");
        reader_.add("/sys/app", "profile app {\n  /** rwlkmix,\n}\n");
        reader_.add("/etc/aalayer/grants.d/app.conf", "grant app {\n  /home/alice/** rw,\n}\n");
        LoadOptions options;
        options.include_dirs = {"/sys"};
        system_ = std::make_unique<Loader>(reader_, options);
        const UserIdentity alice{1000, "alice", "/home/alice"};
        options.predefined = user_variables(load_tunables(*system_).value(), alice);
        user_ = std::make_unique<Loader>(reader_, options);
        auto base = std::make_shared<const BasePolicy>(
            compile_base(*system_, "/sys/app", "app", kPermissionLimits).value());
        const Loader grant_loader(reader_, grant_load_options(options));
        auto grants = read_grants(grant_loader.load_file("/etc/aalayer/grants.d/app.conf").value()).value();
        auto compiled = compile_grant(grants.front(), kPermissionLimits).value();
        bounds_ = prepare_bounds(base, std::make_shared<const CompiledGrant>(std::move(compiled)), kDfaLimits)
                      .value();
    }

    // The layer the rules make, read as the service reads it.
    LayerRules read(const std::string& text) const {
        return read_layer(*user_, text, "run.layer", kLayerLimits);
    }

    Composition compose_rules(const std::vector<OneRunPath>& allows, const std::vector<std::string>& denies) {
        auto text = one_run_rules(allows, denies);
        EXPECT_TRUE(text.ok()) << text.error().format();
        ComposeOptions options;
        options.removal_notes = false;  // as the service composes a one-run layer
        auto c = compose(bounds_, read(text.value()), LayerId{1000, "run.1"}, options);
        EXPECT_TRUE(c.ok()) << c.error().format();
        return std::move(c.value());
    }

    MemoryReader reader_;
    std::unique_ptr<Loader> system_;
    std::unique_ptr<Loader> user_;
    std::shared_ptr<const Bounds> bounds_;
};

// The property: for any name of these odd bytes, the rule's glob, as the
// layer reader decodes it, matches exactly that one path.
TEST_F(OneRun, LiteralMatchesExactlyItself) {
    const std::vector<std::string> pieces = {
        "a", "b",  ".",  "/", " ", "[",  "]",       "{",    "}",    ",",    "*",       "**",
        "?", "\\", "\"", "'", "@", "@{", "@{HOME}", "#",    "^",    "!",    "-",       "=",
        "(", ")",  "<",  ">", "$", "~",  "é",       "日本", "x\\*", "\\\"", "[final]", ".."};
    std::mt19937 rng(18);
    std::size_t checked = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string path = "/home/alice/";
        const std::size_t n = 1 + rng() % 8;
        for (std::size_t i = 0; i < n; ++i)
            path += pieces[rng() % pieces.size()];
        // '.' and '..' components and '//' are refused or are not a file's name.
        if (path.find("//") != std::string::npos || path.find("/./") != std::string::npos ||
            path.find("/../") != std::string::npos || path.ends_with("/.") || path.ends_with("/.."))
            continue;
        if (path.ends_with('/')) path.pop_back();
        auto text = one_run_rules({{path, ""}}, {});
        ASSERT_TRUE(text.ok()) << path << ": " << text.error().format();
        const LayerRules rules = read(text.value());
        for (const auto& f : rules.findings)
            ADD_FAILURE() << path << " -> " << text.value() << f.format();
        ASSERT_EQ(rules.files.size(), 1U) << text.value();
        ASSERT_EQ(rules.files.front().globs.size(), 1U) << text.value();
        auto dfa = compile_globs(rules.files.front().globs, Location{}, kGlobLimits, kDfaLimits);
        ASSERT_TRUE(dfa.ok()) << text.value() << dfa.error().format();
        auto rel = set_relation(*dfa, only(path), kDfaLimits);
        ASSERT_TRUE(rel.ok());
        EXPECT_TRUE(rel->both && !rel->only_a && !rel->only_b)
            << path << " written " << text.value() << " matches " << (rel->only_a ? "more" : "less");
        ++checked;
    }
    EXPECT_GT(checked, 1000U);
}

TEST_F(OneRun, OddNamesAllowedAloneInTheComposition) {
    for (const std::string name : {"report [final].txt", "a{b}", "*", "?", "say \"hi\"", "@{HOME}", "x,y"}) {
        const Composition c = compose_rules({{"/home/alice/" + name, ""}}, {});
        ASSERT_TRUE(c.valid()) << name;
        EXPECT_EQ(c.perms("/home/alice/" + name).owner, perm::kRead) << name;
        EXPECT_EQ(c.perms("/home/alice/" + name).other, perm::kRead) << name;
        EXPECT_EQ(c.perms("/home/alice/report f.txt").owner, PermBits{0}) << name;
        EXPECT_EQ(c.perms("/home/alice/ab").owner, PermBits{0}) << name;
        EXPECT_EQ(c.perms("/home/alice/x").owner, PermBits{0}) << name;
    }
}

TEST_F(OneRun, DirectoryIsItselfAndItsSubtree) {
    const Composition c = compose_rules({{"/home/alice/my [docs]/", "rw"}}, {"/home/alice/my [docs]/secret"});
    ASSERT_TRUE(c.valid());
    const PermBits rw = perm::kRead | perm::kWrite | perm::kAppend;
    EXPECT_EQ(c.perms("/home/alice/my [docs]/").owner, rw);
    EXPECT_EQ(c.perms("/home/alice/my [docs]/a/b").owner, rw);
    EXPECT_EQ(c.perms("/home/alice/my [docs]/secret").owner, PermBits{0});
    EXPECT_EQ(c.perms("/home/alice/my d/a").owner, PermBits{0});
    EXPECT_EQ(c.perms("/home/alice/my [docs]x").owner, PermBits{0});
}

TEST_F(OneRun, OutsideTheGrantIsAFinding) {
    const Composition c = compose_rules({{"/etc/passwd", ""}}, {});
    EXPECT_TRUE(c.valid());
    ASSERT_EQ(c.findings.size(), 1U);
    EXPECT_EQ(c.findings.front().where.line, 1U);
    EXPECT_NE(c.findings.front().message.find("/etc/passwd"), std::string::npos)
        << c.findings.front().format();
}

TEST(OneRunText, RulesAsWritten) {
    EXPECT_EQ(
        one_run_rules({{"/home/a/report [final].txt", ""}, {"/home/a/d/", "rw"}}, {"/home/a/d/x*"}).value(),
        "\"/home/a/report \\[final\\].txt\" r,\n"
        "\"/home/a/d/{,**}\" rw,\n"
        "deny \"/home/a/d/x\\*\" rwlkm,\n");
    EXPECT_EQ(literal_path_word("/a/say \"hi\"\\").value(), R"("/a/say \"hi\"\\")");
    EXPECT_EQ(literal_path_word("/a/é@{X}").value(), R"("/a/é@\{X\}")");
}

TEST(OneRunText, Refused) {
    for (const std::string path :
         {"", "rel/x", "/a/../b", "/a/./b", "/a/..", "/a\nb", "/a\tb", "/a\x7f", "/a\xff"}) {
        EXPECT_FALSE(literal_path_word(path).ok()) << path;
        EXPECT_FALSE(one_run_rules({{path, ""}}, {}).ok()) << path;
    }
    for (const std::string perms : {"x", "rr", "wa", "rwx", "R", " r"})
        EXPECT_FALSE(one_run_perms(perms).ok()) << perms;
    EXPECT_EQ(one_run_perms("").value(), "r");
    EXPECT_EQ(one_run_perms("wr").value(), "rw");
    EXPECT_EQ(one_run_perms("mkl").value(), "lkm");
    std::vector<OneRunPath> many(kMaxOneRunPaths + 1, OneRunPath{"/a", ""});
    EXPECT_FALSE(one_run_rules(many, {}).ok());
}

}  // namespace
}  // namespace aalayer::policy
