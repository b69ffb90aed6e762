// parse_document on the shapes of the AppArmor language: profile heads,
// the rule classes, qualifiers, includes and variables, and the locations
// items carry (error messages and the loader depend on them).
#include "policy/syntax/parser.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/support/default_limits.h"

using aalayer::test::kParseLimits;

namespace aalayer::policy {
namespace {

ParseOutput parse_ok(std::string_view text) {
    auto r = parse_document(text, "/test", kParseLimits);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().format());
    return r.ok() ? std::move(r).value() : ParseOutput{};
}

template <typename T>
const T& as(const Item& item) {
    const T* p = std::get_if<T>(&item.node);
    if (p == nullptr) throw std::runtime_error("item is not of the expected type");
    return *p;
}

const Profile& profile(const Item& item) {
    return *as<Box<Profile>>(item);
}

// The items of the single profile in `text`.
std::vector<Item> rules_of(std::string_view text) {
    const ParseOutput out = parse_ok(text);
    if (out.document.items.size() != 1) {
        ADD_FAILURE() << "expected one top-level item, got " << out.document.items.size();
        return {};
    }
    return profile(out.document.items[0]).items;
}

TEST(Parser, NamedProfileWithAttachmentAndFlags) {
    const auto out = parse_ok("profile foo /usr/bin/foo flags=(complain,attach_disconnected) {\n}\n");
    ASSERT_EQ(out.document.items.size(), 1U);
    const Profile& p = profile(out.document.items[0]);
    EXPECT_TRUE(p.keyword);
    EXPECT_FALSE(p.hat);
    EXPECT_EQ(p.name.text, "foo");
    ASSERT_TRUE(p.attachment.has_value());
    EXPECT_EQ(p.attachment->text, "/usr/bin/foo");
    EXPECT_EQ(p.flags, (std::vector<std::string>{"complain", "attach_disconnected"}));
    EXPECT_TRUE(p.items.empty());
}

TEST(Parser, PathNamedProfileWithoutKeyword) {
    // `/usr/bin/foo (complain) {`: the name is the attachment, flags without `flags=`.
    const auto out = parse_ok("/usr/bin/foo (complain) {\n  /etc/foo r,\n}\n");
    ASSERT_EQ(out.document.items.size(), 1U);
    const Profile& p = profile(out.document.items[0]);
    EXPECT_FALSE(p.keyword);
    EXPECT_EQ(p.name.text, "/usr/bin/foo");
    EXPECT_FALSE(p.attachment.has_value());
    EXPECT_EQ(p.flags, std::vector<std::string>{"complain"});
    EXPECT_EQ(p.items.size(), 1U);
}

TEST(Parser, QuotedProfileName) {
    const auto out = parse_ok("profile \"my app\" {\n}\n");
    const Profile& p = profile(out.document.items.at(0));
    EXPECT_EQ(p.name.text, "my app");
    EXPECT_TRUE(p.name.quoted);
}

TEST(Parser, HatsAndNestedProfiles) {
    const auto items = rules_of(
        "profile outer {\n"
        "  ^hat1 {\n    /a r,\n  }\n"
        "  hat hat2 {\n  }\n"
        "  profile inner {\n    profile deeper {\n    }\n  }\n"
        "}\n");
    ASSERT_EQ(items.size(), 3U);
    const Profile& h1 = profile(items[0]);
    EXPECT_TRUE(h1.hat);
    EXPECT_FALSE(h1.keyword);
    EXPECT_EQ(h1.name.text, "hat1");
    EXPECT_EQ(h1.items.size(), 1U);
    const Profile& h2 = profile(items[1]);
    EXPECT_TRUE(h2.hat);
    EXPECT_TRUE(h2.keyword);
    EXPECT_EQ(h2.name.text, "hat2");
    const Profile& inner = profile(items[2]);
    EXPECT_FALSE(inner.hat);
    ASSERT_EQ(inner.items.size(), 1U);
    EXPECT_EQ(profile(inner.items[0]).name.text, "deeper");
}

TEST(Parser, FileRulesInBothOrders) {
    const auto items = rules_of(
        "profile p {\n"
        "  /etc/passwd r,\n"
        "  rw /tmp/x,\n"
        "  file /var/** rwk,\n"
        "  file mr /lib/*.so,\n"
        "  file,\n"
        "  /usr/bin/tool Px -> helper,\n"
        "}\n");
    ASSERT_EQ(items.size(), 6U);
    const auto& a = as<FileRule>(items[0]);
    EXPECT_EQ(a.path->text, "/etc/passwd");
    EXPECT_FALSE(a.perms_first);
    EXPECT_FALSE(a.file_keyword);
    EXPECT_EQ(a.perms.bits, FilePerms::Read);

    const auto& b = as<FileRule>(items[1]);
    EXPECT_TRUE(b.perms_first);
    EXPECT_EQ(b.path->text, "/tmp/x");
    EXPECT_EQ(b.perms.bits, FilePerms::Read | FilePerms::Write);

    const auto& c = as<FileRule>(items[2]);
    EXPECT_TRUE(c.file_keyword);
    EXPECT_EQ(c.path->text, "/var/**");

    const auto& d = as<FileRule>(items[3]);
    EXPECT_TRUE(d.file_keyword);
    EXPECT_TRUE(d.perms_first);
    EXPECT_EQ(d.path->text, "/lib/*.so");

    const auto& e = as<FileRule>(items[4]);
    EXPECT_TRUE(e.file_keyword);
    EXPECT_FALSE(e.path.has_value());

    const auto& f = as<FileRule>(items[5]);
    EXPECT_EQ(f.perms.exec, ExecMode::Profile);
    EXPECT_TRUE(f.perms.exec_safe);
    ASSERT_TRUE(f.target.has_value());
    EXPECT_EQ(f.target->text, "helper");
}

TEST(Parser, CommaInsidePathGlobDoesNotEndTheRule) {
    // `{a,b}` alternation: a comma followed by a path character joins the word.
    const auto items = rules_of("profile p {\n  /etc/{a,b}.conf r,\n}\n");
    ASSERT_EQ(items.size(), 1U);
    EXPECT_EQ(as<FileRule>(items[0]).path->text, "/etc/{a,b}.conf");
}

TEST(Parser, Qualifiers) {
    const auto items = rules_of(
        "profile p {\n"
        "  owner /home/** rw,\n"
        "  audit deny /etc/shadow r,\n"
        "  deny x /bin/sh,\n"
        "  allow other /srv/** r,\n"
        "  priority=10 /opt/** r,\n"
        "}\n");
    ASSERT_EQ(items.size(), 5U);
    EXPECT_EQ(as<FileRule>(items[0]).qualifiers.owner, OwnerMode::Owner);
    const auto& q1 = as<FileRule>(items[1]).qualifiers;
    EXPECT_TRUE(q1.audit);
    EXPECT_TRUE(q1.is_deny());
    const auto& denied = as<FileRule>(items[2]);
    EXPECT_TRUE(denied.qualifiers.is_deny());
    EXPECT_EQ(denied.perms.exec, ExecMode::Plain);
    const auto& q3 = as<FileRule>(items[3]).qualifiers;
    EXPECT_EQ(q3.access, AccessMode::Allow);
    EXPECT_EQ(q3.owner, OwnerMode::Other);
    EXPECT_EQ(as<FileRule>(items[4]).qualifiers.priority, 10);
}

TEST(Parser, QualifierBlock) {
    const auto items = rules_of("profile p {\n  audit owner {\n    /a r,\n    /b w,\n  }\n  /c r,\n}\n");
    ASSERT_EQ(items.size(), 2U);
    const auto& block = *as<Box<QualifierBlock>>(items[0]);
    EXPECT_TRUE(block.qualifiers.audit);
    EXPECT_EQ(block.qualifiers.owner, OwnerMode::Owner);
    ASSERT_EQ(block.items.size(), 2U);
    // The block's qualifiers belong to the block, not copied into its rules.
    EXPECT_TRUE(as<FileRule>(block.items[0]).qualifiers.empty());
    EXPECT_EQ(as<FileRule>(items[1]).path->text, "/c");
}

TEST(Parser, LinkRules) {
    const auto items = rules_of("profile p {\n  link /a -> /b,\n  owner link subset /c/** -> /d/**,\n}\n");
    ASSERT_EQ(items.size(), 2U);
    const auto& l1 = as<LinkRule>(items[0]);
    EXPECT_FALSE(l1.subset);
    EXPECT_EQ(l1.link.text, "/a");
    EXPECT_EQ(l1.target.text, "/b");
    const auto& l2 = as<LinkRule>(items[1]);
    EXPECT_TRUE(l2.subset);
    EXPECT_EQ(l2.qualifiers.owner, OwnerMode::Owner);
    EXPECT_EQ(l2.link.text, "/c/**");
}

TEST(Parser, CapabilityRules) {
    const auto items = rules_of("profile p {\n  capability,\n  capability chown dac_override,\n}\n");
    ASSERT_EQ(items.size(), 2U);
    EXPECT_TRUE(as<CapabilityRule>(items[0]).capabilities.empty());
    EXPECT_EQ(as<CapabilityRule>(items[1]).capabilities, (std::vector<std::string>{"chown", "dac_override"}));
}

TEST(Parser, MediationRules) {
    const auto items = rules_of(
        "profile p {\n"
        "  network inet stream,\n"
        "  signal (send, receive) set=(hup, term) peer=other,\n"
        "  dbus send bus=session path=/org/foo interface=org.foo member=Bar peer=(name=org.x),\n"
        "}\n");
    ASSERT_EQ(items.size(), 3U);
    const auto& net = as<MediationRule>(items[0]);
    EXPECT_EQ(net.cls, RuleClass::Network);
    ASSERT_EQ(net.terms.size(), 2U);
    EXPECT_EQ(net.terms[0].kind, Term::Kind::Word);
    EXPECT_EQ(net.terms[0].word.text, "inet");
    EXPECT_EQ(net.terms[1].word.text, "stream");

    const auto& sig = as<MediationRule>(items[1]);
    EXPECT_EQ(sig.cls, RuleClass::Signal);
    ASSERT_EQ(sig.terms.size(), 3U);
    EXPECT_EQ(sig.terms[0].kind, Term::Kind::List);
    ASSERT_EQ(sig.terms[0].list.size(), 2U);
    EXPECT_EQ(sig.terms[0].list[1].text, "receive");
    ASSERT_EQ(sig.terms[1].kind, Term::Kind::Condition);
    const Condition& set = sig.terms[1].conditions.at(0);
    EXPECT_EQ(set.key, "set");
    EXPECT_TRUE(set.parenthesised);
    ASSERT_EQ(set.values.size(), 2U);
    EXPECT_EQ(set.values[0].text, "hup");
    EXPECT_EQ(set.values[1].text, "term");
    EXPECT_EQ(sig.terms[2].conditions.at(0).values.at(0).text, "other");

    const auto& dbus = as<MediationRule>(items[2]);
    EXPECT_EQ(dbus.cls, RuleClass::Dbus);
    ASSERT_EQ(dbus.terms.size(), 6U);
    EXPECT_EQ(dbus.terms[0].word.text, "send");
    EXPECT_EQ(dbus.terms[2].conditions.at(0).values.at(0).text, "/org/foo");
    const Condition& peer = dbus.terms[5].conditions.at(0);
    EXPECT_EQ(peer.key, "peer");
    ASSERT_EQ(peer.nested.size(), 1U);
    EXPECT_EQ(peer.nested[0].key, "name");
    EXPECT_EQ(peer.nested[0].values.at(0).text, "org.x");
}

TEST(Parser, RlimitAndChangeProfile) {
    const auto items = rules_of(
        "profile p {\n"
        "  set rlimit nofile <= 1024,\n"
        "  change_profile -> other,\n"
        "  change_profile safe /bin/x -> child,\n"
        "}\n");
    ASSERT_EQ(items.size(), 3U);
    const auto& rl = as<RlimitRule>(items[0]);
    EXPECT_EQ(rl.resource, "nofile");
    EXPECT_EQ(rl.value, "1024");
    const auto& cp1 = as<ChangeProfileRule>(items[1]);
    EXPECT_TRUE(cp1.exec_mode.empty());
    EXPECT_FALSE(cp1.exec.has_value());
    EXPECT_EQ(cp1.target->text, "other");
    const auto& cp2 = as<ChangeProfileRule>(items[2]);
    EXPECT_EQ(cp2.exec_mode, "safe");
    EXPECT_EQ(cp2.exec->text, "/bin/x");
    EXPECT_EQ(cp2.target->text, "child");
}

TEST(Parser, IncludeForms) {
    const auto out = parse_ok(
        "include <tunables/global>\n"
        "#include \"/etc/local\"\n"
        "include if exists <local/foo>\n"
        "#include <abstractions/base>\n");
    const auto& items = out.document.items;
    ASSERT_EQ(items.size(), 4U);
    const auto& a = as<Include>(items[0]);
    EXPECT_TRUE(a.magic);
    EXPECT_FALSE(a.hash_form);
    EXPECT_FALSE(a.if_exists);
    EXPECT_EQ(a.path.text, "tunables/global");
    const auto& b = as<Include>(items[1]);
    EXPECT_FALSE(b.magic);
    EXPECT_TRUE(b.hash_form);
    EXPECT_TRUE(b.path.quoted);
    EXPECT_EQ(b.path.text, "/etc/local");
    const auto& c = as<Include>(items[2]);
    EXPECT_TRUE(c.if_exists);
    EXPECT_TRUE(c.magic);
    EXPECT_EQ(c.path.text, "local/foo");
    EXPECT_TRUE(as<Include>(items[3]).hash_form);
}

TEST(Parser, VariableDefinitionsAndAppend) {
    const auto out = parse_ok(
        "@{HOME} = /home/*/ /root/\n"
        "@{HOME} += /srv/home/  # trailing comment\n"
        "@{LONG} = /a \\\n  /b\n");
    const auto& items = out.document.items;
    ASSERT_EQ(items.size(), 3U);
    const auto& d = as<VariableDefinition>(items[0]);
    EXPECT_EQ(d.name, "HOME");
    EXPECT_FALSE(d.append);
    ASSERT_EQ(d.values.size(), 2U);
    EXPECT_EQ(d.values[0].text, "/home/*/");
    EXPECT_EQ(d.values[1].text, "/root/");
    const auto& a = as<VariableDefinition>(items[1]);
    EXPECT_TRUE(a.append);
    ASSERT_EQ(a.values.size(), 1U);
    EXPECT_EQ(a.values[0].text, "/srv/home/");
    // A backslash-newline continues the value list onto the next line.
    EXPECT_EQ(as<VariableDefinition>(items[2]).values.size(), 2U);
}

TEST(Parser, CommentsAreSkipped) {
    const auto out = parse_ok(
        "# leading comment\n"
        "profile p { # after the brace\n"
        "  # a whole line\n"
        "  /a r, # after a rule\n"
        "}\n"
        "# trailing\n");
    ASSERT_EQ(out.document.items.size(), 1U);
    EXPECT_EQ(profile(out.document.items[0]).items.size(), 1U);
}

TEST(Parser, ItemLocationsAreLineAndColumnOfTheirStart) {
    const auto out = parse_ok(
        "include <a>\n"
        "\n"
        "profile p {\n"
        "    /x r,\n"
        "  owner /y w,\n"
        "}\n");
    ASSERT_EQ(out.document.items.size(), 2U);
    EXPECT_EQ(out.document.items[0].where, (Location{"/test", 1, 1}));
    EXPECT_EQ(out.document.items[1].where, (Location{"/test", 3, 1}));
    const auto& rules = profile(out.document.items[1]).items;
    ASSERT_EQ(rules.size(), 2U);
    EXPECT_EQ(rules[0].where, (Location{"/test", 4, 5}));
    // The qualifiers are part of the item: it starts at `owner`.
    EXPECT_EQ(rules[1].where, (Location{"/test", 5, 3}));
}

TEST(Parser, UnknownRuleClassIsKeptVerbatimWithANote) {
    const auto out = parse_ok("profile p {\n  frobnicate foo (bar, baz),\n}\n");
    const auto& items = profile(out.document.items.at(0)).items;
    ASSERT_EQ(items.size(), 1U);
    const auto& u = as<UnknownRule>(items[0]);
    EXPECT_EQ(u.keyword, "frobnicate");
    EXPECT_EQ(u.text, "frobnicate foo (bar, baz)");
    ASSERT_EQ(out.notes.size(), 1U);
    EXPECT_EQ(out.notes[0].where, (Location{"/test", 2, 3}));
}

TEST(Parser, GrantOnlyInGrantDialect) {
    auto grant = parse_document("grant base {\n  /home/** rw,\n}\n", "/g", kParseLimits, Dialect::Grant);
    ASSERT_TRUE(grant.ok()) << grant.error().format();
    const Profile& p = profile(grant->document.items.at(0));
    EXPECT_TRUE(p.grant);
    EXPECT_EQ(p.name.text, "base");
    // In a profile file `grant` is not a keyword.
    EXPECT_FALSE(parse_document("grant base {\n}\n", "/g", kParseLimits).ok());
}

}  // namespace
}  // namespace aalayer::policy
