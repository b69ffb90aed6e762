// Escapes in path globs mean to the engine what they mean to apparmor_parser
// (docs/layer-algebra.md, "Escapes"): numeric and named escapes are decoded
// before globbing, a decoded metacharacter stays literal, a decoded '/' is a
// '/', a NUL escape or a control byte is refused in layers and grants, and the
// child profile writes every decoded byte back so the parser reads it again.
// tests/corpus/escape_differential_test.cpp checks the table against the
// real apparmor_parser.
#include <gtest/gtest.h>

#include "policy/automaton/paths.h"
#include "policy/engine/child_profile.h"
#include "policy/engine/compose.h"
#include "policy/engine/grant.h"
#include "policy/engine/identity.h"
#include "policy/source/memory_reader.h"
#include "policy/syntax/emitter.h"
#include "policy/syntax/escapes.h"
#include "policy/syntax/parser.h"
#include "tests/support/default_limits.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kGlobLimits;
using aalayer::test::kLayerLimits;
using aalayer::test::kParseLimits;
using aalayer::test::kPermissionLimits;

namespace aalayer::policy {
namespace {

TEST(Escapes, DecodeAsApparmorParser) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"(/a/\151d)", "/a/id"},     // octal
        {R"(/a/\x69d)", "/a/id"},     // hex
        {R"(/a/\d105d)", "/a/id"},    // decimal
        {R"(/a\057b)", "/a/b"},       // a decoded slash is a slash
        {R"(/a\x2Fb)", "/a/b"},       // hex digits in either case
        {R"(/a/\777)", R"(/a/\?7)"},  // octal stops before passing 255: \77 is '?', kept literal
        {R"(/a/\400)", "/a/ 0"},      // \40 then '0'
        {R"(/a/\d256)",
         "/a/\x19"
         "6"},  // \d25 then '6'
        {R"(/a/\x123)",
         "/a/\x12"
         "3"},                       // two hex digits at most
        {R"(/a/\052)", R"(/a/\*)"},  // a decoded metacharacter stays literal
        {R"(/a/\x5b\x5d)", R"(/a/\[\])"},
        {R"(/a/\173x,y\175)", R"(/a/\{x,y\})"},
        {R"(/a/\x2c\x5e\x3f)", R"(/a/\,\^\?)"},
        {R"(/a/\134)", R"(/a/\\)"},
        {R"(/a/\\x41)", R"(/a/\\x41)"},  // an escaped backslash, then text
        {R"(/a/\042\")", R"(/a/"")"},
        {R"(/a/\a\e\f\n\r\t)", "/a/\a\x1b\f\n\r\t"},
        {R"(/a/\*\{\q\.\-)", R"(/a/\*\{\q\.\-)"},  // not decoded: the glob reader quotes them
        {R"(/a/\xg\d\8)", R"(/a/\xg\d\8)"},        // no digits: not an escape
        {R"(/a/\000x)", R"(/a/\000x)"},            // NUL stays as written
        {R"(/a/\x0)", R"(/a/\x0)"},
        {R"(/a/\d00)", R"(/a/\d00)"},
        {R"(/a/\x80\xff)", "/a/\x80\xff"},
        {"/a/\\", "/a/\\"},  // a trailing backslash is left for the glob reader to refuse
    };
    for (const auto& [text, want] : cases) {
        const DecodedWord d = decode_escapes(text);
        EXPECT_EQ(d.text, want) << text;
        EXPECT_EQ(decode_escapes(d.text).text, d.text) << text << ": decoding twice changes it";
        EXPECT_EQ(d.nul, text.find("\\000") != std::string::npos || text.find("\\x0") != std::string::npos ||
                             text.find("\\d00") != std::string::npos)
            << text;
    }
}

// The glob automaton of an escaped glob is the automaton of the literal one.
TEST(Escapes, GlobsMatchTheDecodedBytes) {
    const std::vector<std::pair<std::string, std::string>> same = {
        {R"(/home/a/.ssh/\151d_rsa)", "/home/a/.ssh/id_rsa"},
        {R"(/a/x\057secret\057y)", "/a/x/secret/y"},
        {R"(/a/\x2f*)", "/a/*"},  // the decoded slash starts a segment: `*` needs a byte
        {R"(/a//\057/b)", "/a/b"},
        {R"(/a/[a\x2dc])", "/a/[a-c]"},  // a decoded '-' in a class is a range, as in apparmor_parser
        {R"(/a/\052)", R"(/a/\*)"},
        {R"(/a/\t)", "/a/\t"},
    };
    for (const auto& [escaped, literal] : same) {
        auto a = compile_globs({escaped}, Location{}, kGlobLimits, kDfaLimits);
        auto b = compile_globs({literal}, Location{}, kGlobLimits, kDfaLimits);
        ASSERT_TRUE(a.ok() && b.ok()) << escaped;
        auto rel = set_relation(*a, *b, kDfaLimits);
        ASSERT_TRUE(rel.ok());
        EXPECT_TRUE(rel->both && !rel->only_a && !rel->only_b) << escaped << " vs " << literal;
    }
    // A NUL escape matches no path (paths have no NUL).
    auto nul = compile_globs({R"(/a/\000)"}, Location{}, kGlobLimits, kDfaLimits);
    ASSERT_TRUE(nul.ok());
    auto none = set_intersection(*nul, canonical_paths(), kDfaLimits);
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(set_is_empty(*none));
}

