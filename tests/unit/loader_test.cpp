// The loader over an in-memory tree: how includes are found, how often a
// file is pulled in, and which failures are errors (with the location of the
// include or rule that caused them, so the CLI can point at the line).
#include "policy/load/loader.h"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "policy/load/include_resolver.h"
#include "policy/source/memory_reader.h"
#include "policy/syntax/emitter.h"

namespace aalayer::policy {
namespace {

Result<LoadedPolicy> load(const MemoryReader& reader, const std::string& root,
                          std::vector<std::string> dirs = {"/inc"}) {
    LoadOptions options;
    options.include_dirs = std::move(dirs);
    const Loader loader(reader, options);
    return loader.load_file(root);
}

std::vector<std::string> values_of(const LoadedPolicy& policy, const std::string& name) {
    auto r = policy.variables.expand("@{" + name + "}", Location{});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().format());
    return r.ok() ? *r : std::vector<std::string>{};
}

TEST(Loader, MagicIncludeIsSearchedInTheIncludeDirsInOrder) {
    MemoryReader reader;
    reader.add("/first/abstractions/base", "/lib/** r,\n");
    reader.add("/second/abstractions/base", "/never r,\n");
    reader.add("/second/abstractions/extra", "/extra r,\n");
    reader.add("/p", "profile p {\n  include <abstractions/base>\n  include <abstractions/extra>\n}\n");
    auto r = load(reader, "/p", {"/first", "/second"});
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_EQ(r->root, "/p");
    EXPECT_TRUE(r->documents.contains("/first/abstractions/base"));
    // The first directory that has the file wins; later ones are not read.
    EXPECT_FALSE(r->documents.contains("/second/abstractions/base"));
    EXPECT_TRUE(r->documents.contains("/second/abstractions/extra"));
    EXPECT_EQ(r->root_document().items.size(), 1U);
}

TEST(Loader, QuotedIncludeIsTakenAsWritten) {
    MemoryReader reader;
    reader.add("/etc/local/p", "/srv/** r,\n");
    reader.add("/p", "profile p {\n  #include \"/etc/local/p\"\n}\n");
    auto r = load(reader, "/p");
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_TRUE(r->documents.contains("/etc/local/p"));
}

TEST(Loader, DirectoryIncludeReadsEveryFileSkippingLeftovers) {
    MemoryReader reader;
    reader.add("/inc/d/b", "@{V} += b\n");
    reader.add("/inc/d/a", "@{V} += a\n");
    reader.add("/inc/d/a.dpkg-old", "this is not policy\n");
    reader.add("/inc/d/.hidden", "neither is this\n");
    reader.add("/p", "@{V} = v\ninclude <d>\nprofile p {\n}\n");
    auto r = load(reader, "/p");
    ASSERT_TRUE(r.ok()) << r.error().format();
    // Files in name order: a before b.
    EXPECT_EQ(values_of(*r, "V"), (std::vector<std::string>{"v", "a", "b"}));
    EXPECT_FALSE(r->documents.contains("/inc/d/a.dpkg-old"));
}

TEST(Loader, SkipsTheDirectoryEntriesApparmorParserSkips) {
    for (const char* name :
         {"", ".hidden", "README", "a.dpkg-new", "a.dpkg-old", "a.dpkg-dist", "a.dpkg-bak", "a.dpkg-remove",
          "a.pacsave", "a.pacnew", "a.rpmnew", "a.rpmsave", "a.orig", "a.rej", "a~"}) {
        EXPECT_TRUE(is_skipped_policy_entry(name)) << name;
    }
    for (const char* name : {"firefox", "usr.bin.man", "README.md", "a.orig.d", "a.rej-not"})
        EXPECT_FALSE(is_skipped_policy_entry(name)) << name;
}

TEST(Loader, FileIsIncludedOncePerScope) {
    // Following a file twice would define @{X} twice, which is an error.
    MemoryReader reader;
    reader.add("/inc/vars", "@{X} = x\n");
    reader.add("/p", "include <vars>\ninclude <vars>\nprofile p {\n  /@{X} r,\n}\n");
    auto r = load(reader, "/p");
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_EQ(values_of(*r, "X"), std::vector<std::string>{"x"});
}

TEST(Loader, EachProfileIncludesAgain) {
    // Observed through an appending abstraction: once per profile, not once per file.
    MemoryReader reader;
    reader.add("/inc/abs", "@{V} += abs\n");
    reader.add("/p",
               "@{V} = top\n"
               "profile a {\n  include <abs>\n  include <abs>\n}\n"
               "profile b {\n  include <abs>\n}\n");
    auto r = load(reader, "/p");
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_EQ(values_of(*r, "V"), (std::vector<std::string>{"top", "abs", "abs"}));
    // Parsed once however often it is included.
    EXPECT_EQ(r->documents.size(), 2U);
}

TEST(Loader, IncludeCycleNamesTheChain) {
    MemoryReader reader;
    reader.add("/inc/a", "include <b>\n");
    reader.add("/inc/b", "include <a>\n");
    reader.add("/p", "include <a>\nprofile p {\n}\n");
    auto r = load(reader, "/p");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Include);
    EXPECT_EQ(r.error().where, (Location{"/inc/b", 1, 1}));
    EXPECT_EQ(r.error().message, "include cycle: /p -> /inc/a -> /inc/b -> /inc/a");
}

