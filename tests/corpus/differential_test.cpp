// Accept/reject agreement with the real apparmor_parser on hand-written
// snippets, and byte-identical round trips for those both accept. Where we
// deliberately differ, the table says why and for which parser versions:
// the test asks the installed apparmor_parser for its version.
#include <gtest/gtest.h>

#include "policy/load/loader.h"
#include "policy/source/filesystem_reader.h"
#include "policy/syntax/emitter.h"
#include "tests/support/corpus.h"

namespace aalayer::test {
namespace {

// apparmor_parser versions in [from, before).
struct Versions {
    ParserVersion from{0, 0};
    ParserVersion before{1000, 0};
    [[nodiscard]] constexpr bool contains(ParserVersion v) const { return from <= v && v < before; }
};
constexpr Versions kAllVersions{};
constexpr Versions older_than(int major, int minor) {
    return Versions{{0, 0}, {major, minor}};
}
constexpr Versions from_version(int major, int minor) {
    return Versions{{major, minor}, {1000, 0}};
}

struct Difference {
    const char* why;
    Versions where;
};

struct Snippet {
    const char* body;  // rules inside `profile t /t { … }`, or a whole file if `whole`
    bool whole = false;
    const Difference* deliberate = nullptr;  // we accept/refuse differently, where it applies
    const Difference* differs = nullptr;     // both accept but the compiled policy differs, where it applies
};

constexpr Difference kNewerSyntax{
    "AppArmor 4 syntax: apparmor_parser before 4.0 refuses it, the model accepts it", older_than(4, 0)};
constexpr Difference kHashComment{
    "'#' after a variable value starts a comment, as in AppArmor 3.1+; apparmor_parser 3.0 reads the '#' and "
    "the words after it as extra values, which are relative paths that match nothing",
    older_than(3, 1)};
constexpr Difference kBooleanComment{
    "'#' after a boolean's value starts a comment, as after a variable's; apparmor_parser 3.0 refuses the "
    "line",
    older_than(3, 1)};
constexpr Difference kDefinedBoolean{
    "`defined ${B}` means B is defined, as in apparmor_parser 3.0; apparmor_parser 4 reads B's value and "
    "refuses "
    "a B never defined",
    from_version(4, 0)};
constexpr Difference kTopLevel{
    "a file is read alike whether it is loaded or included inside a profile (abstractions hold rules and "
    "'if' "
    "blocks), so rules outside profiles are not refused",
    kAllVersions};
constexpr Difference kVerbatim{"unknown rule classes are kept verbatim (with a note), never dropped",
                               kAllVersions};

const Snippet kSnippets[] = {
    // File rules and permissions.
    {"/f rw,"},
    {"/f wa,"},
    {"/f ixpx,"},
    {"/f ixix,"},
    {"deny /f ix,"},
    {"deny /f x,"},
    {"/f x,"},
    {"/f R,"},
    {"/f X,"},
    {"/f rwx,"},
    {"/f ix -> b,"},
    {"/f px -> b,"},
    {"/f Cx -> b,"},
    {"/f l -> /g,"},
    {"/f rl -> /g,"},
    {"/f r -> /g,"},
    {"/f rw -> /g,"},
    {"r /f,"},
    {"file r /f,"},
    {"file,"},
    {"owner file,"},
    {"/f rw ,"},
    {"/f{a,b} r,"},
    {"/f\\ g r,"},
    {"\"/f g\" r,"},
    {"other /f r,"},
    {"owner deny /f r,"},
    {"deny owner /f r,"},
    {"audit deny /f r,"},
    {"deny audit /f r,"},
    {"allow /f r,"},
    {"audit allow owner /f r,"},
    {"/f  pux,"},
    {"/f PUx,"},
    {"/f Pux,"},
    {"/f cux,"},
    {"/f CUx,"},
    {"/f pix,"},
    {"/f Cix,"},
    {"/f mr,"},
    {"deny /f px,"},
    {"/f r, /g r,"},
    {"/f r,/g r,"},
    {"/f k,"},
    {"rw /f,"},
    {"ix /f,"},
    {"/f rwz,"},
    {"/f r"},
    {"/f"},
    {"/{usr/,}bin/** mrix,"},
    {"/etc/{passwd,group} r,"},
    {"@{PROC}/@{pid}/fd/ r,"},
    {"owner @{HOME}/** rwk,"},
    {"/a/[^.]* r,"},
    {"/a/?b r,"},
    // Qualifier blocks.
    {"owner { /f r, }"},
    {"audit { /f r, /g w, }"},
    {"deny owner { /f r, }", false, &kNewerSyntax},
    {"deny { /f r, }", false, &kNewerSyntax},
    {"audit deny { /f r, }", false, &kNewerSyntax},
    {"audit owner { /f r, }"},
    {"owner { /f r, "},
    {"deny { deny /f x, }", false, &kNewerSyntax},
    {"deny { capability chown, }", false, &kNewerSyntax},
    {"deny { /f x, }"},
    {"deny { /f ix, }"},
    {"deny { file, }"},
    {"deny file,"},
    {"priority=1 { /f r, }"},
    {"owner { abi <abi/3.0>, }"},
    // Links.
    {"link /a -> /b,"},
    {"link subset /a -> /b,"},
    {"owner link /a -> /b,"},
    {"link /a /b,"},
    // Capabilities.
    {"capability,"},
    {"capability chown setuid,"},
    {"capability foo,"},
    {"capability chown,setuid,"},
    {"capability chown, setuid,", false, &kVerbatim},
    {"deny capability sys_admin,"},
    // Network and the mediation classes.
    {"network,"},
    {"network inet,"},
    {"network inet stream,"},
    {"network inet6 dgram,"},
    {"network netlink raw,"},
    {"deny network inet6,"},
    {"network foo,"},
    {"network unspec,"},
    {"network unspec raw,"},
    {"network unspec tcp,"},
    {"network inet icmp,"},
    {"network inet6 icmp,"},
    {"network tcp,"},
    {"network packet packet,"},
    {"network inet stream tcp,"},
    {"network stream inet,"},
    {"network (create) inet,", false, &kNewerSyntax},
    {"network create inet,", false, &kNewerSyntax},
    {"network inet (create),"},
    {"signal,"},
    {"signal (send) set=(kill) peer=unconfined,"},
    {"signal (receive, send) set=(\"exists\"),"},
    {"signal (send receive) set=(hup term),"},
    {"signal bogus,"},
    {"ptrace,"},
    {"ptrace (read,trace) peer=\"unconfined\","},
    {"ptrace (readby) peer=/usr/bin/foo,"},
    {"unix,"},
    {"unix (send, receive) type=dgram peer=(addr=\"@nvidia[0-9a-f]*\"),"},
    {"unix (connect, receive, send) type=stream peer=(label=foo addr=@/tmp/x),"},
    {"dbus,"},
    {"dbus send bus=session path=/org/a interface=org.a member=M peer=(name=org.a),"},
    {"dbus (send, receive)\n  bus=system\n  path=\"/org/freedesktop/*\"\n  "
     "interface=org.freedesktop.DBus.Properties,"},
    {"dbus bind bus=session name=org.example.*,"},
    {"dbus eavesdrop bus=session,"},
    {"dbus send bogus=1,"},
    {"mount,"},
    {"mount options=(ro, bind) /a/ -> /b/,"},
    {"mount fstype=tmpfs -> /tmp/,"},
    {"mount options in (ro, nosuid) /dev/sda1 -> /mnt/,"},
    {"umount /mnt/,"},
    {"remount /mnt/,"},
    {"pivot_root,"},
    {"pivot_root oldroot=/old/ /new/,"},
    {"deny mount,"},
    {"change_profile,"},
    {"change_profile -> foo,"},
    {"change_profile /bin/a -> foo,"},
    {"change_profile unsafe /bin/a -> foo,"},
    {"change_profile -> php-fpm//*,"},
    {"set rlimit nofile <= 1024,"},
    {"set rlimit as <= 10MB,"},
    {"set rlimit bogus <= 1,"},
    {"set rlimit nice <= -10,"},
    // Newer classes and forms.
    {"all,", false, &kNewerSyntax},
    {"userns,", false, &kNewerSyntax},
    {"io_uring,", false, &kNewerSyntax},
    {"mqueue,", false, &kNewerSyntax},
    {"priority=1 /f r,", false, &kNewerSyntax},
    {"unknownkw,", false, &kVerbatim},
    {"foo bar,", false, &kVerbatim},
    // Profiles, hats, flags.
    {"profile u { }"},
    {"^h { }"},
    {"hat h { }"},
    {"profile u /u flags=(complain) { /f r, }"},
    {"/t {\n/x {\n}\n}", true},
    {"profile t (complain) { }", true},
    {"profile t flags=(bogus) { }", true},
    {"profile t flags=(complain attach_disconnected) { }", true},
    {"/t xattrs=(a=b) { }", true},
    {"profile t { /x r,\n}\n}", true},
    {"profile t { /x r,", true},
    {"profile t { /x r }", true},
    {"^h { }", true},
    {"profile \"t x\" { }", true},
    {"profile t { profile u { ^h { } } }", true},
    // Namespaces and attachments.
    {"profile :ns:name { }", true},
    {"profile :ns://name { }", true},
    {":ns:name { }", true},
    {":ns:name /x { }", true},
    {"/usr/bin/x /y { }", true},
    {"profile :ns:t:x flags=(complain) { }", true},
    {"profile t { ^:ns:h { } profile :ns:u { } }", true},
    {":ns { }", true},
    {"profile ::name { }", true},
    {"profile :ns: { }", true},
    {"profile :ns//name { }", true},
    // xattrs.
    {"/t xattrs=(a=b c=d) { }", true},
    {"/t xattrs=(a=b, c=d) { }", true},
    {"/t xattrs=(user.a=\"b c\" user.b=/foo/**) { }", true},
    {"/t xattrs=(user.trust) { }", true},
    {"/t xattrs=(a b) { }", true},
    {"/t xattrs=(a = b) { }", true},
    {"/t xattrs=() { }", true},
    {"/t xattrs=(a=\"\") { }", true},
    {"/t xattrs=(a=(b c)) { }", true},
    {"profile t { ^h xattrs=(a=b) { } }", true},
    // Conditionals.
    {"${B}=true\nprofile t { if ${B} { /f r, } else { /g r, } }", true},
    {"${B}=false\nprofile t { if ${B} { /f r, } else if ${B} { /g r, } else { /h r, } }", true},
    {"include <tunables/global>\nprofile t { if defined @{HOME} { @{HOME}/f r, } }", true},
    {"profile t { if defined @{NOPE} { /f r, } else { /g r, } }", true},
    {"profile t { if defined ${NOPE} { /f r, } }", true, &kDefinedBoolean},
    {"${F}=false\nprofile t { if defined ${F} { /f r, } }", true, nullptr, &kDefinedBoolean},
    {"${B}=true\nprofile t { if not not ${B} { /f r, } }", true},
    {"${B}=TRUE\nprofile t { if not ${B} { /f r, } else { /g r, } }", true},
    {"${B}=true\nprofile t { if ${B} { ^h { /f r, } profile u { } owner { /g r, } } }", true},
    {"${B}=true\nprofile t { owner { if ${B} { /f r, } } }", true},
    {"${B}=true\nprofile t { if ${B} {/f r,}else{/g r,} }", true},
    {"${B}=true\nprofile t { if${B} { /f r, } }", true},
    {"${B}=true\nprofile t { if ${B} # c\n { /f r, } }", true},
    {"${B}=false\nprofile t { if ${B} { @{NOPE} r, } }", true},
    {"profile t { if ${U} { /f r, } }", true},
    {"${B}=true\nprofile t { if ${B} { } else if ${U} { } }", true},
    {"${B}=false\nprofile t { if ${B} { if ${U} { } } }", true},
    {"${B}=false\nprofile t { if ${B} { include <nonexist> } }", true},
    {"${B}=true\nprofile t { if (${B}) { /f r, } }", true},
    {"${B}=true\nprofile t { if ${B} { /f r, } else /g r, }", true},
    {"profile t { if defined @{HOME}{ } }", true},
    {"profile t { else { } }", true},
    {"profile t { if ${B} { } }\n${B}=true", true},
    {"${B}=true\nif ${B} { profile t { } }", true, &kTopLevel},
    {"/f r,\nprofile t { }", true, &kTopLevel},
    {"${B}=true # c\nprofile t { }", true, &kBooleanComment},
    {"${B}=true false\nprofile t { }", true},
    {"${B}=yes\nprofile t { }", true},
    // Variables and includes.
    {"@{A}=/x\n@{A}=/y\nprofile t { @{A} r, }", true},
    {"@{A}+=/y\nprofile t { @{A} r, }", true},
    {"@{A}=/x\n@{A}+=/y\nprofile t { @{A} r, }", true},
    {"@{A}=@{B}\nprofile t { @{A} r, }", true},
    {"@{A}=@{A}/x\nprofile t { @{A} r, }", true},
    {"@{A}=/x,\nprofile t { @{A} r, }", true},
    {"profile t { @{A}=/x\n @{A} r, }", true},
    {"@{A}=/x # c\nprofile t { @{A} r, }", true, nullptr, &kHashComment},
    {"@{A}=/x\n# c\nprofile t { @{A} r, }", true},
    {"@{A}=/x \\\n /y\nprofile t { @{A} r, }", true},
    {"@{A}=\"\"\nprofile t { /x@{A} r, }", true},
    {"@{A}=/a @{B}\n@{B}=/b\nprofile t { @{A} r, }", true},
    {"profile t { @{FOO} r, }", true},
    {"include <tunables/global>\ninclude <tunables/global>\nprofile t { @{HOME} r, }", true},
    {"include <tunables/global>\nprofile t { include <abstractions/base>\ninclude <abstractions/base>\n }",
     true},
    {"include <nonexist>\nprofile t { }", true},
    {"include if exists <nonexist>\nprofile t { }", true},
    {"#include <tunables/global>\nprofile t { #include <abstractions/base>\n }", true},
    {"alias /a -> /b,\nprofile t { }", true},
    {"profile t { alias /a -> /b, }", true},
    {"${B}=true\nprofile t { }", true},
    {"profile t { /x\\#y r, }", true},
    {"profile t { /x#y r, }", true},
    {"profile t { /x r, # comment\n }", true},
    {"profile t { /x r,# comment\n }", true},
    {"profile t { @{profile_name} r, }", true},
    {"profile t { signal peer=@{profile_name}, }", true},
    {"profile t /t { @{exec_path} r, }", true},
    {"profile t /t { @{attach_path} r, }", true},
    {"profile t /t { signal peer=@{exec_path}, }", true},
    {"profile t { abi <abi/3.0>, /f r, }", true},
    {"abi <abi/3.0>,\nprofile t { }", true},
    {"abi <abi/3.0>\nprofile t { }", true},
};

std::string file_text(const Snippet& s) {
    if (s.whole) return s.body;
    return std::string("include <tunables/global>\nprofile t /t {\n  ") + s.body + "\n}\n";
}

TEST(ParserVersionTest, ReadsMajorAndMinorFromTheFirstLine) {
    const auto v =
        parse_parser_version("AppArmor parser version 4.1.0\nCopyright (C) 1999-2008 Novell Inc.\n");
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->major, 4);
    EXPECT_EQ(v->minor, 1);
    EXPECT_FALSE(parse_parser_version("AppArmor parser\nversion 3.0\n").has_value());
    EXPECT_FALSE(parse_parser_version("").has_value());
    EXPECT_TRUE(older_than(4, 0).contains({3, 0}));
    EXPECT_FALSE(older_than(4, 0).contains({4, 0}));
    EXPECT_TRUE(from_version(4, 0).contains({4, 1}));
}

TEST(DifferentialTest, AcceptsWhatApparmorParserAcceptsAndRefusesWhatItRefuses) {
    if (!have_apparmor_parser()) GTEST_FAIL() << "apparmor_parser is not installed";
    std::string version_error;
    const auto version = apparmor_parser_version(&version_error);
    // The expectations depend on the version: never guess it.
    if (!version) GTEST_FAIL() << "cannot tell apparmor_parser's version: " << version_error;
    const policy::FilesystemReader reader;
    const policy::Loader loader(reader, policy::LoadOptions{});
    const TempDir dir;
    std::size_t agree = 0;
    std::size_t deliberate = 0;
    std::size_t identical = 0;
    std::size_t differs = 0;
    std::size_t both_accept = 0;
    std::size_t index = 0;
    for (const auto& s : kSnippets) {
        const std::string text = file_text(s);
        const std::string path = dir.write("snippet" + std::to_string(index++), text);
        std::string parser_error;
        const auto binary = compile_profile(path, &parser_error);
        auto ours = loader.load_file(path);
        const bool apparmor_accepts = binary.has_value();
        if (s.deliberate != nullptr && s.deliberate->where.contains(*version)) {
            EXPECT_NE(apparmor_accepts, ours.ok())
                << "expected a deliberate difference (" << s.deliberate->why << ") for:\n"
                << text << "\napparmor_parser: " << (apparmor_accepts ? "accepts" : parser_error);
            if (apparmor_accepts != ours.ok()) ++deliberate;
            continue;
        }
        EXPECT_EQ(apparmor_accepts, ours.ok())
            << "for:\n"
            << text << "\napparmor_parser: " << (apparmor_accepts ? "accepts" : parser_error)
            << "aalayer: " << (ours ? "accepts" : ours.error().format());
        if (apparmor_accepts == ours.ok()) ++agree;
        if (!apparmor_accepts || !ours) continue;
        ++both_accept;
        const std::string emitted =
            dir.write("emitted" + std::to_string(index), policy::emit_document(ours->root_document()));
        const auto round = compile_profile(emitted, &parser_error);
        ASSERT_TRUE(round.has_value()) << "emitted text refused: " << parser_error << "\nfor:\n" << text;
        const bool same = *round == *binary;
        if (s.differs != nullptr && s.differs->where.contains(*version)) {
            EXPECT_FALSE(same) << "expected a documented difference (" << s.differs->why << ") for:\n"
                               << text;
            if (!same) ++differs;
            continue;
        }
        EXPECT_TRUE(same) << "emitted text compiles to different binary policy for:\n" << text;
        if (same) ++identical;
    }
    std::printf(
        "differential (apparmor_parser %d.%d): %zu of %zu snippets agree, %zu differ deliberately; %zu of "
        "%zu "
        "accepted round-trip to identical bytes, %zu differ as documented\n",
        version->major, version->minor, agree, std::size(kSnippets), deliberate, identical, both_accept,
        differs);
}

}  // namespace
}  // namespace aalayer::test