// What the child says for a decoded glob reads back, escapes decoded, as
// the same set of paths; no control byte or stray non-UTF-8 byte is written.
TEST(Escapes, ChildWordsReadBackAsTheSameBytes) {
    const std::vector<std::string> globs = {
        "/a/id",     "/a/\"q\"",    R"(/a/\*\{\}\[\]\,\^\?\\)", "/a/ sp#(x)=<y>!", "/a/\x01\t",
        "/a/\x7f",   "/a/\x80\xfe", "/a/caf\xc3\xa9",           R"(/a/\000)",      R"(/a/\\")",
        "/a/\\\x80",
    };
    for (const auto& glob : globs) {
        const Word w = glob_word(glob);
        for (const char ch : w.text) {
            const auto u = static_cast<unsigned char>(ch);
            EXPECT_FALSE(u < 0x20 || u == 0x7f) << "control byte written for " << glob;
        }
        const std::string rule = emit_word(w) + " r,";
        auto parsed = parse_document("profile p {\n  " + rule + "\n}\n", "child", kParseLimits);
        ASSERT_TRUE(parsed.ok()) << rule << ": " << parsed.error().format();
        const auto& profile = std::get<Box<Profile>>(parsed->document.items.front().node);
        const auto& file = std::get<FileRule>(profile->items.front().node);
        auto read_back = compile_globs({file.path->text}, Location{}, kGlobLimits, kDfaLimits);
        auto meant = compile_globs({glob}, Location{}, kGlobLimits, kDfaLimits);
        ASSERT_TRUE(read_back.ok() && meant.ok()) << rule;
        auto rel = set_relation(*read_back, *meant, kDfaLimits);
        ASSERT_TRUE(rel.ok());
        EXPECT_FALSE(rel->only_a || rel->only_b) << rule << " does not read back as " << glob;
    }
}

// ---- the two reproductions, end to end ---------------------------------------------------------

class EscapeCompose : public ::testing::Test {
protected:
    void setup(const std::string& base_rules, const std::string& grant_rules) {
        reader_.add("/sys/tunables/global", "@{PROC}=/proc\n");
        reader_.add("/sys/app", "profile app {\n" + base_rules + "}\n");
        reader_.add("/etc/aalayer/grants.d/app.conf", "grant app {\n" + grant_rules + "}\n");
        LoadOptions options;
        options.include_dirs = {"/sys"};
        system_ = std::make_unique<Loader>(reader_, options);
        const UserIdentity alice{1000, "alice", "/home/alice"};
        options.predefined = user_variables(load_tunables(*system_).value(), alice);
        user_ = std::make_unique<Loader>(reader_, options);
        base_ = std::make_shared<const BasePolicy>(
            compile_base(*system_, "/sys/app", "app", kPermissionLimits).value());
        const Loader grant_loader(reader_, grant_load_options(options));
        auto policy = grant_loader.load_file("/etc/aalayer/grants.d/app.conf");
        ASSERT_TRUE(policy.ok()) << policy.error().format();
        auto grants = read_grants(*policy);
        ASSERT_TRUE(grants.ok()) << grants.error().format();
        auto compiled = compile_grant(grants->front(), kPermissionLimits);
        ASSERT_TRUE(compiled.ok()) << compiled.error().format();
        bounds_ =
            prepare_bounds(base_, std::make_shared<const CompiledGrant>(std::move(*compiled)), kDfaLimits)
                .value();
    }

    Result<Composition> compose_text(const std::string& text) {
        return compose(bounds_, read_layer(*user_, text, "t.layer", kLayerLimits), LayerId{1000, "t"});
    }

    MemoryReader reader_;
    std::unique_ptr<Loader> system_;
    std::unique_ptr<Loader> user_;
    std::shared_ptr<const BasePolicy> base_;
    std::shared_ptr<const Bounds> bounds_;
};