TEST(Loader, SelfIncludeIsACycle) {
    MemoryReader reader;
    reader.add("/p", "profile p {\n  include \"/p\"\n}\n");
    auto r = load(reader, "/p");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Include);
    EXPECT_EQ(r.error().message, "include cycle: /p -> /p");
    EXPECT_EQ(r.error().where.line, 2U);
}

TEST(Loader, MissingIfExistsIncludeIsFine) {
    MemoryReader reader;
    reader.add("/p", "profile p {\n  include if exists <local/p>\n  /a r,\n}\n");
    auto r = load(reader, "/p");
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_EQ(r->documents.size(), 1U);
}

TEST(Loader, MissingIncludeIsALocatedError) {
    MemoryReader reader;
    reader.add("/p", "profile p {\n  /a r,\n    include <local/p>\n}\n");
    auto r = load(reader, "/p", {"/inc", "/other"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Include);
    EXPECT_EQ(r.error().where, (Location{"/p", 3, 5}));
    EXPECT_NE(r.error().message.find("'local/p'"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("/inc, /other"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().format().rfind("/p:3:5: error: cannot find include", 0), 0U) << r.error().format();
}

TEST(Loader, SyntaxErrorInIncludedFileIsLocatedInThatFile) {
    MemoryReader reader;
    reader.add("/inc/abs", "/ok r,\n/broken r\n");
    reader.add("/p", "profile p {\n  include <abs>\n}\n");
    auto r = load(reader, "/p");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Syntax);
    EXPECT_EQ(r.error().where.file, "/inc/abs");
}

TEST(Loader, UndefinedVariableIsAnError) {
    MemoryReader reader;
    reader.add("/p", "profile p {\n  /a r,\n  @{NOPE}/** r,\n}\n");
    auto r = load(reader, "/p");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Variable);
    EXPECT_EQ(r.error().where, (Location{"/p", 3, 3}));
    EXPECT_NE(r.error().message.find("@{NOPE}"), std::string::npos);
}

TEST(Loader, UndefinedVariableInsideADefinitionIsAnError) {
    MemoryReader reader;
    reader.add("/p", "@{A} = @{B}/x\nprofile p {\n}\n");
    auto r = load(reader, "/p");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Variable);
    EXPECT_EQ(r.error().where.line, 1U);
}

TEST(Loader, TunablesVariablesAreVisible) {
    MemoryReader reader;
    reader.add("/inc/tunables/global", "include <tunables/home>\n");
    reader.add("/inc/tunables/home", "@{HOME} = /home/*/ /root/\n");
    reader.add("/p", "include <tunables/global>\nprofile p {\n  owner @{HOME}/** rw,\n}\n");
    auto r = load(reader, "/p");
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_TRUE(r->variables.has("HOME"));
    auto expanded = r->variables.expand("@{HOME}.cache", Location{});
    ASSERT_TRUE(expanded.ok());
    EXPECT_EQ(*expanded, (std::vector<std::string>{"/home/*/.cache", "/root/.cache"}));
}

TEST(Loader, BuiltinAndPredefinedVariablesNeedNoDefinition) {
    MemoryReader reader;
    reader.add("/p", "profile p {\n  /run/@{profile_name}/** rw,\n  @{USER_HOME}/** r,\n}\n");
    LoadOptions options;
    options.include_dirs = {"/inc"};
    options.predefined.set("USER_HOME", {"/home/alice"});
    const Loader loader(reader, options);
    auto r = loader.load_file("/p");
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_EQ(values_of(*r, "USER_HOME"), std::vector<std::string>{"/home/alice"});
}

TEST(Loader, LoadTextUsesTheGivenName) {
    MemoryReader reader;
    reader.add("/inc/abs", "/lib/** r,\n");
    LoadOptions options;
    options.include_dirs = {"/inc"};
    const Loader loader(reader, options);
    auto r = loader.load_text("profile layer {\n  include <abs>\n}\n", "layer:alice");
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_EQ(r->root, "layer:alice");
    EXPECT_EQ(r->documents.size(), 2U);
}

TEST(Loader, MissingRootFileFails) {
    MemoryReader reader;
    auto r = load(reader, "/nope");
    EXPECT_FALSE(r.ok());
}

