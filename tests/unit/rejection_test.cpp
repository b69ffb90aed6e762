// Malformed policy must be refused with the right ErrorKind and a location
// an editor can jump to: the CLI prints FILE:LINE:COL and the D-Bus API maps
// the kind to an error name, so both are part of the contract.
#include <string>

#include <gtest/gtest.h>

#include "policy/syntax/parser.h"
#include "tests/support/default_limits.h"

using aalayer::test::kParseLimits;

namespace aalayer::policy {
namespace {

struct Expected {
    ErrorKind kind;
    std::uint32_t line;
    std::uint32_t column;
};

// Parses `text`, which must fail, and checks kind and position.
Error reject(std::string_view text, Expected want) {
    auto r = parse_document(text, "/bad", kParseLimits);
    if (r.ok()) {
        ADD_FAILURE() << "accepted:\n" << text;
        return Error{};
    }
    const Error& e = r.error();
    EXPECT_EQ(e.kind, want.kind) << e.format();
    EXPECT_EQ(e.where.file, "/bad");
    EXPECT_EQ(e.where.line, want.line) << e.format();
    EXPECT_EQ(e.where.column, want.column) << e.format();
    return e;
}

bool mentions(const Error& e, std::string_view what) {
    return e.message.find(what) != std::string::npos;
}

TEST(Rejection, UnterminatedQuotePointsAtTheOpeningQuote) {
    const Error e = reject("profile p {\n  /a r,\n  \"/tmp/x r,\n}\n", {ErrorKind::Syntax, 3, 3});
    EXPECT_TRUE(mentions(e, "unterminated")) << e.message;
    reject("profile \"p {\n}\n", {ErrorKind::Syntax, 1, 9});
}

TEST(Rejection, MissingCommaBetweenRulesOnOneLine) {
    const Error e = reject("profile p {\n  /a r /b w,\n}\n", {ErrorKind::Syntax, 2, 8});
    EXPECT_TRUE(mentions(e, "expected ','")) << e.message;
}

TEST(Rejection, MissingCommaAtEndOfLineIsReportedAtTheNextToken) {
    // Like apparmor_parser, the rule only ends where something else begins.
    reject("profile p {\n  capability chown\n}\n", {ErrorKind::Syntax, 3, 1});
    reject("profile p {\n  network inet\n  /b w,\n}\n", {ErrorKind::Invalid, 3, 3});
    reject("profile p {\n  /a r\n  /b w,\n}\n", {ErrorKind::Syntax, 3, 3});
}

TEST(Rejection, UnclosedBlockPointsAtItsOpeningBrace) {
    const Error e = reject("profile p {\n  /a r,\n  owner {\n    /b r,\n  }\n", {ErrorKind::Syntax, 1, 11});
    EXPECT_TRUE(mentions(e, "missing '}'")) << e.message;
    reject("profile p {\n  ^hat {\n    /a r,\n}\n", {ErrorKind::Syntax, 1, 11});
}

TEST(Rejection, StrayClosingBrace) {
    const Error e = reject("profile p {\n  /a r,\n}\n  }\n", {ErrorKind::Syntax, 4, 3});
    EXPECT_TRUE(mentions(e, "unbalanced '}'")) << e.message;
}

TEST(Rejection, UnknownProfileFlagIsNamed) {
    // The location is the opening '(' of the flag list.
    const Error e = reject("profile p flags=(complain, bogus) {\n}\n", {ErrorKind::Invalid, 1, 17});
    EXPECT_TRUE(mentions(e, "'bogus'")) << e.message;
}

TEST(Rejection, DefinitionsInsideProfiles) {
    const Error e = reject("profile p {\n  /a r,\n  @{X} = /x\n}\n", {ErrorKind::Syntax, 3, 3});
    EXPECT_TRUE(mentions(e, "only allowed outside profiles")) << e.message;
    reject("profile p {\n  ${B} = true\n}\n", {ErrorKind::Syntax, 2, 3});
    reject("profile p {\n  alias /a -> /b,\n}\n", {ErrorKind::Syntax, 2, 3});
    // A qualifier block is no loophole.
    reject("profile p {\n  owner {\n    @{X} = /x\n  }\n}\n", {ErrorKind::Syntax, 3, 5});
}

TEST(Rejection, BadVariableDefinitions) {
    reject("@{X} = /a,\n", {ErrorKind::Syntax, 1, 10});
    reject("@{X} =\n", {ErrorKind::Syntax, 1, 7});
    reject("@{X} ?= /a\n", {ErrorKind::Unsupported, 1, 6});
    reject("${B} = maybe\n", {ErrorKind::Syntax, 1, 8});
}

TEST(Rejection, InvalidPermissionsPointAtThePermissions) {
    const Error e = reject("profile p {\n  /a wa,\n}\n", {ErrorKind::Invalid, 2, 6});
    EXPECT_TRUE(mentions(e, "mutually exclusive")) << e.message;
    reject("profile p {\n  /bin/x ixpx,\n}\n", {ErrorKind::Invalid, 2, 10});
    reject("profile p {\n  deny /bin/x ix,\n}\n", {ErrorKind::Invalid, 2, 15});
    reject("profile p {\n  /a r5,\n}\n", {ErrorKind::Invalid, 2, 6});
}

TEST(Rejection, UnknownNamesInRules) {
    Error e = reject("profile p {\n  capability chown bogus_cap,\n}\n", {ErrorKind::Invalid, 2, 20});
    EXPECT_TRUE(mentions(e, "'bogus_cap'")) << e.message;
    reject("profile p {\n  capability chown,kill,\n}\n", {ErrorKind::Syntax, 2, 19});
    reject("profile p {\n  set rlimit bogus <= 1,\n}\n", {ErrorKind::Invalid, 2, 14});
    e = reject("profile p {\n  signal (send, fly),\n}\n", {ErrorKind::Invalid, 2, 10});
    EXPECT_TRUE(mentions(e, "'fly'")) << e.message;
    reject("profile p {\n  dbus send colour=blue,\n}\n", {ErrorKind::Invalid, 2, 13});
    reject("profile p {\n  network warp,\n}\n", {ErrorKind::Invalid, 2, 11});
}

TEST(Rejection, RulesOfADenyBlockAreDenyRules) {
    // Valid alone and as a deny rule, as apparmor_parser 4.1 checks them: no exec transition, no `file,`.
    reject("profile p {\n  deny {\n    /a ix,\n  }\n}\n", {ErrorKind::Invalid, 3, 8});
    reject("profile p {\n  deny {\n    /a x,\n  }\n}\n", {ErrorKind::Invalid, 3, 8});
    reject("profile p {\n  audit deny {\n    file,\n  }\n}\n", {ErrorKind::Invalid, 3, 9});
    reject("profile p {\n  priority=1 {\n    /a r,\n  }\n}\n", {ErrorKind::Invalid, 2, 14});
}

TEST(Rejection, ConditionalBlocks) {
    reject("profile p {\n  if (${B}) {\n  }\n}\n", {ErrorKind::Syntax, 2, 6});
    reject("profile p {\n  if defined @{HOME}{\n  }\n}\n", {ErrorKind::Syntax, 2, 21});
    reject("profile p {\n  if ${B} {\n  } else /a r,\n}\n", {ErrorKind::Syntax, 3, 10});
    reject("profile p {\n  else {\n  }\n}\n", {ErrorKind::Syntax, 2, 3});
    reject("profile p {\n  if ${B} {\n  }\n  else {\n  } else {\n  }\n}\n", {ErrorKind::Syntax, 5, 5});
    reject("${B} = true false\n", {ErrorKind::Syntax, 1, 13});
}

TEST(Rejection, ConditionalsNestOnlyAsDeepAsTheLimit) {
    std::string text = "profile p {\n";
    for (int i = 0; i < 40; ++i)
        text += "if ${B} {\n";
    text += std::string(40, '}') + "\n}\n";
    const Error e = reject(text, {ErrorKind::Limit, 33, 9});
    EXPECT_TRUE(mentions(e, "nested more than")) << e.message;
}

TEST(Rejection, NamespacedProfileNames) {
    reject(":ns {\n}\n", {ErrorKind::Invalid, 1, 1});
    reject("profile ::p {\n}\n", {ErrorKind::Invalid, 1, 9});
    reject("profile :ns: {\n}\n", {ErrorKind::Invalid, 1, 9});
    reject("profile :ns//p {\n}\n", {ErrorKind::Invalid, 1, 9});
    reject("profile p {\n  ^::h {\n  }\n}\n", {ErrorKind::Invalid, 2, 4});
}

TEST(Rejection, XattrsAndNetworkEntries) {
    reject("/t xattrs=(a=\"\") {\n}\n", {ErrorKind::Syntax, 1, 14});
    reject("/t xattrs=(a=(b c)) {\n}\n", {ErrorKind::Syntax, 1, 14});
    reject("profile p {\n  ^h xattrs=(a=b) {\n  }\n}\n", {ErrorKind::Invalid, 2, 13});
    reject("profile p {\n  network inet stream tcp,\n}\n", {ErrorKind::Invalid, 2, 3});
    reject("profile p {\n  network inet6 icmp,\n}\n", {ErrorKind::Invalid, 2, 3});
    reject("profile p {\n  network stream inet,\n}\n", {ErrorKind::Invalid, 2, 3});
    reject("profile p {\n  network inet (create),\n}\n", {ErrorKind::Syntax, 2, 3});
}

TEST(Rejection, BrokenIncludes) {
    reject("include <abstractions/base\n", {ErrorKind::Syntax, 1, 9});
    reject("include <>\n", {ErrorKind::Syntax, 1, 9});
}

TEST(Rejection, NulByteIsLocated) {
    const std::string text = std::string("profile p {\n  /a") + '\0' + " r,\n}\n";
    reject(text, {ErrorKind::Syntax, 2, 5});
}

TEST(Rejection, FormatIsFileLineColumn) {
    const Error e = reject("profile p {\n  /a r /b,\n}\n", {ErrorKind::Syntax, 2, 8});
    EXPECT_EQ(e.format().rfind("/bad:2:8: error: ", 0), 0U) << e.format();
}

}  // namespace
}  // namespace aalayer::policy
