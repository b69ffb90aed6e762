// The emitter writes canonical text: one spelling for each construct, so
// two policies that mean the same thing print the same. Emitting a parse of
// the output must give the output again (a fixed point), or canonical text
// could drift each time it goes through the service.
#include "policy/syntax/emitter.h"

#include <string>

#include <gtest/gtest.h>

#include "policy/syntax/parser.h"
#include "tests/support/default_limits.h"

using aalayer::test::kParseLimits;

namespace aalayer::policy {
namespace {

std::string emit(std::string_view text) {
    auto r = parse_document(text, "/test", kParseLimits);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().format());
    return r.ok() ? emit_document(r->document) : std::string();
}

Node first_rule(std::string_view rule) {
    auto r = parse_document("profile p {\n  " + std::string(rule) + "\n}\n", "/test", kParseLimits);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().format());
    if (!r.ok()) return AllRule{};
    return (*std::get<Box<Profile>>(r->document.items.at(0).node)).items.at(0).node;
}

TEST(Emitter, HashIncludeBecomesInclude) {
    EXPECT_EQ(emit("#include <a>\n"), "include <a>\n");
    EXPECT_EQ(emit("#include \"/etc/x\"\n"), "include \"/etc/x\"\n");
    EXPECT_EQ(emit("include if exists <local/p>\n"), "include if exists <local/p>\n");
}

TEST(Emitter, PermissionsAreReorderedAndPathComesFirst) {
    EXPECT_EQ(emit_rule(first_rule("/a kmwr,")), "/a rwkm,");
    EXPECT_EQ(emit_rule(first_rule("mr /lib/*.so,")), "/lib/*.so rm,");
    EXPECT_EQ(emit_rule(first_rule("file ixr /bin/sh,")), "/bin/sh rix,");
    EXPECT_EQ(emit_rule(first_rule("/bin/t Px -> helper,")), "/bin/t Px -> helper,");
}

TEST(Emitter, QualifiersInCanonicalOrder) {
    EXPECT_EQ(emit_rule(first_rule("audit deny owner /a w,")), "audit deny owner /a w,");
    EXPECT_EQ(emit_rule(first_rule("priority=-5 other /a r,")), "priority=-5 other /a r,");
    // `allow` is the default and is not written.
    EXPECT_EQ(emit_rule(first_rule("allow /a r,")), "/a r,");
    EXPECT_EQ(emit_qualifiers(Qualifiers{}), "");
    Qualifiers q;
    q.audit = true;
    EXPECT_EQ(emit_qualifiers(q), "audit ");
}

TEST(Emitter, OtherRuleClasses) {
    EXPECT_EQ(emit_rule(first_rule("capability  chown   kill ,")), "capability chown kill,");
    EXPECT_EQ(emit_rule(first_rule("link subset /a -> /b,")), "link subset /a -> /b,");
    EXPECT_EQ(emit_rule(first_rule("network inet stream,")), "network inet stream,");
    EXPECT_EQ(emit_rule(first_rule("signal (send,receive) set=(hup term),")),
              "signal (send, receive) set=(hup term),");
    EXPECT_EQ(emit_rule(first_rule("dbus send peer=(name=org.x label=y),")),
              "dbus send peer=(name=org.x label=y),");
    EXPECT_EQ(emit_rule(first_rule("set rlimit nofile<=1024,")), "set rlimit nofile <= 1024,");
    EXPECT_EQ(emit_rule(first_rule("change_profile unsafe /bin/x -> y,")),
              "change_profile unsafe /bin/x -> y,");
    EXPECT_EQ(emit_rule(first_rule("file,")), "file,");
    EXPECT_EQ(emit_rule(first_rule("all,")), "all,");
}

TEST(Emitter, ProfileHeadsAreCanonical) {
    EXPECT_EQ(emit("/usr/bin/foo (complain) {\n}\n"), "profile /usr/bin/foo flags=(complain) {\n}\n");
    EXPECT_EQ(emit("profile foo /usr/bin/foo flags=(complain, audit) {\n}\n"),
              "profile foo /usr/bin/foo flags=(complain,audit) {\n}\n");
    EXPECT_EQ(emit("profile p {\n hat h {\n }\n}\n"), "profile p {\n  ^h {\n  }\n}\n");
}

TEST(Emitter, IndentationAndBlankLinesAroundBlocks) {
    const std::string text =
        "include <tunables/global>\n"
        "profile p {\n"
        "/a r,\n"
        "owner {\n"
        "/b w,\n"
        "}\n"
        "/c r,\n"
        "}\n";
    EXPECT_EQ(emit(text),
              "include <tunables/global>\n"
              "\n"
              "profile p {\n"
              "  /a r,\n"
              "\n"
              "  owner {\n"
              "    /b w,\n"
              "  }\n"
              "\n"
              "  /c r,\n"
              "}\n");
}

TEST(Emitter, VariablesAndQuotedWords) {
    EXPECT_EQ(emit("@{A}=/x   /y\n@{A}  +=  /z\n"), "@{A} = /x /y\n@{A} += /z\n");
    EXPECT_EQ(emit_rule(first_rule("\"/with space\" r,")), "\"/with space\" r,");
    EXPECT_EQ(emit_word(Word{"a b", true}), "\"a b\"");
    EXPECT_EQ(emit_word(Word{"/ab", false}), "/ab");
}