// ---- conditionals: decided where they stand, the branch taken kept in place --------------------------

std::string emitted_root(const LoadedPolicy& policy) {
    return emit_document(policy.root_document());
}

TEST(LoaderConditionals, KeepTheBranchTaken) {
    MemoryReader reader;
    reader.add("/inc/tunables", "${T} = true\n${F} = FALSE\n@{V} = /v\n");
    reader.add(
        "/p",
        "include <tunables>\n"
        "profile p {\n"
        "  if ${T} {\n    /t r,\n  } else {\n    /never r,\n  }\n"
        "  if ${F} {\n    /never r,\n  } else if not ${F} {\n    /nf r,\n  } else {\n    /never r,\n  }\n"
        "  if defined @{V} {\n    if not defined @{W} {\n      /v r,\n    }\n  }\n"
        "  owner {\n    if defined ${F} {\n      /df r,\n    }\n  }\n"
        "}\n");
    auto r = load(reader, "/p");
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_EQ(
        emitted_root(*r),
        "include <tunables>\n\nprofile p {\n  /t r,\n  /nf r,\n  /v r,\n\n  owner {\n    /df r,\n  }\n}\n");
}

TEST(LoaderConditionals, BranchesNotTakenAreCheckedAsApparmorParserChecksThem) {
    MemoryReader reader;
    // An undefined variable in a branch not taken is fine: the branch is dropped before expansion.
    reader.add("/a", "${F} = false\nprofile p {\n  if ${F} {\n    @{NOPE} r,\n  }\n}\n");
    auto a = load(reader, "/a");
    ASSERT_TRUE(a.ok()) << a.error().format();
    // A boolean never defined is an error in any condition, taken or not.
    reader.add("/b", "${T} = true\nprofile p {\n  if ${T} {\n  } else if ${U} {\n  }\n}\n");
    auto b = load(reader, "/b");
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().kind, ErrorKind::Variable);
    EXPECT_EQ(b.error().where.line, 4U);
    EXPECT_EQ(b.error().where.column, 13U);
    // So is an include that cannot be read, and the files read for such a branch are not kept.
    reader.add("/c", "${F} = false\nprofile p {\n  if ${F} {\n    include <missing>\n  }\n}\n");
    EXPECT_FALSE(load(reader, "/c").ok());
    reader.add("/inc/abs", "/abs r,\n");
    reader.add("/d", "${F} = false\nprofile p {\n  if ${F} {\n    include <abs>\n  }\n}\n");
    auto d = load(reader, "/d");
    ASSERT_TRUE(d.ok()) << d.error().format();
    EXPECT_EQ(d->documents.size(), 1U);
}

TEST(LoaderConditionals, BranchesNotTakenCostOneWalkOfEachFile) {
    // Each file includes the next twice, in branches not taken: walked for every branch, the
    // 40 levels would take 2^40 walks.
    MemoryReader reader;
    for (int i = 0; i < 40; ++i) {
        const std::string next = "<f" + std::to_string(i + 1) + ">";
        reader.add("/inc/f" + std::to_string(i),
                   "if ${F} {\n  include " + next + "\n} else if ${F} {\n  include " + next + "\n}\n");
    }
    reader.add("/inc/f40", "/x r,\n");
    reader.add("/p", "${F} = false\nprofile p {\n  include <f0>\n}\n");
    auto r = load(reader, "/p");
    ASSERT_TRUE(r.ok()) << r.error().format();
    EXPECT_EQ(r->documents.size(), 2U);  // /p and f0; the others were read only for branches not taken
}

TEST(LoaderConditionals, BooleansAreDefinedBeforeUse) {
    MemoryReader reader;
    reader.add("/p", "profile p {\n  if ${B} {\n  }\n}\n${B} = true\n");
    auto r = load(reader, "/p");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Variable);
    EXPECT_EQ(r.error().where.line, 2U);
}

TEST(LoaderConditionals, AFileIncludedTwiceIsDecidedOnce) {
    MemoryReader reader;
    reader.add("/inc/abs", "if defined @{V} {\n  /v r,\n}\n");
    reader.add("/same", "profile a {\n  include <abs>\n}\nprofile b {\n  include <abs>\n}\n");
    EXPECT_TRUE(load(reader, "/same").ok());
    reader.add("/differs", "profile a {\n  include <abs>\n}\n@{V} = /v\nprofile b {\n  include <abs>\n}\n");
    auto r = load(reader, "/differs");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Unsupported);
}

TEST(Loader, ExecPathIsNotBuiltIn) {
    MemoryReader reader;
    reader.add("/p", "profile p /p {\n  @{exec_path} r,\n}\n");
    auto r = load(reader, "/p");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Variable);
}

}  // namespace
}  // namespace aalayer::policy
