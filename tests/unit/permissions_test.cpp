// File permission strings: what parse_file_perms accepts, what it refuses
// (the conflicts apparmor_parser refuses), and the canonical spelling that
// format_file_perms gives back.
#include "policy/syntax/permissions.h"

#include <string>

#include <gtest/gtest.h>

namespace aalayer::policy {
namespace {

const Location kAt{"/p", 3, 7};

FilePerms ok(std::string_view word, bool deny = false) {
    auto r = parse_file_perms(word, deny, kAt);
    EXPECT_TRUE(r.ok()) << word << ": " << (r.ok() ? "" : r.error().format());
    return r.ok() ? *r : FilePerms{};
}

TEST(FilePerms, EachPlainPermissionSetsItsBit) {
    EXPECT_EQ(ok("r").bits, FilePerms::Read);
    EXPECT_EQ(ok("w").bits, FilePerms::Write);
    EXPECT_EQ(ok("a").bits, FilePerms::Append);
    EXPECT_EQ(ok("l").bits, FilePerms::Link);
    EXPECT_EQ(ok("k").bits, FilePerms::Lock);
    EXPECT_EQ(ok("m").bits, FilePerms::Mmap);
    const FilePerms all = ok("rwlkm");
    EXPECT_EQ(all.bits,
              FilePerms::Read | FilePerms::Write | FilePerms::Link | FilePerms::Lock | FilePerms::Mmap);
    EXPECT_EQ(all.exec, ExecMode::None);
}

TEST(FilePerms, RepeatedLettersAreHarmless) {
    // apparmor_parser ORs permission letters together, so "rr" is just "r".
    EXPECT_EQ(ok("rrr"), ok("r"));
}

TEST(FilePerms, LowerCaseExecTransitions) {
    EXPECT_EQ(ok("ix").exec, ExecMode::Inherit);
    EXPECT_EQ(ok("px").exec, ExecMode::Profile);
    EXPECT_EQ(ok("cx").exec, ExecMode::Child);
    EXPECT_EQ(ok("ux").exec, ExecMode::Unconfined);
    EXPECT_EQ(ok("pix").exec, ExecMode::ProfileOrInherit);
    EXPECT_EQ(ok("cix").exec, ExecMode::ChildOrInherit);
    EXPECT_EQ(ok("pux").exec, ExecMode::ProfileOrUnconfined);
    EXPECT_EQ(ok("cux").exec, ExecMode::ChildOrUnconfined);
    for (const auto* w : {"ix", "px", "cx", "ux", "pix"})
        EXPECT_FALSE(ok(w).exec_safe) << w;
}

TEST(FilePerms, UpperCaseTransitionsScrubTheEnvironment) {
    const FilePerms px = ok("Px");
    EXPECT_EQ(px.exec, ExecMode::Profile);
    EXPECT_TRUE(px.exec_safe);
    EXPECT_TRUE(ok("Cx").exec_safe);
    EXPECT_TRUE(ok("Ux").exec_safe);
    const FilePerms pix = ok("Pix");
    EXPECT_EQ(pix.exec, ExecMode::ProfileOrInherit);
    EXPECT_TRUE(pix.exec_safe);
    // ix has no unsafe variant: an inherited profile keeps its environment anyway.
    EXPECT_FALSE(ok("ix").exec_safe);
}

TEST(FilePerms, ExecCombinesWithPlainPermissions) {
    const FilePerms p = ok("mrix");
    EXPECT_EQ(p.bits, FilePerms::Read | FilePerms::Mmap);
    EXPECT_EQ(p.exec, ExecMode::Inherit);
    const FilePerms q = ok("rPx");
    EXPECT_EQ(q.bits, FilePerms::Read);
    EXPECT_EQ(q.exec, ExecMode::Profile);
    EXPECT_TRUE(q.exec_safe);
}

TEST(FilePerms, WriteAndAppendConflict) {
    for (const auto* w : {"wa", "aw", "rwa"}) {
        auto r = parse_file_perms(w, false, kAt);
        ASSERT_FALSE(r.ok()) << w;
        EXPECT_EQ(r.error().kind, ErrorKind::Invalid);
        EXPECT_EQ(r.error().where, kAt);
        EXPECT_NE(r.error().message.find("mutually exclusive"), std::string::npos) << r.error().message;
    }
}

TEST(FilePerms, TwoDifferentExecModesConflict) {
    for (const auto* w : {"ixpx", "pxcx", "rixux", "Pxpx"}) {
        auto r = parse_file_perms(w, false, kAt);
        ASSERT_FALSE(r.ok()) << w;
        EXPECT_EQ(r.error().kind, ErrorKind::Invalid) << w;
        EXPECT_NE(r.error().message.find("conflicts"), std::string::npos) << r.error().message;
    }
}

TEST(FilePerms, SameExecModeTwiceIsAccepted) {
    // Identical transitions do not conflict, like a repeated 'r'.
    EXPECT_EQ(ok("ixix").exec, ExecMode::Inherit);
}

TEST(FilePerms, BareXOnlyInDenyRules) {
    auto allow = parse_file_perms("x", false, kAt);
    ASSERT_FALSE(allow.ok());
    EXPECT_EQ(allow.error().kind, ErrorKind::Invalid);
    const FilePerms deny = ok("x", /*deny=*/true);
    EXPECT_EQ(deny.exec, ExecMode::Plain);
}

TEST(FilePerms, DenyRulesRefuseExecTransitions) {
    auto r = parse_file_perms("ix", /*deny=*/true, kAt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Invalid);
    EXPECT_NE(r.error().message.find("deny"), std::string::npos);
}

TEST(FilePerms, QualifierWithoutXAndUnknownLettersFail) {
    auto dangling = parse_file_perms("rp", false, kAt);
    ASSERT_FALSE(dangling.ok());
    EXPECT_NE(dangling.error().message.find("must be followed by 'x'"), std::string::npos);
    auto unknown = parse_file_perms("rz", false, kAt);
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().message.find("'z'"), std::string::npos);
}

TEST(FilePerms, FormatIsCanonicalOrder) {
    EXPECT_EQ(format_file_perms(ok("mkwlr")), "rwlkm");
    EXPECT_EQ(format_file_perms(ok("ixr")), "rix");
    EXPECT_EQ(format_file_perms(ok("mPx")), "mPx");
    EXPECT_EQ(format_file_perms(ok("Pix")), "Pix");
    EXPECT_EQ(format_file_perms(ok("cux")), "cux");
    EXPECT_EQ(format_file_perms(ok("x", true)), "x");
    EXPECT_EQ(format_file_perms(FilePerms{}), "");
}

TEST(FilePerms, FormatThenParseIsIdentity) {
    for (const auto* w : {"r", "rw", "ra", "rwlkm", "rix", "Px", "Cx", "Ux", "Pix", "Cix", "mrcux"}) {
        const FilePerms p = ok(w);
        EXPECT_EQ(ok(format_file_perms(p)), p) << w << " -> " << format_file_perms(p);
    }
}

TEST(FilePerms, LooksLikeFilePerms) {
    EXPECT_TRUE(looks_like_file_perms("rw"));
    EXPECT_TRUE(looks_like_file_perms("Px"));
    EXPECT_FALSE(looks_like_file_perms(""));
    EXPECT_FALSE(looks_like_file_perms("network"));
    EXPECT_FALSE(looks_like_file_perms("/tmp"));
}

}  // namespace
}  // namespace aalayer::policy