TEST(Emitter, UnknownRulesAreKeptVerbatim) {
    EXPECT_EQ(emit_rule(first_rule("audit frobnicate a  (b,c),")), "audit frobnicate a  (b,c),");
}

// Emit, parse the result, emit again: the second text must equal the first.
void expect_fixed_point(const std::string& text) {
    const std::string once = emit(text);
    ASSERT_FALSE(once.empty()) << text;
    const std::string twice = emit(once);
    EXPECT_EQ(once, twice) << "input:\n" << text;
}

TEST(Emitter, EmitIsAFixedPoint) {
    expect_fixed_point(
        "#include <tunables/global>\n"
        "@{APP} = /opt/app /usr/lib/app\n"
        "/usr/bin/app flags=(complain) {\n"
        "  #include <abstractions/base>\n"
        "  r @{APP}/**,\n"
        "  owner @{HOME}/.app/** rwk,\n"
        "  deny /etc/shadow rw,\n"
        "  /usr/bin/helper Pix,\n"
        "  capability net_bind_service,\n"
        "  network inet stream,\n"
        "  ^hat {\n    /tmp/** rw,\n  }\n"
        "}\n");
    expect_fixed_point(
        "profile p /bin/p xattrs=(security.x=y) {\n"
        "  audit owner {\n    /a r,\n    link /b -> /c,\n  }\n"
        "  dbus (send, receive) bus=system path=/org/x peer=(label=unconfined),\n"
        "  signal send set=(term) peer=p//child,\n"
        "  unix (connect) type=stream addr=@foo,\n"
        "  set rlimit nproc <= 10,\n"
        "  change_profile -> p//child,\n"
        "  profile child {\n    file,\n  }\n"
        "}\n");
    expect_fixed_point("profile \"a b\" {\n  \"/x y/**\" r,\n  mount fstype=tmpfs -> /mnt/,\n}\n");
    expect_fixed_point("abi <abi/4.0>,\nalias /usr/ -> /mnt/usr/,\n${B} = true\nprofile q {\n  all,\n}\n");
}

TEST(Emitter, CanonicalTextReparsesToTheSameModel) {
    const std::string text = "profile p {\n  rw /a,\n  #include <x>\n  deny x /b,\n}\n";
    auto first = parse_document(text, "/t", kParseLimits);
    ASSERT_TRUE(first.ok());
    auto second = parse_document(emit_document(first->document), "/t", kParseLimits);
    ASSERT_TRUE(second.ok()) << second.error().format();
    const auto& a = (*std::get<Box<Profile>>(first->document.items.at(0).node)).items;
    const auto& b = (*std::get<Box<Profile>>(second->document.items.at(0).node)).items;
    ASSERT_EQ(a.size(), b.size());
    // Same permissions and path; only the spelling flags differ.
    const auto& fa = std::get<FileRule>(a[0].node);
    const auto& fb = std::get<FileRule>(b[0].node);
    EXPECT_EQ(fa.path, fb.path);
    EXPECT_EQ(fa.perms, fb.perms);
    EXPECT_TRUE(fa.perms_first);
    EXPECT_FALSE(fb.perms_first);
    EXPECT_FALSE(std::get<Include>(b[1].node).hash_form);
    const auto& da = std::get<FileRule>(a[2].node);
    const auto& db = std::get<FileRule>(b[2].node);
    EXPECT_EQ(da.qualifiers, db.qualifiers);
    EXPECT_EQ(da.path, db.path);
    EXPECT_EQ(da.perms, db.perms);
}

// Found by fuzz-profile: `allow` is dropped from rules as the default, but a
// block needs a qualifier in front of its brace, or the text does not parse back.
TEST(EmitterTest, AllowBlockKeepsItsQualifier) {
    auto parsed = parse_document("profile t {\n  allow{ /x w, }\n}\n", "t", kParseLimits);
    ASSERT_TRUE(parsed.ok()) << parsed.error().format();
    const std::string once = emit_document(parsed->document);
    EXPECT_NE(once.find("  allow {\n"), std::string::npos) << once;
    auto again = parse_document(once, "t", kParseLimits);
    ASSERT_TRUE(again.ok()) << again.error().format() << "\n" << once;
    EXPECT_EQ(emit_document(again->document), once);
}

// Found by fuzz-profile: a comment inside a rule kept verbatim swallowed what
// followed it once written back; such a comment is refused, a comment right
// after the comma is a comment.
TEST(EmitterTest, CommentsAndRulesKeptVerbatim) {
    auto inside = parse_document("i#   \n,\n", "t", kParseLimits);
    ASSERT_FALSE(inside.ok());
    EXPECT_EQ(inside.error().kind, ErrorKind::Unsupported);
    EXPECT_NE(inside.error().message.find("comment inside"), std::string::npos);
    auto after = parse_document("frob x,# why\nfrob\n   y  z,\n", "t", kParseLimits);
    ASSERT_TRUE(after.ok()) << after.error().format();
    const std::string once = emit_document(after->document);
    auto again = parse_document(once, "t", kParseLimits);
    ASSERT_TRUE(again.ok()) << again.error().format() << "\n" << once;
    EXPECT_EQ(emit_document(again->document), once);
}

}  // namespace
}  // namespace aalayer::policy
