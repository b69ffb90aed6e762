// Escapes in path globs against the real apparmor_parser: for each form,
// both accept or both refuse it; the glob as we decode it, written back by
// the child profile's writer (glob_word), compiles to the same binary policy
// as the original; and where the table names the literal glob the escape
// stands for, that compiles to the same bytes too. docs/layer-algebra.md
// ("Escapes") says what the engine does with each form.
#include <cstring>

#include <gtest/gtest.h>

#include "policy/automaton/dfa.h"
#include "policy/engine/child_profile.h"
#include "policy/syntax/emitter.h"
#include "policy/syntax/escapes.h"
#include "policy/syntax/parser.h"
#include "tests/support/corpus.h"
#include "tests/support/default_limits.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kGlobLimits;
using aalayer::test::kParseLimits;

namespace aalayer::test {
namespace {

struct EscapeCase {
    const char* glob;               // as a profile writes it
    const char* literal = nullptr;  // the same paths without numeric or named escapes, if writable
    bool refused = false;           // apparmor_parser refuses it (and so must we)
};

const EscapeCase kCases[] = {
    {R"(/a/\151d)", "/a/id"},
    {R"(/a/\x69d)", "/a/id"},
    {R"(/a/\d105d)", "/a/id"},
    {R"("/a/\151 d")", R"("/a/i d")"},
    {R"(/a/x\057y)", "/a/x/y"},
    {R"(/a/x\x2fy)", "/a/x/y"},
    {R"(/a/x\x2Fy)", "/a/x/y"},
    {R"(/a/x\d47y)", "/a/x/y"},
    {R"(/a/\x2f*)", "/a/*"},
    {R"(/a/\057**)", "/a/**"},
    {R"(/a//\057/b)", "/a/b"},
    {R"(/a/\052)", R"(/a/\*)"},
    {R"(/a/\x2a*)", R"(/a/\**)"},
    {R"(/a/\173x,y\175)", R"(/a/\{x,y\})"},
    {R"(/a/[a\x2dc])", "/a/[a-c]"},
    {R"(/a/[x\x5e]b)", R"(/a/[x\^]b)"},
    {R"(/a/\x5b\x5d)", R"(/a/\[\])"},
    {R"(/a/\x3f)", R"(/a/\?)"},
    {R"(/a/\x2c)", R"(/a/\,)"},
    {R"(/a/\777)", R"(/a/\?7)"},
    {R"(/a/\400)", R"("/a/ 0")"},
    {R"(/a/\d256)"},
    {R"(/a/\x123)"},
    {R"(/a/\134)", R"("/a/\\")"},
    {R"(/a/\042)", R"("/a/\"")"},
    {R"(/a/\x22x)", R"("/a/\"x")"},
    {R"(/a/\x40)", "/a/@"},
    {R"(/a/\a)"},
    {R"(/a/\e)"},
    {R"(/a/\f)"},
    {R"(/a/\n)"},
    {R"(/a/\r)"},
    {R"(/a/\t)"},
    {R"(/a/\x0b)"},
    {R"(/a/\x7f)"},
    {R"(/a/\x80)"},
    {R"(/a/\xff)"},
    {R"(/a/caf\xc3\xa9)", "\"/a/caf\xc3\xa9\""},
    {R"(/a/\q)", "/a/q"},
    {R"(/a/\xg)", "/a/xg"},
    {R"(/a/\d)", "/a/d"},
    {R"(/a/\8)", "/a/8"},
    {R"(/a/\.)", "/a/."},
    {R"(/a/\*)", nullptr},
    {R"(/a/\000x)"},
    {R"(/a/\x00)"},
    {R"(/a/\d0)"},
    {R"(/a/\x40{HOME})", nullptr, true},  // decodes to a variable reference: undefined here
    {R"(/a/x\)", nullptr, true},          // `\ ` is an escaped space: the word runs on
};

std::string profile_with(const std::string& glob) {
    return "profile t /t {\n  " + glob + " r,\n}\n";
}

TEST(EscapeDifferential, DecodingMatchesApparmorParser) {
    if (!have_apparmor_parser()) GTEST_FAIL() << "apparmor_parser is not installed";
    const TempDir dir;
    std::size_t index = 0;
    std::size_t checked = 0;
    for (const auto& c : kCases) {
        const std::string text = profile_with(c.glob);
        const std::string path = dir.write("escape" + std::to_string(index++), text);
        std::string parser_error;
        const auto binary = compile_profile(path, &parser_error);
        EXPECT_EQ(binary.has_value(), !c.refused)
            << c.glob << ": apparmor_parser " << (binary ? "accepts it" : "refuses it: " + parser_error);

        // Ours: the rule's path word, escapes decoded, compiled as the engine does.
        auto parsed = policy::parse_document(text, "escape", kParseLimits);
        if (!parsed) {
            EXPECT_FALSE(binary.has_value())
                << c.glob << ": apparmor_parser accepts it, we say " << parsed.error().format();
            continue;
        }
        const auto& profile = std::get<policy::Box<policy::Profile>>(parsed->document.items.front().node);
        const auto& rule = std::get<policy::FileRule>(profile->items.front().node);
        const policy::DecodedWord decoded = policy::decode_escapes(rule.path->text);
        const auto ours = policy::compile_globs({decoded.text}, policy::Location{}, kGlobLimits, kDfaLimits);
        if (!binary) {
            EXPECT_FALSE(ours.ok()) << c.glob << ": apparmor_parser refuses it, we read it as '"
                                    << decoded.text << "'";
            continue;
        }
        ASSERT_TRUE(ours.ok()) << c.glob << ": " << ours.error().format();

        // Written back as the child writes a decoded glob: the same binary policy.
        const std::string written = policy::emit_word(policy::glob_word(decoded.text));
        const auto round = compile_profile(
            dir.write("written" + std::to_string(index), profile_with(written)), &parser_error);
        ASSERT_TRUE(round.has_value())
            << c.glob << " written back as " << written << " is refused: " << parser_error;
        EXPECT_EQ(*round, *binary) << c.glob << " written back as " << written
                                   << " compiles to a different policy";
        if (c.literal != nullptr) {
            const auto literal = compile_profile(
                dir.write("literal" + std::to_string(index), profile_with(c.literal)), &parser_error);
            ASSERT_TRUE(literal.has_value()) << c.literal << ": " << parser_error;
            EXPECT_EQ(*literal, *binary) << c.glob << " does not mean " << c.literal << " to apparmor_parser";
            auto want = policy::compile_globs(
                {policy::decode_escapes(c.literal[0] == '"'
                                            ? std::string(c.literal + 1, std::strlen(c.literal) - 2)
                                            : std::string(c.literal))
                     .text},
                policy::Location{}, kGlobLimits, kDfaLimits);
            ASSERT_TRUE(want.ok()) << c.literal;
            auto rel = policy::set_relation(*ours, *want, kDfaLimits);
            ASSERT_TRUE(rel.ok());
            EXPECT_FALSE(rel->only_a || rel->only_b) << c.glob << " does not mean " << c.literal << " to us";
        }
        ++checked;
    }
    std::printf("escape differential: %zu escape forms compile alike\n", checked);
}

}  // namespace
}  // namespace aalayer::test