// `\151` is 'i': the deny covers id_rsa, in a base and in a layer alike.
TEST_F(EscapeCompose, OctalEscapeDeniesIdRsa) {
    setup("  /home/** rw,\n  deny /home/alice/.ssh/\\151d_rsa w,\n", "  owner @{HOME}/** rw,\n");
    auto c = compose_text("owner @{HOME}/** rw,\ndeny @{HOME}/.ssh/\\151d_rsa r,\n");
    ASSERT_TRUE(c.ok()) << c.error().format();
    ASSERT_TRUE(c->valid());
    const Explanation e = c->explain("/home/alice/.ssh/id_rsa");
    EXPECT_EQ(e.perms.owner, PermBits{0}) << format_pair(e.perms);
    bool layer_deny = false;
    bool base_deny = false;
    for (const auto& r : e.reasons) {
        if (r.rule.find("deny") == std::string::npos) continue;
        layer_deny = layer_deny || r.source == "layer";
        base_deny = base_deny || r.source == "base";
    }
    EXPECT_TRUE(layer_deny && base_deny) << "the deny rules are not named as deciding id_rsa";
    // The literal name next to it is untouched.
    EXPECT_EQ(c->perms("/home/alice/.ssh/x151d_rsa").owner, perm::kRead | perm::kWrite | perm::kAppend);
}

// `\057` is '/': the rule lies under secret/, where the grant allows r only.
TEST_F(EscapeCompose, EscapedSlashIsClippedToTheGrant) {
    setup("  /** rwlkmix,\n", "  owner @{HOME}/a/* rw,\n  owner @{HOME}/a/*/secret/** r,\n");
    for (const std::string escape : {"\\057", "\\x2f", "\\d47"}) {
        const std::string text = "owner @{HOME}/a/x" + escape + "secret" + escape + "y rw,\n";
        auto c = compose_text(text);
        ASSERT_TRUE(c.ok()) << text << c.error().format();
        ASSERT_TRUE(c->valid()) << text;
        EXPECT_EQ(c->perms("/home/alice/a/x/secret/y").owner, perm::kRead) << text;
        // The child, stacked on the base, gives no more on that path: the proof
        // parses the child back and decodes it as apparmor_parser does.
        EXPECT_TRUE(c->prove(c->child_text, kDfaLimits).ok()) << c->child_text;
        EXPECT_EQ(c->child_text.find("secret/y rw"), std::string::npos) << c->child_text;
        EXPECT_NE(c->child_text.find("owner /home/alice/a/x/secret/y r,"), std::string::npos)
            << c->child_text;
    }
}

TEST_F(EscapeCompose, LayerRefusesNulControlAndHiddenDotDot) {
    setup("  /** rwlkmix,\n", "  owner @{HOME}/** rw,\n");
    const std::vector<std::pair<std::string, std::string>> refused = {
        {"owner @{HOME}/a\\000b r,\n", "NUL"},
        {"owner @{HOME}/a\\x00 r,\n", "NUL"},
        {"owner @{HOME}/a\\tb r,\n", "control character"},
        {"owner @{HOME}/a\\x0bb r,\n", "control character"},
        {"owner @{HOME}/a\\d12b r,\n", "control character"},
        {"owner @{HOME}/\\056\\056/x r,\n", "'..'"},
        {"owner @{HOME}/\\x2e/x r,\n", "'.'"},
        {"owner @{HOME}/\\x40{HOME} r,\n", "variables must be expanded"},
    };
    for (const auto& [text, phrase] : refused) {
        const LayerRules rules = read_layer(*user_, text, "t.layer", kLayerLimits);
        auto c = compose(bounds_, rules, LayerId{1000, "t"});
        bool found = false;
        for (const auto& f : rules.findings)
            found = found || (f.severity == Severity::Error && f.message.find(phrase) != std::string::npos &&
                              f.where.line == 1);
        if (c.ok()) {
            for (const auto& f : c->findings)
                found = found || (f.severity == Severity::Error &&
                                  f.message.find(phrase) != std::string::npos && f.where.line == 1);
            EXPECT_FALSE(c->valid()) << text;
        }
        EXPECT_TRUE(found) << text << " is not refused with '" << phrase << "'";
    }
}

TEST_F(EscapeCompose, GrantRefusesNulAndControl) {
    for (const std::string rule :
         {"owner @{HOME}/a\\000 rw,", "owner @{HOME}/a\\t rw,", "owner @{HOME}/a\\x7f rw,"}) {
        reader_.add("/sys/tunables/global", "@{PROC}=/proc\n");
        reader_.add("/g.conf", "grant app {\n  " + rule + "\n}\n");
        LoadOptions options;
        options.include_dirs = {"/sys"};
        const Loader system(reader_, options);
        options.predefined =
            user_variables(load_tunables(system).value(), UserIdentity{1000, "alice", "/home/alice"});
        const Loader loader(reader_, grant_load_options(options));
        auto policy = loader.load_file("/g.conf");
        ASSERT_TRUE(policy.ok());
        auto grants = read_grants(*policy);
        ASSERT_FALSE(grants.ok()) << rule;
        EXPECT_EQ(grants.error().where.line, 2U) << rule;
    }
}

}  // namespace
}  // namespace aalayer::policy
