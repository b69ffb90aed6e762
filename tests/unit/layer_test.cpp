// read_layer over an in-memory system (a tiny tunables/global and two
// abstractions), so the tests do not depend on the host's /etc/apparmor.d.
// Every refusal of docs/layer-algebra.md ("Layers") must be an error finding at the line and
// column of the offending rule, with a message that says why: users see
// these findings in the settings panel and must be able to act on them.
#include "policy/engine/layer.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/automaton/dfa.h"
#include "policy/engine/identity.h"
#include "policy/source/memory_reader.h"
#include "policy/syntax/emitter.h"
#include "policy/syntax/parser.h"
#include "tests/support/default_limits.h"
#include "tests/support/same_rule.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kGlobLimits;
using aalayer::test::kLayerLimits;
using aalayer::test::kParseLimits;

namespace aalayer::policy {
namespace {

constexpr const char* kSource = "banking.layer";

UserIdentity alice() {
    return UserIdentity{1000, "alice", "/home/alice"};
}

std::string describe(const std::vector<Finding>& findings) {
    std::ostringstream out;
    for (const auto& f : findings)
        out << "\n  " << f.format();
    return findings.empty() ? std::string("\n  (no findings)") : out.str();
}

std::vector<Finding> errors_of(const LayerRules& rules) {
    std::vector<Finding> errors;
    std::copy_if(rules.findings.begin(), rules.findings.end(), std::back_inserter(errors),
                 [](const Finding& f) { return f.severity == Severity::Error; });
    return errors;
}

// The layer has exactly one error, at line:column, whose message has `phrase`.
::testing::AssertionResult refused_at(const LayerRules& rules, std::uint32_t line, std::uint32_t column,
                                      const std::string& phrase) {
    const auto errors = errors_of(rules);
    if (errors.size() != 1) {
        return ::testing::AssertionFailure()
               << "expected one error, got " << errors.size() << ":" << describe(rules.findings);
    }
    const Finding& e = errors.front();
    if (e.where != Location{kSource, line, column}) {
        return ::testing::AssertionFailure() << "expected the error at " << kSource << ":" << line << ":"
                                             << column << ", got" << describe(rules.findings);
    }
    if (e.message.find(phrase) == std::string::npos) {
        return ::testing::AssertionFailure()
               << "expected a message with '" << phrase << "', got" << describe(rules.findings);
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult no_errors(const LayerRules& rules) {
    if (has_errors(rules.findings)) return ::testing::AssertionFailure() << describe(rules.findings);
    return ::testing::AssertionSuccess();
}

// Wires the loaders as client/policy_tool/layer_inputs.cpp does: tunables
// read with the system loader, then the user's variables predefined.
class LayerFixture : public ::testing::Test {
protected:
    LayerFixture() {
        reader_.add("/sys/tunables/global", "@{PROC}=/proc\n");
        reader_.add("/sys/abstractions/fonts", "/usr/share/fonts/** r,\nowner @{HOME}/.fonts/** r,\n");
        reader_.add("/sys/abstractions/nameservice", "network inet dgram,\n/etc/hosts r,\n");
        // Not policy: reading either of these would be a syntax error.
        reader_.add("/sys/tunables/broken", "this is { not policy\n");
        reader_.add("/sys/abstractions/broken", "this is { not policy either\n");
        reader_.add("/etc/shadow-ish", "also { not policy\n");
    }

    LayerRules read(std::string_view text, const UserIdentity& user = alice(),
                    const LayerLimits& limits = kLayerLimits) {
        LoadOptions options;
        options.include_dirs = {"/sys"};
        const Loader system(reader_, options);
        auto tunables = load_tunables(system);
        EXPECT_TRUE(tunables.ok()) << tunables.error().format();
        LoadOptions user_options = options;
        user_options.predefined = user_variables(tunables.ok() ? *tunables : VariableTable{}, user);
        const Loader loader(reader_, user_options);
        return read_layer(loader, text, kSource, limits);
    }

    MemoryReader reader_;
};

class LayerRefusal : public LayerFixture {};
class LayerAllowed : public LayerFixture {};
class LayerVariables : public LayerFixture {};
class LayerInclude : public LayerFixture {};
class LayerLimit : public LayerFixture {};

// A first line that is fine, so line numbers are not trivially 1.
constexpr const char* kPrefix = "owner @{HOME}/ok/** rw,\n";

std::string with_prefix(const std::string& line) {
    return std::string(kPrefix) + line + "\n";
}

// ---- refusals, one per item of docs/layer-algebra.md "Layers" ----------------------------------------

TEST_F(LayerRefusal, IncludeOutsideAbstractions) {
    EXPECT_TRUE(refused_at(read(with_prefix("  include <tunables/global>")), 2, 3,
                           "may only include the system's abstractions"));
}

TEST_F(LayerRefusal, QuotedIncludeEvenOfAnAbstraction) {
    // A quoted path is taken as written: it could name any file on the system.
    EXPECT_TRUE(refused_at(read(with_prefix("include \"/sys/abstractions/fonts\"")), 2, 1,
                           "may only include the system's abstractions"));
}

TEST_F(LayerRefusal, AbstractionPathClimbingOut) {
    EXPECT_TRUE(refused_at(read(with_prefix("include <abstractions/../tunables/global>")), 2, 1,
                           "may only include the system's abstractions"));
}

TEST_F(LayerRefusal, Abi) {
    EXPECT_TRUE(refused_at(read(with_prefix("abi <abi/3.0>,")), 2, 1, "cannot set the abi"));
}

TEST_F(LayerRefusal, VariableDefinition) {
    EXPECT_TRUE(refused_at(read(with_prefix("@{MINE}=/tmp/mine")), 2, 1, "cannot define variables"));
}

TEST_F(LayerRefusal, Alias) {
    EXPECT_TRUE(refused_at(read(with_prefix("alias /usr/ -> /mnt/usr/,")), 2, 1, "'alias' is not allowed"));
}

TEST_F(LayerRefusal, ProfileBlock) {
    EXPECT_TRUE(refused_at(read(with_prefix("profile sneaky /usr/bin/** {\n  /** rw,\n}")), 2, 1,
                           "profiles cannot be declared in a layer"));
}

TEST_F(LayerRefusal, HatBlock) {
    EXPECT_TRUE(
        refused_at(read(with_prefix("^sneaky {\n  /** rw,\n}")), 2, 1, "hats cannot be declared in a layer"));
}

TEST_F(LayerRefusal, ExecTransitions) {
    // Only ix keeps the process under the layer; every other transition escapes it.
    for (const std::string mode : {"px", "cx", "ux", "pix", "Px", "Ux", "cux"}) {
        SCOPED_TRACE(mode);
        const std::string lower = [&] {
            std::string s = mode;
            std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
            return s;
        }();
        EXPECT_TRUE(refused_at(read(with_prefix("  /usr/bin/tool " + mode + ",")), 2, 3,
                               "exec transition '" + lower + "' is not allowed"));
    }
}

TEST_F(LayerRefusal, ExecTarget) {
    // A target comes with a transition, so both are reported; the target has its own reason.
    const LayerRules r = read(with_prefix("/usr/bin/tool px -> other,"));
    const auto errors = errors_of(r);
    ASSERT_EQ(errors.size(), 2U) << describe(r.findings);
    for (const auto& e : errors)
        EXPECT_EQ(e.where, (Location{kSource, 2, 1}));
    EXPECT_TRUE(std::any_of(errors.begin(), errors.end(), [](const Finding& f) {
        return f.message.find("'-> target' is not allowed") != std::string::npos;
    })) << describe(r.findings);
}

TEST_F(LayerRefusal, AllowChangeProfile) {
    EXPECT_TRUE(refused_at(read(with_prefix("change_profile -> unconfined,")), 2, 1,
                           "change_profile is not allowed in a layer"));
}

TEST_F(LayerRefusal, AllowMountUmountPivotRoot) {
    for (const std::string rule : {"mount", "umount", "pivot_root"}) {
        SCOPED_TRACE(rule);
        EXPECT_TRUE(refused_at(read(with_prefix(rule + ",")), 2, 1, rule + " can only be denied in a layer"));
    }
    EXPECT_TRUE(refused_at(read(with_prefix("mount fstype=tmpfs -> /mnt/,")), 2, 1,
                           "mount can only be denied in a layer"));
}

TEST_F(LayerRefusal, PriorityOnARule) {
    EXPECT_TRUE(refused_at(read(with_prefix("priority=10 /tmp/x r,")), 2, 1, "'priority' is not supported"));
}

TEST_F(LayerRefusal, PriorityOnABlock) {
    EXPECT_TRUE(refused_at(read(with_prefix("priority=10 {\n  /tmp/x r,\n}")), 2, 13,
                           "'priority' is not allowed on a block"));
}

TEST_F(LayerRefusal, AllowLinkRule) {
    EXPECT_TRUE(refused_at(read(with_prefix("link /tmp/a -> /etc/shadow,")), 2, 1,
                           "link rules are not allowed in a layer"));
}

TEST_F(LayerRefusal, UnknownRule) {
    EXPECT_TRUE(
        refused_at(read(with_prefix("frobnicate all the things,")), 2, 1, "unknown rule 'frobnicate'"));
}

TEST_F(LayerRefusal, ExcludeBelongsInGrants) {
    EXPECT_TRUE(refused_at(read(with_prefix("exclude @{HOME}/.ssh/**,")), 2, 1,
                           "'exclude' belongs in the admin's grant files"));
}

TEST_F(LayerRefusal, VariableInANonFileRule) {
    EXPECT_TRUE(refused_at(read(with_prefix("deny signal peer=@{USER},")), 2, 1,
                           "variables are only supported in file rules"));
}

TEST_F(LayerRefusal, RelativePath) {
    // The only way to spell a relative file rule is through a variable.
    EXPECT_TRUE(refused_at(read(with_prefix("  @{USER}/notes r,")), 2, 3, "is not absolute"));
}

TEST_F(LayerRefusal, DotDotSegment) {
    const LayerRules r = read(with_prefix("/tmp/../etc/shadow r,"));
    EXPECT_TRUE(refused_at(r, 2, 1, "'..' segment"));
}

// DISABLED: suspected bug in layer.cpp. unsafe_segment() looks at the glob
// text after variable expansion only, so a '..' segment spelled through an
// alternation or escapes is accepted without an error (no findings at all).
// Harmless for the kernel, which never presents such a path, but whether
// the layer is refused should not depend on how the segment is spelled.
TEST_F(LayerRefusal, DotDotSegmentHiddenInGlobSyntax) {
    EXPECT_TRUE(refused_at(read(with_prefix("/{..,tmp}/etc/shadow r,")), 2, 1, "'..' segment"));
    EXPECT_TRUE(refused_at(read(with_prefix("/tmp/\\.\\./etc/shadow r,")), 2, 1, "'..' segment"));
    EXPECT_TRUE(refused_at(read(with_prefix("/tmp/[.][.]/etc/shadow r,")), 2, 1, "'..' segment"));
}

TEST_F(LayerRefusal, DotSegment) {
    EXPECT_TRUE(refused_at(read(with_prefix("@{HOME}/./x r,")), 2, 1, "'.' or '..' segment"));
}

TEST_F(LayerRefusal, SyntaxError) {
    // Anything that does not parse is one located error, not a crash.
    const LayerRules r = read(with_prefix("/tmp/x r"));
    const auto errors = errors_of(r);
    ASSERT_EQ(errors.size(), 1U) << describe(r.findings);
    EXPECT_EQ(errors.front().where.file, kSource);
    EXPECT_GE(errors.front().where.line, 2U);
}

TEST_F(LayerRefusal, EveryRefusalInOneTextIsReported) {
    // The user fixes all of them at once rather than one per round trip.
    const std::string text =
        "include <tunables/global>\n"  // 1
        "owner @{HOME}/ok r,\n"        // 2: fine
        "/usr/bin/tool px,\n"          // 3
        "  alias /a/ -> /b/,\n"        // 4
        "mount,\n"                     // 5
        "@{X}=/x\n";                   // 6
    const LayerRules r = read(text);
    const auto errors = errors_of(r);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> at;
    for (const auto& e : errors)
        at.emplace_back(e.where.line, e.where.column);
    const std::vector<std::pair<std::uint32_t, std::uint32_t>> expected{
        {1, 1}, {3, 1}, {4, 3}, {5, 1}, {6, 1}};
    EXPECT_EQ(at, expected) << describe(r.findings);
}

TEST_F(LayerRefusal, PathChecksReportEveryRule) {
    const LayerRules r = read("/a/../b r,\n/c/x r,\n/d/../e w,\n");
    const auto errors = errors_of(r);
    ASSERT_EQ(errors.size(), 2U) << describe(r.findings);
    EXPECT_EQ(errors[0].where.line, 1U);
    EXPECT_EQ(errors[1].where.line, 3U);
}

// ---- limits --------------------------------------------------------------------------------

TEST_F(LayerLimit, TextOver64KiB) {
    std::string text = "# " + std::string(64U * 1024U, 'x') + "\n/tmp/x r,\n";
    EXPECT_TRUE(refused_at(read(text), 1, 1, "larger than 65536 bytes"));
}

TEST_F(LayerLimit, TextOfExactly64KiBIsRead) {
    std::string text = "/tmp/x r,\n#";
    text += std::string(64U * 1024U - text.size() - 1, 'x') + "\n";
    ASSERT_EQ(text.size(), 64U * 1024U);
    EXPECT_TRUE(no_errors(read(text)));
}

TEST_F(LayerLimit, MoreThan256Rules) {
    std::string text;
    for (int i = 0; i < 256; ++i)
        text += "/tmp/f" + std::to_string(i) + " r,\n";
    EXPECT_TRUE(no_errors(read(text)));
    text += "  /tmp/one-too-many r,\n";
    EXPECT_TRUE(refused_at(read(text), 257, 3, "more than 256 rules"));
}

TEST_F(LayerLimit, RulesInAbstractionsDoNotCount) {
    std::string text = "include <abstractions/fonts>\n";
    for (int i = 0; i < 256; ++i)
        text += "/tmp/f" + std::to_string(i) + " r,\n";
    EXPECT_TRUE(no_errors(read(text)));
}

TEST_F(LayerLimit, TooDeepAlternation) {
    // Nested alternations multiply the globs a rule expands to.
    std::string eight = "/a";
    std::string nine = "/a";
    for (int i = 0; i < 8; ++i)
        eight += "{b";
    for (int i = 0; i < 8; ++i)
        eight += ",c}";
    for (int i = 0; i < 9; ++i)
        nine += "{b";
    for (int i = 0; i < 9; ++i)
        nine += ",c}";
    EXPECT_TRUE(no_errors(read(eight + " r,\n")));
    EXPECT_TRUE(refused_at(read(with_prefix(nine + " r,")), 2, 1, "nests '{' more than 8 deep"));
}

TEST_F(LayerLimit, TooDeepBlocks) {
    std::string text;
    for (int i = 0; i < 5; ++i)
        text += "audit {\n";
    text += "/tmp/x r,\n";
    for (int i = 0; i < 5; ++i)
        text += "}\n";
    const LayerRules r = read(text);
    ASSERT_TRUE(has_errors(r.findings)) << describe(r.findings);
}

TEST_F(LayerLimit, LimitsAreConfigurable) {
    LayerLimits limits;
    limits.max_rules = 2;
    const LayerRules r = read("/a r,\n/b r,\n/c r,\n", alice(), limits);
    EXPECT_TRUE(refused_at(r, 3, 1, "more than 2 rules"));
}

// ---- what a layer may say ------------------------------------------------------------------

TEST_F(LayerAllowed, FileRulesWithQualifiers) {
    const LayerRules r = read(
        "owner @{HOME}/.mozilla/** rwk,\n"
        "audit /tmp/audited r,\n"
        "deny @{HOME}/.ssh/** rwklm,\n"
        "audit deny owner /var/tmp/** w,\n"
        "/usr/bin/helper ix,\n"
        "deny /usr/bin/** x,\n"
        "file /srv/data/** ra,\n");
    ASSERT_TRUE(no_errors(r));
    ASSERT_EQ(r.files.size(), 7U);
    EXPECT_EQ(r.files[0].owner, OwnerMode::Owner);
    EXPECT_EQ(r.files[0].globs, std::vector<std::string>{"/home/alice/.mozilla/**"});
    EXPECT_FALSE(r.files[0].deny);
    EXPECT_TRUE(r.files[1].audit);
    EXPECT_TRUE(r.files[2].deny);
    EXPECT_TRUE(r.files[3].deny);
    EXPECT_TRUE(r.files[3].audit);
    EXPECT_EQ(r.files[3].owner, OwnerMode::Owner);
    EXPECT_EQ(r.files[4].bits, perm::kExec);
    EXPECT_TRUE(r.files[5].deny);
    EXPECT_EQ(r.files[5].bits & perm::kExec, perm::kExec);
    for (const auto& f : r.files)
        EXPECT_FALSE(f.included);
    EXPECT_EQ(r.files[0].where, (Location{kSource, 1, 1}));
    EXPECT_EQ(r.files[6].where, (Location{kSource, 7, 1}));
}

TEST_F(LayerAllowed, QualifierBlocksApplyToTheirRules) {
    const LayerRules r = read("owner {\n  @{HOME}/a r,\n  deny @{HOME}/b w,\n}\n");
    ASSERT_TRUE(no_errors(r));
    ASSERT_EQ(r.files.size(), 2U);
    EXPECT_EQ(r.files[0].owner, OwnerMode::Owner);
    EXPECT_EQ(r.files[1].owner, OwnerMode::Owner);
    EXPECT_TRUE(r.files[1].deny);
}

TEST_F(LayerAllowed, DenyBlocksDenyTheirRules) {
    // A deny block's rules are checked as deny rules: classes a layer may only deny are fine there.
    const LayerRules r = read("deny {\n  @{HOME}/.ssh/** r,\n  mount,\n}\n");
    ASSERT_TRUE(no_errors(r));
    ASSERT_EQ(r.files.size(), 1U);
    EXPECT_TRUE(r.files[0].deny);
}

TEST_F(LayerRefusal, OwnerOnOtherClasses) {
    // apparmor_parser refuses `owner capability ...` and drops the rule silently inside an
    // owner block: neither can be written into the child, so both are the layer's error.
    for (const std::string rule : {"owner capability chown,", "deny owner network inet,", "other signal,"}) {
        SCOPED_TRACE(rule);
        EXPECT_TRUE(
            refused_at(read(with_prefix(rule)), 2, 1, "'owner' and 'other' apply only to file rules"));
    }
    EXPECT_TRUE(refused_at(read(with_prefix("owner {\n  deny capability chown,\n}")), 3, 3,
                           "'owner' and 'other' apply only to file rules"));
}

TEST_F(LayerRefusal, AbiFourClassesTheSystemDoesNotEnforce) {
    // Without abi 4.0 in the parser and the kernel, the rules would compile to nothing.
    for (const std::string cls : {"userns", "mqueue", "io_uring"}) {
        SCOPED_TRACE(cls);
        EXPECT_TRUE(refused_at(read(with_prefix("deny " + cls + ",")), 2, 1,
                               cls + " rules are not supported by the system's AppArmor"));
    }
}

TEST_F(LayerAllowed, DenyOfTheAbiFourClassesTheSystemEnforces) {
    LayerLimits limits = kLayerLimits;
    limits.abi.userns = true;
    const LayerRules r = read("deny userns,\n", alice(), limits);
    ASSERT_TRUE(no_errors(r));
    EXPECT_EQ(r.deny_rules.size(), 1U);
    EXPECT_TRUE(r.abi.userns);
    EXPECT_TRUE(refused_at(read(with_prefix("userns,"), alice(), limits), 2, 1,
                           "userns can only be denied in a layer"));
    // Only what is enforced: mqueue stays refused on a kernel without it, io_uring everywhere
    // (no abi of apparmor_parser mediates it).
    EXPECT_TRUE(refused_at(read(with_prefix("deny mqueue,"), alice(), limits), 2, 1,
                           "mqueue rules are not supported by the system's AppArmor"));
    limits.abi.mqueue = true;
    EXPECT_TRUE(no_errors(read("deny mqueue,\n", alice(), limits)));
    EXPECT_TRUE(refused_at(read(with_prefix("deny io_uring,"), alice(), limits), 2, 1,
                           "io_uring rules are not supported by the system's AppArmor"));
}

TEST_F(LayerRefusal, ConditionalBlock) {
    EXPECT_TRUE(refused_at(read(with_prefix("if defined @{HOME} {\n  /tmp/x r,\n}")), 2, 1,
                           "'if' blocks are not allowed in a layer"));
}

TEST_F(LayerAllowed, DenyOfEveryClass) {
    const LayerRules r = read(
        "deny network inet6,\n"
        "deny capability sys_admin,\n"
        "deny signal send,\n"
        "deny ptrace,\n"
        "deny unix,\n"
        "deny dbus,\n"
        "deny mount,\n"
        "deny umount,\n"
        "deny pivot_root,\n"
        "deny change_profile,\n"
        "deny link /tmp/a -> /tmp/b,\n"
        "deny /usr/bin/** x,\n");
    ASSERT_TRUE(no_errors(r));
    EXPECT_EQ(r.deny_rules.size(), 10U) << describe(r.findings);
    EXPECT_TRUE(r.allow_rules.empty());
    // Denies never turn a class into an allow-list.
    EXPECT_TRUE(r.allow_classes.empty());
    // The denied link becomes a file deny rule.
    ASSERT_EQ(r.files.size(), 2U);
    EXPECT_TRUE(r.files[0].deny);
    EXPECT_EQ(r.files[0].bits & perm::kLink, perm::kLink);
}

TEST_F(LayerAllowed, AllowListClassesAndRlimit) {
    const LayerRules r = read(
        "network inet stream,\n"
        "capability net_bind_service,\n"
        "signal send set=term peer=firefox,\n"
        "ptrace read,\n"
        "unix (send, receive),\n"
        "set rlimit nofile <= 1024,\n");
    ASSERT_TRUE(no_errors(r));
    EXPECT_EQ(r.allow_rules.size(), 6U);
    EXPECT_TRUE(r.deny_rules.empty());
    // rlimit is not an allow-list class: it only lowers a limit.
    EXPECT_EQ(r.allow_classes, (std::set<std::string>{"capability", "network", "ptrace", "signal", "unix"}));
}

// ---- words that would not read back the same in the child ----------------------------------

// `path=\` then `,` on the next line: written back as `path=\,` the backslash
// would escape the comma and the child would not parse.
TEST_F(LayerRefusal, WordEndingInALoneBackslash) {
    EXPECT_TRUE(refused_at(read(with_prefix("dbus path=\\\n,")), 2, 11, "escapes nothing"));
}

// apparmor_parser reads `\\,` as a backslash and an escaped comma: the word runs on.
TEST_F(LayerRefusal, WordEndingInAnEscapedBackslash) {
    EXPECT_TRUE(refused_at(read(with_prefix("signal peer=a\\\\,")), 2, 1, "ends in '\\'"));
}

// \v and \f do not end a word: they would travel into the child's text.
TEST_F(LayerRefusal, ControlCharactersInWordsOfEveryClass) {
    EXPECT_TRUE(refused_at(read(with_prefix("unix peer=(label=a\vb),")), 2, 19, "control character"));
    EXPECT_TRUE(refused_at(read(with_prefix("deny pivot_root oldroot=/a\fb,")), 2, 27, "control character"));
    EXPECT_TRUE(refused_at(read(with_prefix("deny unix (send) addr=@a\x7f,")), 2, 25, "control character"));
    // A tab or newline inside quotes is part of the word.
    EXPECT_TRUE(refused_at(read(with_prefix("dbus path=\"/a\tb\",")), 2, 1, "control character"));
    EXPECT_TRUE(refused_at(read(with_prefix("signal peer=\"a\nb\",")), 2, 1, "control character"));
    EXPECT_TRUE(refused_at(read(with_prefix("\"/tmp/a\tb\" r,")), 2, 1, "control character"));
}

// Every rule of another class goes into the child as the emitter writes it:
// that text parses back to the same model.
TEST_F(LayerAllowed, EveryWordReadsBackTheSame) {
    const LayerRules r = read(
        "network inet stream,\n"
        "allow capability net_bind_service chown,\n"
        "signal (send, receive) set=(term, kill) peer=\"fire fox\",\n"
        "ptrace read peer=a\\ b,\n"
        "unix (send, receive) type=stream addr=@a\\,b peer=(label=x\\)y addr=none),\n"
        "dbus send bus=session path=/a\\\\b interface=org.x member=\"M\\\"x\" peer=(name=org.y label=l),\n"
        "set rlimit nofile <= 1024,\n"
        "deny mount fstype=ext4 options=(ro, nosuid) /dev/a -> /mnt/b,\n"
        "deny umount /mnt/\\*,\n"
        "deny pivot_root oldroot=/a/ /b,\n"
        "deny change_profile -> \"x y\",\n"
        "audit deny network,\n");
    ASSERT_TRUE(no_errors(r));
    std::vector<Item> rules = r.allow_rules;
    rules.insert(rules.end(), r.deny_rules.begin(), r.deny_rules.end());
    EXPECT_EQ(rules.size(), 12U);
    for (const auto& item : rules) {
        const std::string text = emit_rule(item.node);
        auto parsed = parse_document(text, "child", kParseLimits);
        ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().format();
        ASSERT_EQ(parsed->document.items.size(), 1U) << text;
        EXPECT_TRUE(test::same_rule(parsed->document.items.front().node, item.node))
            << text << " reads back as " << emit_rule(parsed->document.items.front().node);
    }
}

TEST_F(LayerAllowed, AbstractionRulesAreMarkedIncluded) {
    const LayerRules r =
        read("include <abstractions/fonts>\n  include <abstractions/nameservice>\n/tmp/mine r,\n");
    ASSERT_TRUE(no_errors(r));
    std::vector<std::string> included;
    std::vector<std::string> own;
    for (const auto& f : r.files) {
        for (const auto& g : f.globs)
            (f.included ? included : own).push_back(g);
    }
    EXPECT_EQ(included,
              (std::vector<std::string>{"/usr/share/fonts/**", "/home/alice/.fonts/**", "/etc/hosts"}));
    EXPECT_EQ(own, std::vector<std::string>{"/tmp/mine"});
    // The abstraction's network rule makes network an allow-list like the user's own would.
    EXPECT_EQ(r.allow_classes, std::set<std::string>{"network"});
}

TEST_F(LayerAllowed, EmptyLayer) {
    const LayerRules r = read("# nothing yet\n");
    EXPECT_TRUE(r.findings.empty()) << describe(r.findings);
    EXPECT_TRUE(r.files.empty());
    EXPECT_EQ(r.source, kSource);
}

// ---- variables -----------------------------------------------------------------------------

TEST_F(LayerVariables, UserVariablesComeFromTheIdentity) {
    const LayerRules r = read("owner @{HOME}/x/@{USER}-@{UID} r,\n@{PROC}/@{UID}/status r,\n",
                              UserIdentity{4242, "bob", "/srv/users/bob"});
    ASSERT_TRUE(no_errors(r));
    ASSERT_EQ(r.files.size(), 2U);
    EXPECT_EQ(r.files[0].globs, std::vector<std::string>{"/srv/users/bob/x/bob-4242"});
    // Tunables are available read-only.
    EXPECT_EQ(r.files[1].globs, std::vector<std::string>{"/proc/4242/status"});
}

TEST_F(LayerVariables, UndefinedVariableIsAnError) {
    const LayerRules r = read(with_prefix("@{NOPE}/x r,"));
    const auto errors = errors_of(r);
    ASSERT_EQ(errors.size(), 1U) << describe(r.findings);
    EXPECT_EQ(errors.front().where.line, 2U);
    EXPECT_NE(errors.front().message.find("NOPE"), std::string::npos) << describe(r.findings);
}

TEST_F(LayerVariables, HomeWithGlobCharactersMatchesOnlyItself) {
    const LayerRules r = read("owner @{HOME}/** rw,\n", UserIdentity{1001, "ab", "/home/a*b"});
    ASSERT_TRUE(no_errors(r));
    ASSERT_EQ(r.files.size(), 1U);
    auto dfa = compile_globs(r.files[0].globs, Location{}, kGlobLimits, kDfaLimits);
    ASSERT_TRUE(dfa.ok()) << dfa.error().format();
    EXPECT_NE(dfa->label_of("/home/a*b/notes"), 0U);
    // Unescaped, `*` would reach every other user's home that fits the pattern.
    EXPECT_EQ(dfa->label_of("/home/ab/notes"), 0U);
    EXPECT_EQ(dfa->label_of("/home/axyzb/notes"), 0U);
}

TEST_F(LayerVariables, HomeWithEveryGlobCharacter) {
    const std::string home = "/home/x?[a]{b,c}**\\";
    const LayerRules r = read("@{HOME}/f r,\n", UserIdentity{1002, "x", home});
    ASSERT_TRUE(no_errors(r));
    ASSERT_EQ(r.files.size(), 1U);
    auto dfa = compile_globs(r.files[0].globs, Location{}, kGlobLimits, kDfaLimits);
    ASSERT_TRUE(dfa.ok()) << dfa.error().format();
    EXPECT_NE(dfa->label_of(home + "/f"), 0U);
    EXPECT_EQ(dfa->label_of("/home/xya]{b,c}**\\/f"), 0U);
    EXPECT_EQ(dfa->label_of("/home/x?ab**\\/f"), 0U);
    EXPECT_EQ(dfa->label_of("/home/x?[a]b/f"), 0U);
}

// ---- includes ------------------------------------------------------------------------------

TEST_F(LayerInclude, RefusedIncludeIsNeverRead) {
    // The file is not policy: were it read, the error would be its syntax error.
    EXPECT_TRUE(refused_at(read(with_prefix("include <tunables/broken>")), 2, 1,
                           "may only include the system's abstractions"));
    EXPECT_TRUE(refused_at(read(with_prefix("include \"/etc/shadow-ish\"")), 2, 1,
                           "may only include the system's abstractions"));
    EXPECT_TRUE(refused_at(read(with_prefix("#include <tunables/broken>")), 2, 1,
                           "may only include the system's abstractions"));
}

TEST_F(LayerInclude, AbstractionsAreReadOnlyAfterTheTextPassed) {
    // The user's own mistake is reported, not a syntax error in a system file.
    EXPECT_TRUE(
        refused_at(read("include <abstractions/broken>\n/usr/bin/tool px,\n"), 2, 1, "exec transition 'px'"));
}

TEST_F(LayerInclude, BrokenAbstractionIsAnErrorInThatFile) {
    const LayerRules r = read("include <abstractions/broken>\n");
    const auto errors = errors_of(r);
    ASSERT_EQ(errors.size(), 1U) << describe(r.findings);
    EXPECT_EQ(errors.front().where.file, "/sys/abstractions/broken");
}

TEST_F(LayerInclude, MissingAbstraction) {
    const LayerRules r = read(with_prefix("include <abstractions/nonexistent>"));
    ASSERT_TRUE(has_errors(r.findings)) << describe(r.findings);
}

TEST_F(LayerInclude, IfExistsOfAMissingAbstractionIsFine) {
    EXPECT_TRUE(no_errors(read(with_prefix("include if exists <abstractions/nonexistent>"))));
}

}  // namespace
}  // namespace aalayer::policy
