// aalayer-policy as a user runs it: exit codes, message format, -I, emit.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/support/corpus.h"
#include "tests/support/firefox_profile.h"
#include "tests/support/json_reader.h"
#include "tests/support/process.h"

namespace aalayer::test {
namespace {

std::string tool() {
    return env_or("AALAYER_POLICY_TOOL", "aalayer-policy");
}

ProcessResult run(std::vector<std::string> args) {
    args.insert(args.begin(), tool());
    return run_process(args, std::chrono::seconds(30));
}

constexpr const char* kGood =
    "# a small profile\n"
    "#include <tunables/global>\n"
    "/usr/bin/demo flags=(complain) {\n"
    "  #include <abstractions/base>\n"
    "  owner @{HOME}/.demo/** rwk,\n"
    "  r /etc/demo.conf,\n"
    "  deny network inet6,\n"
    "  signal (send receive) peer=demo,\n"
    "}\n";

TEST(PolicyToolTest, ParseSucceedsQuietlyOnValidPolicy) {
    const TempDir dir;
    const auto r = run({"parse", dir.write("good", kGood)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "");
}

TEST(PolicyToolTest, ParseReportsLocatedErrorsAndExitsOne) {
    const TempDir dir;
    const std::string good = dir.write("good", kGood);
    const std::string bad = dir.write("bad", "profile demo {\n  /etc/x rwz,\n}\n");
    const auto r = run({"parse", good, bad});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    // One line, FILE:LINE:COL: error: MESSAGE, pointing at the permissions.
    const std::string prefix = bad + ":2:10: error: ";
    ASSERT_TRUE(r.err.starts_with(prefix)) << r.err;
    ASSERT_TRUE(r.err.ends_with("\n")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("'z'", prefix.size()), std::string::npos) << r.err;
}

TEST(PolicyToolTest, ReportsEveryBadFile) {
    const TempDir dir;
    const std::string a = dir.write("a", "profile a {\n");
    const std::string b = dir.write("b", "profile b { @{NOPE} r, }\n");
    const auto r = run({"parse", a, b});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(a + ":1:11: error: missing '}'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(b + ":1:13: error: variable @{NOPE} is not defined"), std::string::npos) << r.err;
}

TEST(PolicyToolTest, IncludeDirectoriesAreSearchedFirst) {
    const TempDir dir;
    dir.write("inc/site/paths", "@{SITE}=/srv/site\n");
    const std::string profile = dir.write("p", "include <site/paths>\nprofile p { @{SITE}/** r, }\n");
    const auto without = run({"parse", profile});
    EXPECT_EQ(without.exit_code, 1);
    EXPECT_NE(without.err.find("cannot find include 'site/paths'"), std::string::npos) << without.err;
    const auto with = run({"parse", "-I", dir.path() + "/inc", profile});
    EXPECT_EQ(with.exit_code, 0) << with.err;
    const auto joined = run({"parse", "-I" + dir.path() + "/inc", profile});
    EXPECT_EQ(joined.exit_code, 0) << joined.err;
}

TEST(PolicyToolTest, EmitPrintsCanonicalText) {
    const TempDir dir;
    const auto r = run({"emit", dir.write("good", kGood)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out,
              "include <tunables/global>\n"
              "\n"
              "profile /usr/bin/demo flags=(complain) {\n"
              "  include <abstractions/base>\n"
              "  owner @{HOME}/.demo/** rwk,\n"
              "  /etc/demo.conf r,\n"
              "  deny network inet6,\n"
              "  signal (send, receive) peer=demo,\n"
              "}\n");
}

TEST(PolicyToolTest, EmitOfUnknownRuleKeepsItAndSaysSo) {
    const TempDir dir;
    const std::string path = dir.write("p", "profile p {\n  frobnicate widgets=3,\n}\n");
    const auto r = run({"emit", path});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "profile p {\n  frobnicate widgets=3,\n}\n");
    EXPECT_EQ(r.err, path + ":2:3: note: rule class 'frobnicate' is not understood; kept verbatim\n");
}

TEST(PolicyToolTest, UsageErrorsExitTwo) {
    EXPECT_EQ(run({}).exit_code, 2);
    EXPECT_EQ(run({"frobnicate", "x"}).exit_code, 2);
    EXPECT_EQ(run({"parse"}).exit_code, 2);
    EXPECT_EQ(run({"parse", "--bogus", "x"}).exit_code, 2);
    EXPECT_EQ(run({"emit", "a", "b"}).exit_code, 2);
    EXPECT_EQ(run({"parse", "-I"}).exit_code, 2);
    const auto help = run({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("usage: aalayer-policy"), std::string::npos);
}

TEST(PolicyToolTest, MissingFileIsAnErrorNotACrash) {
    const auto r = run({"parse", "/nonexistent/profile"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("/nonexistent/profile: error: cannot open"), std::string::npos) << r.err;
}

// ---- compose, explain and diff: a layer on a base, within a grant ----

// A base of our own, so the tests do not depend on the extra profiles.
// Under @{HOME}/work the base allows rwlm to the owner, the grant rwkm and
// the layer rkm: each of the three takes a letter away.
constexpr const char* kBase =
    "include <tunables/global>\n"
    "\n"
    "profile demo /usr/bin/demo {\n"
    "  include <abstractions/base>\n"
    "  owner @{HOME}/.demo/** rwk,\n"
    "  owner @{HOME}/work/** rwlm,\n"
    "  @{HOME}/shared/** rwl,\n"
    "  /etc/demo.conf r,\n"
    "  /srv/demo/** ralkmix,\n"
    "  network inet stream,\n"
    "  capability chown,\n"
    "}\n";

constexpr const char* kGrant =
    "# users may narrow their work and shared folders\n"
    "grant demo {\n"
    "  owner @{HOME}/work/** rwkm,\n"
    "  @{HOME}/shared/** rw,\n"
    "}\n";

// Stays within the grant: composes without findings.
constexpr const char* kLayer =
    "# the user's layer\n"
    "owner @{HOME}/work/** rkm,\n"
    "@{HOME}/shared/** r,\n"
    "deny /srv/demo/private/** k,\n";

// Line 3 reaches outside the grant.
constexpr const char* kEscape =
    "owner @{HOME}/work/** rkm,\n"
    "\n"
    "  /etc/demo.conf r,\n";

// The note compose() gives where a layer allows nothing of what the base
// allows inside a grant rule (docs/layer-algebra.md, "What a layer takes away").
std::string removal_note(const std::string& layer, const std::string& path, const std::string& base,
                         const std::string& rule, const std::string& where) {
    return layer + ": note: inside the grant this layer allows nothing on " + path + " (the base allows " +
           base + " there), nor on any other path of the grant's '" + rule + "' (" + where +
           ") it neither allows nor denies: inside the grant a layer is an allow-list";
}

// The base, grant and layers written into a scratch directory.
struct LayerFixture {
    TempDir dir;
    std::string base = dir.write("demo", kBase);
    std::string grant = dir.write("demo.conf", kGrant);
    std::string layer = dir.write("work-layer.layer", kLayer);

    // The layer options for user alice (1000) and the given layers.
    [[nodiscard]] std::vector<std::string> args(const std::string& command,
                                                const std::vector<std::string>& layers) const {
        std::vector<std::string> a{command, "--base", base,    "--grant", grant,        "--uid",
                                   "1000",  "--user", "alice", "--home",  "/home/alice"};
        for (const auto& l : layers) {
            a.emplace_back("--layer");
            a.push_back(l);
        }
        return a;
    }
    [[nodiscard]] std::vector<std::string> args(const std::string& command) const {
        return args(command, {layer});
    }
};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

// Permission letters are a subsequence of AppArmor's canonical order.
bool canonical_letters(const std::string& letters) {
    const std::string order = "rwalkmx";
    std::size_t at = 0;
    for (const char c : letters) {
        at = order.find(c, at);
        if (at == std::string::npos) return false;
        ++at;
    }
    return true;
}

std::string string_at(const Json& object, const std::string& key) {
    const Json* v = object.get(key);
    return v != nullptr && v->kind == Json::Kind::String ? v->text : "<missing " + key + ">";
}

// The sources of an explanation's decided_by, in order ("base grant layer").
std::string sources(const Json& explanation) {
    const Json* by = explanation.get("decided_by");
    if (by == nullptr || by->kind != Json::Kind::Array) return "<no decided_by>";
    std::string out;
    for (const auto& r : by->items)
        out += (out.empty() ? "" : " ") + string_at(r, "source");
    return out;
}

// The admin's check: what the service would log at a reload, before the
// grants are installed; exit 1 only for errors.
TEST(PolicyToolTest, CheckGrantsListsTheAdminsMistakes) {
    const TempDir dir;
    dir.write("profiles/demo", kBase);
    dir.write("grants/demo.conf",
              "grant demo {\n  owner @{HOME}/work/** rwkm,\n  exclude @{HOME}/work/keys/**,\n"
              "  exclude /srv/**,\n}\n");
    dir.write("grants/acro.conf", "grant /usr/bin/acroread {\n  owner @{HOME}/** r,\n}\n");
    dir.write("grants/inactive.conf.example", "this is not read\n");
    const std::string grants = dir.path() + "/grants";
    const std::string profiles = dir.path() + "/profiles";
    auto r = run({"check-grants", grants, "--profiles", profiles});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out,
              grants + "/acro.conf:1:1: warning: grant for '/usr/bin/acroread', but no profile in " +
                  profiles + " has that name: nobody can layer on it until one does\n" + grants +
                  "/demo.conf:4:3: warning: 'exclude /srv/**,' takes nothing out of the grant for demo: no "
                  "grant rule names these paths\n" +
                  grants + ": 2 grant file(s), 2 grant(s) in use, 0 error(s), 2 warning(s)\n");

    dir.write("grants/bad.conf",
              "grant demo {\n  owner @{HOME}/*.txt r,\n}\ngrant other {\n  deny /x r,\n}\n");
    r = run({"check-grants", grants, "--profiles", profiles});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find(grants + "/bad.conf:5:3: error: a grant cannot deny"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("3 grant file(s), 2 grant(s) in use, 1 error(s), 2 warning(s)"), std::string::npos)
        << r.out;

    r = run({"check-grants", dir.path() + "/nope"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("not a directory"), std::string::npos) << r.err;
    EXPECT_EQ(run({"check-grants", grants, profiles}).exit_code, 2);
}

// Default layers beside a grant file: one that composes is silent; one that
// does not (for the sample person, or the user given) is an error at its file.
TEST(PolicyToolTest, CheckGrantsComposesTheDefaultLayers) {
    const TempDir dir;
    dir.write("profiles/demo", kBase);
    dir.write("grants/demo.conf", "grant demo {\n  owner @{HOME}/work/** rwkm,\n}\n");
    dir.write("grants/demo.defaults/fine.layer", "owner @{HOME}/work/public/** r,\n");
    const std::string grants = dir.path() + "/grants";
    const std::string profiles = dir.path() + "/profiles";
    auto r = run({"check-grants", grants, "--profiles", profiles});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out, grants + ": 1 grant file(s), 1 grant(s) in use, 0 error(s), 0 warning(s)\n");

    dir.write("grants/demo.defaults/broken.layer", "owner @{HOME}/work/** r\n");
    dir.write("grants/demo.defaults/no good.layer", "owner @{HOME}/work/** r,\n");
    r = run({"check-grants", grants, "--profiles", profiles, "--uid", "1001", "--user", "bob", "--home",
             "/home/bob"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find(grants + "/demo.defaults/no good.layer: error: not a usable default layer name"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find(grants + "/demo.defaults/broken.layer: error: the default layer 'broken' does not "
                                  "compose on 'demo' for bob (uid 1001, home /home/bob)"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("\n  " + grants + "/demo.defaults/broken.layer:2:1: error:"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("2 error(s)"), std::string::npos) << r.out;
}

TEST(PolicyToolTest, JsonReaderAcceptsJsonOnly) {
    EXPECT_TRUE(JsonReader(R"([{"a": "x\"\u0001", "b": [true, false, null, -1.5e3]}, {}])").document());
    EXPECT_FALSE(JsonReader("[1,]").document());
    EXPECT_FALSE(JsonReader(R"({"a" 1})").document());
    EXPECT_FALSE(JsonReader("[1] [2]").document());
    EXPECT_FALSE(JsonReader("\"a\nb\"").document());
}

TEST(PolicyToolTest, ComposePrintsTheChildProfile) {
    const LayerFixture f;
    const auto r = run(f.args("compose"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_TRUE(
        r.out.starts_with("# Generated by aalayer for uid 1000, layer 'work-layer' on base 'demo'.\n"))
        << r.out;
    // The header is comments up to the first statement.
    for (const auto& line : lines_of(r.out)) {
        if (line.starts_with("abi ") || line.starts_with("profile ")) break;
        EXPECT_TRUE(line.starts_with("#")) << line;
    }
    EXPECT_NE(r.out.find("\nprofile demo//aalayer.1000.work-layer {\n"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("flags="), std::string::npos) << r.out;
    // Variables are expanded; the layer's rules are inside, its deny stays.
    EXPECT_NE(r.out.find("  owner /home/alice/work/** rkm,\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  /home/alice/shared/** r,\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  deny /srv/demo/private/** k,\n"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("@{"), std::string::npos) << r.out;
    EXPECT_TRUE(r.out.ends_with("}\n")) << r.out;
}

TEST(PolicyToolTest, ComposeNamesTheLayerAfterTheFileOrTheNameOption) {
    const LayerFixture f;
    const std::string other = f.dir.write("sub/banking.layer", kLayer);
    const auto stem = run(f.args("compose", {other}));
    ASSERT_EQ(stem.exit_code, 0) << stem.err;
    EXPECT_NE(stem.out.find("layer 'banking' on base 'demo'"), std::string::npos) << stem.out;
    EXPECT_NE(stem.out.find("\nprofile demo//aalayer.1000.banking {\n"), std::string::npos) << stem.out;

    const auto named = run(f.args("compose") + std::vector<std::string>{"--name", "night_shift-2"});
    ASSERT_EQ(named.exit_code, 0) << named.err;
    EXPECT_NE(named.out.find("layer 'night_shift-2' on base 'demo'"), std::string::npos) << named.out;
    EXPECT_NE(named.out.find("\nprofile demo//aalayer.1000.night_shift-2 {\n"), std::string::npos)
        << named.out;
    EXPECT_EQ(named.out.find("work-layer"), std::string::npos) << named.out;

    // The uid goes into the name too.
    auto args = f.args("compose");
    *std::find(args.begin(), args.end(), "1000") = "4242";
    const auto uid = run(args);
    ASSERT_EQ(uid.exit_code, 0) << uid.err;
    EXPECT_NE(uid.out.find("\nprofile demo//aalayer.4242.work-layer {\n"), std::string::npos) << uid.out;
}

TEST(PolicyToolTest, ComposeRefusesALayerNameThatCannotBeAProfileName) {
    const LayerFixture f;
    for (const std::string name : {"a b", "x//y", "a,b", "x}", ""}) {
        const auto r = run(f.args("compose") + std::vector<std::string>{"--name", name});
        if (name.empty()) {
            // An empty --name means "use the file's stem".
            EXPECT_EQ(r.exit_code, 0) << r.err;
            continue;
        }
        EXPECT_EQ(r.exit_code, 1) << name;
        EXPECT_EQ(r.out, "") << name;
        EXPECT_NE(r.err.find("error: layer name '" + name + "'"), std::string::npos) << r.err;
    }
}

TEST(PolicyToolTest, ComposeComplainAddsTheFlag) {
    const LayerFixture f;
    const auto r = run(f.args("compose") + std::vector<std::string>{"--complain"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\nprofile demo//aalayer.1000.work-layer flags=(complain) {\n"), std::string::npos)
        << r.out;
}

TEST(PolicyToolTest, ComposedChildCompilesWithApparmorParser) {
    if (!have_apparmor_parser()) GTEST_SKIP() << "apparmor_parser is not installed";
    const LayerFixture f;
    // Besides the plain layer: deny rules and allow-lists of other classes,
    // an abstraction, ix, and a home directory that needs quoting.
    const std::string mixed = f.dir.write("mixed.layer",
                                          "include <abstractions/nameservice>\n"
                                          "owner @{HOME}/work/** rkm,\n"
                                          "owner @{HOME}/work/bin/* ix,\n"
                                          "deny @{HOME}/work/secret/** rwlkm,\n"
                                          "deny network inet6,\n"
                                          "deny capability sys_admin,\n"
                                          "network inet stream,\n"
                                          "signal (send) peer=demo,\n");
    struct Case {
        std::vector<std::string> args;
        std::string name;
    };
    auto spaced = f.args("compose");
    *std::find(spaced.begin(), spaced.end(), "/home/alice") = "/home/alice smith";
    const std::vector<Case> cases{
        {f.args("compose"), "plain"},
        {f.args("compose") + std::vector<std::string>{"--complain"}, "complain"},
        {f.args("compose", {mixed}), "mixed"},
        {spaced, "spaced home"},
    };
    for (const auto& c : cases) {
        const auto r = run(c.args);
        ASSERT_EQ(r.exit_code, 0) << c.name << ": " << r.err;
        const std::string child = f.dir.write("child-" + std::to_string(&c - cases.data()), r.out);
        std::string error;
        EXPECT_TRUE(compile_profile(child, &error)) << c.name << ": " << error << "\n" << r.out;
    }
}

TEST(PolicyToolTest, ComposeWarnsAboutAndClipsRulesOutsideTheGrant) {
    const LayerFixture f;
    const std::string escape = f.dir.write("escape.layer", kEscape);
    const auto r = run(f.args("compose", {escape}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // The clipped rule, and a note: the layer allows nothing in the shared folder the base allows.
    EXPECT_EQ(r.err, escape + ":3:3: warning: allows /etc/demo.conf, outside the grant for demo; clipped\n" +
                         removal_note(escape, "/home/alice/shared/a", "rwal", "@{HOME}/shared/** rw,",
                                      f.grant + ":4:3") +
                         "\n");
    EXPECT_NE(r.out.find("\nprofile demo//aalayer.1000.escape {\n"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("/etc/demo.conf"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  owner /home/alice/work/** rkm,\n"), std::string::npos) << r.out;
}

TEST(PolicyToolTest, ComposeWarnsAboutPermissionsBeyondTheGrant) {
    const LayerFixture f;
    // The grant gives the owner rwkm under work/, not l nor x.
    const std::string beyond = f.dir.write("beyond.layer", "owner @{HOME}/work/** rwlk,\n");
    const auto r = run(f.args("compose", {beyond}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.err.starts_with(beyond + ":1:1: warning: allows 'rwlk' on /home/alice/work/")) << r.err;
    EXPECT_NE(r.err.find("beyond the grant for demo"), std::string::npos) << r.err;
    const auto lines = lines_of(r.err);
    ASSERT_EQ(lines.size(), 2U) << r.err;
    EXPECT_EQ(lines[1], removal_note(beyond, "/home/alice/shared/a", "rwal", "@{HOME}/shared/** rw,",
                                     f.grant + ":4:3"));
    EXPECT_NE(r.out.find("  owner /home/alice/work/** rwk,\n"), std::string::npos) << r.out;
}

TEST(PolicyToolTest, StrictMakesClippingAnError) {
    const LayerFixture f;
    const std::string escape = f.dir.write("escape.layer", kEscape);
    const auto r = run(f.args("compose", {escape}) + std::vector<std::string>{"--strict"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(r.err.starts_with(escape + ":3:3: error: allows /etc/demo.conf, outside the grant for demo"))
        << r.err;
    EXPECT_EQ(r.err.find("warning:"), std::string::npos) << r.err;
    // A layer within the grant is fine under --strict too.
    const auto fine = run(f.args("compose") + std::vector<std::string>{"--strict"});
    EXPECT_EQ(fine.exit_code, 0) << fine.err;
    EXPECT_EQ(fine.err, "");
    // explain and diff refuse the layer in the same way.
    const auto explain =
        run(f.args("explain", {escape}) + std::vector<std::string>{"--strict", "/etc/demo.conf"});
    EXPECT_EQ(explain.exit_code, 1);
    EXPECT_EQ(explain.out, "");
}

TEST(PolicyToolTest, RefusedConstructsAreLocatedErrors) {
    const LayerFixture f;
    struct Case {
        std::string text;  // the second line of the layer
        int column;
        std::string says;
    };
    const std::vector<Case> cases{
        {"/x px,", 1, "'px'"},
        {"  /usr/bin/tool Px,", 3, "'px'"},
        {"/x ux,", 1, "'ux'"},
        {"include \"/etc/passwd\"", 1, "abstractions"},
        {"include <tunables/global>", 1, "abstractions"},
        {"profile x { }", 1, "profile"},
        {"change_profile -> foo,", 1, "change_profile"},
        {"@{FOO}=/x", 1, "variables"},
    };
    for (const auto& c : cases) {
        const std::string layer = f.dir.write("refused.layer", "owner @{HOME}/work/** r,\n" + c.text + "\n");
        const auto r = run(f.args("compose", {layer}));
        EXPECT_EQ(r.exit_code, 1) << c.text;
        EXPECT_EQ(r.out, "") << c.text;
        const std::string prefix = layer + ":2:" + std::to_string(c.column) + ": error: ";
        EXPECT_TRUE(r.err.starts_with(prefix)) << c.text << "\n" << r.err;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << c.text << "\n" << r.err;
    }
}

TEST(PolicyToolTest, ExplainJsonIsAnArrayOfDecisions) {
    const LayerFixture f;
    const std::vector<std::string> paths{"/home/alice/work/x", "/srv/demo/private/x", "/etc/demo.conf",
                                         "/home/alice/a \"quoted\" name"};
    const auto r = run(f.args("explain") + std::vector<std::string>{"--json"} + paths);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const auto doc = JsonReader(r.out).document();
    ASSERT_TRUE(doc) << r.out;
    ASSERT_EQ(doc->kind, Json::Kind::Array) << r.out;
    ASSERT_EQ(doc->items.size(), paths.size()) << r.out;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const Json& e = doc->items[i];
        ASSERT_EQ(e.kind, Json::Kind::Object) << r.out;
        EXPECT_EQ(string_at(e, "path"), paths[i]);
        for (const char* key : {"owner", "other"}) {
            const Json* p = e.get(key);
            ASSERT_TRUE(p != nullptr && p->kind == Json::Kind::String) << key << "\n" << r.out;
            EXPECT_TRUE(canonical_letters(p->text)) << key << ": " << p->text;
        }
        const Json* in_grant = e.get("in_grant");
        ASSERT_TRUE(in_grant != nullptr && in_grant->kind == Json::Kind::Bool) << r.out;
        const Json* by = e.get("decided_by");
        ASSERT_TRUE(by != nullptr && by->kind == Json::Kind::Array) << r.out;
        for (const Json& reason : by->items) {
            ASSERT_EQ(reason.kind, Json::Kind::Object) << r.out;
            const std::string source = string_at(reason, "source");
            EXPECT_TRUE(source == "base" || source == "grant" || source == "layer") << source;
            EXPECT_NE(reason.get("at"), nullptr) << r.out;
            EXPECT_NE(reason.get("rule"), nullptr) << r.out;
        }
    }
    EXPECT_TRUE(doc->items[0].get("in_grant")->boolean);
    EXPECT_FALSE(doc->items[1].get("in_grant")->boolean);
}

TEST(PolicyToolTest, ExplainOutsideTheGrantIsTheBaseMinusLayerDenies) {
    const LayerFixture f;
    const auto r = run(f.args("explain") + std::vector<std::string>{"--json", "/srv/demo/private/x",
                                                                    "/srv/demo/public/x", "/etc/demo.conf",
                                                                    "/home/alice/.demo/db", "/etc/nothing"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = JsonReader(r.out).document();
    ASSERT_TRUE(doc && doc->items.size() == 5) << r.out;
    const auto& items = doc->items;
    for (const auto& e : items)
        EXPECT_FALSE(e.get("in_grant")->boolean) << string_at(e, "path");
    // Base ralkmix minus the layer's deny k, letters in r w a l k m x order.
    EXPECT_EQ(string_at(items[0], "owner"), "ralmx");
    EXPECT_EQ(string_at(items[0], "other"), "ralmx");
    EXPECT_EQ(sources(items[0]), "base grant layer");
    const Json& deny = items[0].get("decided_by")->items.back();
    EXPECT_EQ(string_at(deny, "at"), f.layer + ":4:1");
    EXPECT_EQ(string_at(deny, "rule"), "deny /srv/demo/private/** k,");
    EXPECT_EQ(string_at(items[0].get("decided_by")->items.front(), "at"), f.base + ":9:3");
    // The layer has no say outside the grant but its denies.
    EXPECT_EQ(string_at(items[1], "owner"), "ralkmx");
    EXPECT_EQ(string_at(items[1], "other"), "ralkmx");
    EXPECT_EQ(string_at(items[2], "owner"), "r");
    EXPECT_EQ(string_at(items[2], "other"), "r");
    EXPECT_EQ(string_at(items[3], "owner"), "rwak");
    EXPECT_EQ(string_at(items[3], "other"), "");
    EXPECT_EQ(string_at(items[4], "owner"), "");
    EXPECT_EQ(string_at(items[4], "other"), "");
}

TEST(PolicyToolTest, ExplainInsideTheGrantIsBaseAndGrantAndLayer) {
    const LayerFixture f;
    const auto r =
        run(f.args("explain") + std::vector<std::string>{"--json", "/home/alice/work/x",
                                                         "/home/alice/shared/deep/y", "/home/alice/work/"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = JsonReader(r.out).document();
    ASSERT_TRUE(doc && doc->items.size() == 3) << r.out;
    const Json& work = doc->items[0];
    EXPECT_TRUE(work.get("in_grant")->boolean);
    // owner: base rwlm ∩ grant rwkm ∩ layer rkm; owner rules give nothing to others.
    EXPECT_EQ(string_at(work, "owner"), "rm");
    EXPECT_EQ(string_at(work, "other"), "");
    EXPECT_EQ(sources(work), "base grant layer");
    const auto& by = work.get("decided_by")->items;
    EXPECT_EQ(string_at(by[0], "at"), f.base + ":6:3");
    EXPECT_EQ(string_at(by[1], "at"), f.grant + ":3:3");
    EXPECT_EQ(string_at(by[2], "at"), f.layer + ":2:1");
    EXPECT_EQ(string_at(by[2], "rule"), "owner @{HOME}/work/** rkm,");
    // base rwl ∩ grant rw ∩ layer r, for owner and others alike.
    const Json& shared = doc->items[1];
    EXPECT_TRUE(shared.get("in_grant")->boolean);
    EXPECT_EQ(string_at(shared, "owner"), "r");
    EXPECT_EQ(string_at(shared, "other"), "r");
    // work/** does not match work/ itself: outside the grant, and the base has nothing there.
    const Json& dir = doc->items[2];
    EXPECT_FALSE(dir.get("in_grant")->boolean);
    EXPECT_EQ(string_at(dir, "owner"), "");
}

TEST(PolicyToolTest, ExplainInsideTheGrantAllowsOnlyWhatTheLayerAllows) {
    const LayerFixture f;
    const std::string empty = f.dir.write("empty.layer", "# nothing\n");
    const auto r = run(f.args("explain", {empty}) +
                       std::vector<std::string>{"--json", "/home/alice/work/x", "/etc/demo.conf"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = JsonReader(r.out).document();
    ASSERT_TRUE(doc && doc->items.size() == 2) << r.out;
    EXPECT_EQ(string_at(doc->items[0], "owner"), "");
    EXPECT_EQ(string_at(doc->items[0], "other"), "");
    EXPECT_EQ(sources(doc->items[0]), "base grant");
    EXPECT_EQ(string_at(doc->items[1], "owner"), "r");
}

TEST(PolicyToolTest, ExplainPrintsALinePerPathAndItsReasons) {
    const LayerFixture f;
    const auto r = run(f.args("explain") + std::vector<std::string>{"/home/alice/work/x", "/etc/demo.conf"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const auto lines = lines_of(r.out);
    std::vector<std::string> heads;
    for (const auto& l : lines)
        if (!l.starts_with("  ")) heads.push_back(l);
    ASSERT_EQ(heads.size(), 2U) << r.out;
    EXPECT_EQ(heads[0], "/home/alice/work/x: owner=rm other=");
    EXPECT_EQ(heads[1], "/etc/demo.conf: owner=r other=r (outside the grant)");
    ASSERT_GE(lines.size(), 4U) << r.out;
    EXPECT_EQ(lines[0], heads[0]);
    EXPECT_EQ(lines[1], "  base " + f.base + ":6:3: owner @{HOME}/work/** rwlm,");
    EXPECT_EQ(lines[2], "  grant " + f.grant + ":3:3: owner @{HOME}/work/** rwkm,");
    EXPECT_EQ(lines[3], "  layer " + f.layer + ":2:1: owner @{HOME}/work/** rkm,");
    const auto second = std::find(lines.begin(), lines.end(), heads[1]);
    ASSERT_NE(second, lines.end());
    ASSERT_NE(second + 1, lines.end());
    EXPECT_EQ(*(second + 1), "  base " + f.base + ":8:3: /etc/demo.conf r,");
    for (auto it = second + 1; it != lines.end(); ++it) {
        EXPECT_TRUE(it->starts_with("  base ") || it->starts_with("  grant ") || it->starts_with("  layer "))
            << *it;
    }
}

TEST(PolicyToolTest, DiffPrintsWhereTwoLayersDiffer) {
    const LayerFixture f;
    const std::string read_only = f.dir.write("read-only.layer", "owner @{HOME}/work/** r,\n");
    const auto r = run(f.args("diff", {f.layer, read_only}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, removal_note(read_only, "/home/alice/shared/a", "rwal", "@{HOME}/shared/** rw,",
                                  f.grant + ":4:3") +
                         "\n");
    const auto lines = lines_of(r.out);
    ASSERT_FALSE(lines.empty());
    // Each line: PATH: owner=P other=P | owner=P other=P (std::regex trips a GCC 12 warning under ASAN).
    auto perms_ok = [](const std::string& p) { return p.find_first_not_of("rwalkmx") == std::string::npos; };
    auto shape = [&](const std::string& l, std::string* path, std::string* sides) {
        const auto colon = l.find(": owner=");
        const auto bar = l.find(" | owner=");
        if (colon == std::string::npos || bar == std::string::npos || !l.starts_with("/")) return false;
        *path = l.substr(0, colon);
        *sides = l.substr(colon + 2);
        for (const std::string& half : {l.substr(colon + 2, bar - colon - 2), l.substr(bar + 3)}) {
            const auto other = half.find(" other=");
            if (!half.starts_with("owner=") || other == std::string::npos) return false;
            if (!perms_ok(half.substr(6, other - 6)) || !perms_ok(half.substr(other + 7))) return false;
        }
        return true;
    };
    for (const auto& l : lines) {
        std::string path;
        std::string sides;
        EXPECT_TRUE(shape(l, &path, &sides)) << l;
    }
    auto has = [&](const std::string& prefix, const std::string& want) {
        return std::any_of(lines.begin(), lines.end(), [&](const auto& l) {
            std::string path;
            std::string sides;
            return shape(l, &path, &sides) && path.starts_with(prefix) && path.size() > prefix.size() &&
                   path.find(':') == std::string::npos && sides == want;
        });
    };
    EXPECT_TRUE(has("/home/alice/work/", "owner=rm other= | owner=r other=")) << r.out;
    EXPECT_TRUE(has("/home/alice/shared/", "owner=r other=r | owner= other=")) << r.out;
    EXPECT_TRUE(has("/srv/demo/private/", "owner=ralmx other=ralmx | owner=ralkmx other=ralkmx")) << r.out;

    // The other way round, the sides swap.
    const auto swapped = run(f.args("diff", {read_only, f.layer}));
    ASSERT_EQ(swapped.exit_code, 0) << swapped.err;
    EXPECT_EQ(lines_of(swapped.out).size(), lines.size()) << swapped.out;
    EXPECT_NE(swapped.out.find(": owner=r other= | owner=rm other=\n"), std::string::npos) << swapped.out;
}

TEST(PolicyToolTest, DiffOfALayerWithItselfIsEmpty) {
    const LayerFixture f;
    const auto same = run(f.args("diff", {f.layer, f.layer}));
    EXPECT_EQ(same.exit_code, 0) << same.err;
    EXPECT_EQ(same.out, "");
    EXPECT_EQ(same.err, "");
    // Two files with the same rules written differently do not differ either.
    const std::string reordered = f.dir.write("reordered.layer",
                                              "deny /srv/demo/private/** k,\n"
                                              "@{HOME}/shared/** r,\n"
                                              "owner /home/alice/work/** mkr,\n");
    const auto equal = run(f.args("diff", {f.layer, reordered}));
    EXPECT_EQ(equal.exit_code, 0) << equal.err;
    EXPECT_EQ(equal.out, "");
}

TEST(PolicyToolTest, LayerCommandUsageErrorsExitTwo) {
    const LayerFixture f;
    auto without = [&](std::vector<std::string> args, const std::string& option) {
        const auto it = std::find(args.begin(), args.end(), option);
        args.erase(it, it + 2);
        return args;
    };
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<Case> cases{
        {without(f.args("compose"), "--uid"), "needs --uid"},
        {without(f.args("compose"), "--user"), "needs --uid"},
        {without(f.args("compose"), "--home"), "needs --uid"},
        {without(f.args("compose"), "--base"), "needs --base"},
        {without(f.args("compose"), "--grant"), "needs --base"},
        {without(f.args("compose"), "--layer"), "needs --base"},
        {without(f.args("explain"), "--uid") + std::vector<std::string>{"/x"}, "needs --uid"},
        {f.args("explain") + std::vector<std::string>{"relative/path"}, "'relative/path' is not absolute"},
        {f.args("explain") + std::vector<std::string>{"/ok", "~/x"}, "'~/x' is not absolute"},
        {f.args("explain"), "explain needs a PATH"},
        {f.args("diff"), "diff needs --layer twice"},
        {f.args("diff", {f.layer, f.layer, f.layer}), "diff needs --layer twice"},
        {f.args("compose", {f.layer, f.layer}), "compose takes one --layer"},
        {f.args("compose") + std::vector<std::string>{"/extra"}, "compose takes no arguments"},
        {f.args("compose") + std::vector<std::string>{"--frobnicate"}, "unknown option --frobnicate"},
        {f.args("explain") + std::vector<std::string>{"--jsn", "/x"}, "unknown option --jsn"},
        {f.args("compose") + std::vector<std::string>{"--name"}, "--name needs a value"},
    };
    for (const auto& c : cases) {
        const auto r = run(c.args);
        EXPECT_EQ(r.exit_code, 2) << c.says << "\n" << r.err;
        EXPECT_EQ(r.out, "") << c.says;
        EXPECT_TRUE(r.err.starts_with("aalayer-policy: ")) << r.err;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << c.says << "\n" << r.err;
    }
    for (const std::string uid : {"abc", "-1", "12x", "", " 7"}) {
        auto args = f.args("compose");
        *std::find(args.begin(), args.end(), "1000") = uid;
        const auto r = run(args);
        EXPECT_EQ(r.exit_code, 2) << "uid '" << uid << "'\n" << r.err;
        EXPECT_NE(r.err.find("--uid needs a number"), std::string::npos) << r.err;
    }
}

// DISABLED: the tool's bug. parse_args checks only from_chars' ptr, not its
// ec, so a uid too large for uid_t passes as a number and the uid stays 0:
// `--uid 99999999999` composes `demo//aalayer.0.work-layer`, root's layer.
TEST(PolicyToolTest, UidOutOfRangeIsAUsageError) {
    const LayerFixture f;
    auto args = f.args("compose");
    *std::find(args.begin(), args.end(), "1000") = "99999999999";
    const auto r = run(args);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.err.find("--uid needs a number"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("aalayer.0."), std::string::npos) << r.out;
}

TEST(PolicyToolTest, BaseWithoutAGrantCannotBeLayered) {
    const LayerFixture f;
    // Two grants, neither for demo.
    const std::string others = f.dir.write("others.conf",
                                           "grant other {\n}\n"
                                           "grant /usr/bin/third {\n  /x r,\n}\n");
    auto args = f.args("compose");
    *std::find(args.begin(), args.end(), f.grant) = others;
    const auto r = run(args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, others + ": error: no grant for base 'demo' in this file: users cannot layer on it\n");

    // Naming the base with --profile when the one grant is for another.
    const std::string other = f.dir.write("other.conf", "grant other {\n}\n");
    args = f.args("explain") + std::vector<std::string>{"--profile", "demo", "/x"};
    *std::find(args.begin(), args.end(), f.grant) = other;
    const auto named = run(args);
    EXPECT_EQ(named.exit_code, 1);
    EXPECT_EQ(named.out, "");
    EXPECT_NE(named.err.find("users cannot layer on it"), std::string::npos) << named.err;
}

TEST(PolicyToolTest, MissingLayerInputsAreErrorsNotCrashes) {
    const LayerFixture f;
    for (const std::string option : {"--base", "--grant", "--layer"}) {
        auto args = f.args("compose");
        *(std::find(args.begin(), args.end(), option) + 1) = f.dir.path() + "/nonexistent";
        const auto r = run(args);
        EXPECT_EQ(r.exit_code, 1) << option;
        EXPECT_EQ(r.out, "") << option;
        EXPECT_NE(r.err.find(f.dir.path() + "/nonexistent: error: cannot open"), std::string::npos) << r.err;
    }
}

TEST(PolicyToolTest, AnEmptyGrantAllowsDenyOnlyLayers) {
    const LayerFixture f;
    const std::string examples = env_or("AALAYER_EXAMPLES", "docs/examples");
    const std::string deny_only = examples + "/layers/deny-only.layer";
    if (!std::filesystem::exists(deny_only)) GTEST_SKIP() << deny_only << " not found";
    const std::string empty = f.dir.write("empty.conf", "grant demo {\n}\n");
    auto args = f.args("explain", {deny_only}) +
                std::vector<std::string>{"--json", "/home/alice/.ssh/id_rsa", "/home/alice/.demo/db"};
    *std::find(args.begin(), args.end(), f.grant) = empty;
    const auto r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const auto doc = JsonReader(r.out).document();
    ASSERT_TRUE(doc && doc->items.size() == 2) << r.out;
    EXPECT_EQ(string_at(doc->items[0], "owner"),
              "");  // the base's owner @{HOME}/.demo/** does not reach .ssh
    EXPECT_EQ(string_at(doc->items[1], "owner"), "rwak");
    // An allow rule has nothing to be allowed within.
    const std::string allow = f.dir.write("allow.layer", "owner @{HOME}/.demo/** r,\n");
    *std::find(args.begin(), args.end(), deny_only) = allow;
    const auto clipped = run(args);
    EXPECT_EQ(clipped.exit_code, 0) << clipped.err;
    EXPECT_NE(clipped.err.find(allow + ":1:1: warning: allows /home/alice/.demo/"), std::string::npos)
        << clipped.err;
}

// The shipped examples on Debian's Firefox profile, when it is installed.
class ShippedExamplesTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(firefox) << "Debian's Firefox profile is not installed (apparmor-profiles-extra)";
        if (!std::filesystem::exists(grant)) GTEST_SKIP() << grant << " not found (AALAYER_EXAMPLES)";
    }
    [[nodiscard]] std::vector<std::string> args(const std::string& command,
                                                const std::vector<std::string>& layers) const {
        std::vector<std::string> a{command, "--base", kFirefox, "--grant", grant,        "--uid",
                                   "1000",  "--user", "alice",  "--home",  "/home/alice"};
        for (const auto& l : layers) {
            a.emplace_back("--layer");
            a.push_back(examples + "/layers/" + l + ".layer");
        }
        return a;
    }

    const std::optional<FirefoxProfile> firefox = debian_firefox_profile();
    const std::string kFirefox = firefox ? firefox->path : "";
    const std::string kBaseName = firefox ? firefox->name : "";
    std::string examples = env_or("AALAYER_EXAMPLES", "docs/examples");
    std::string grant = examples + "/grants/firefox.conf";
};

TEST_F(ShippedExamplesTest, BankingComposesCleanlyAndCompiles) {
    const auto r = run(args("compose", {"banking"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find("warning:"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("error:"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("\nprofile " + kBaseName + "//aalayer.1000.banking {\n"), std::string::npos)
        << r.out;
    if (!have_apparmor_parser()) return;
    const TempDir dir;
    std::string error;
    EXPECT_TRUE(compile_profile(dir.write("child", r.out), &error)) << error;
}

TEST_F(ShippedExamplesTest, EscapeIsClippedWithAWarningPerRule) {
    const std::string layer = examples + "/layers/escape.layer";
    const auto r = run(args("compose", {"escape"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> lines;  // the warnings; the notes are EachExampleGivesTheExpectedFindings'
    for (const auto& l : lines_of(r.err))
        if (l.find(": warning: ") != std::string::npos) lines.push_back(l);
    ASSERT_EQ(lines.size(), 3U) << r.err;
    EXPECT_EQ(lines[0], layer + ":2:1: warning: allows /home/alice/.ssh/a, outside the grant for " +
                            kBaseName + "; clipped");
    EXPECT_TRUE(lines[1].starts_with(layer + ":3:1: warning: allows 'rw' on /home/alice/Documents/"))
        << lines[1];
    EXPECT_EQ(lines[2],
              layer + ":4:1: warning: allows /etc/shadow, outside the grant for " + kBaseName + "; clipped");
    const auto strict = run(args("compose", {"escape"}) + std::vector<std::string>{"--strict"});
    EXPECT_EQ(strict.exit_code, 1);
    EXPECT_EQ(strict.out, "");
}

// The line of the grant block for the installed profile, in the example grant.
std::uint32_t block_line(const std::string& grant_file, const std::string& base) {
    const std::string head = "grant " + (base == "firefox" ? base : "\"" + base + "\"") + " {";
    std::ifstream in(grant_file);
    std::uint32_t n = 0;
    for (std::string line; std::getline(in, line);) {
        ++n;
        if (line == head) return n;
    }
    return 0;
}

// What a note says about the base's permissions at its example path
// depends on the release's profile; on any profile but Debian 12's, whose
// rules these expectations were read from, that part is compared as "…".
std::string without_base_perms(std::string line) {
    for (const std::string open : {" allows nothing on ", "(e.g. "}) {
        const auto from = line.find(open);
        if (from == std::string::npos) continue;
        const auto to = line.find(open[0] == '(' ? ")" : " there)", from);
        if (to != std::string::npos) line.replace(from + open.size(), to - from - open.size(), "…");
    }
    return line;
}

// Every example layer on Debian's Firefox profile and the example grant:
// exactly the warnings and notes listed here, none other. Notes say what a
// layer takes away inside the grant; the Firefox layers allow what Firefox
// needs to start (profiles.ini, installs.ini, the profile directory and its
// lock files).
TEST_F(ShippedExamplesTest, EachExampleGivesTheExpectedFindings) {
    const std::uint32_t block = block_line(grant, kBaseName);
    ASSERT_NE(block, 0U) << "no block for " << kBaseName << " in " << grant;
    const auto at = [&](std::uint32_t offset) { return grant + ":" + std::to_string(block + offset) + ":3"; };
    const std::string moz_rule = "owner @{HOME}/.mozilla/firefox/** rwk,";
    const std::string dl_rule = "owner @{HOME}/Downloads/** rw,";
    const std::string doc_rule = "@{HOME}/Documents/** r,";
    // Whether the base allows files in Documents at all (Debian 12's does not: directories only).
    const auto probe =
        run(args("explain", {"deny-only"}) + std::vector<std::string>{"--json", "/home/alice/Documents/x"});
    ASSERT_EQ(probe.exit_code, 0) << probe.err;
    const auto probed = JsonReader(probe.out).document();
    ASSERT_TRUE(probed && probed->items.size() == 1) << probe.out;
    const bool documents_have_files = sources(probed->items[0]).starts_with("base");

    const auto layer_file = [&](const std::string& name) { return examples + "/layers/" + name + ".layer"; };
    const auto removal = [&](const std::string& name, const std::string& path, const std::string& perms,
                             const std::string& rule, std::uint32_t offset) {
        return removal_note(layer_file(name), path, perms, rule, at(offset));
    };
    const auto no_file = [&](const std::string& name) {
        return layer_file(name) + ": note: the base " + kBaseName +
               " allows no file (directories at most) anywhere in the grant's '" + doc_rule + "' (" + at(3) +
               "), so this layer's allow rules give no file there (e.g. /home/alice/Documents/a); a home "
               "directory outside the homes the base covers (its @{HOMEDIRS}) looks like this";
    };
    const auto taken = [&](const std::string& name) {
        return std::vector<std::string>{
            removal(name, "/home/alice/.mozilla/firefox/a", "owner=rwa other=-", moz_rule, 1),
            removal(name, "/home/alice/Downloads/a", "owner=rwa other=-", dl_rule, 2)};
    };
    const auto documents = [&](const std::string& name, bool allows_documents) {
        if (allows_documents)
            return documents_have_files ? std::vector<std::string>{} : std::vector{no_file(name)};
        return std::vector{removal(name, "/home/alice/Documents/a/", "r", doc_rule, 3)};
    };
    std::map<std::string, std::vector<std::string>> expected;
    expected["banking"] = taken("banking") + documents("banking", false);
    expected["deny-only"] = taken("deny-only") + documents("deny-only", false);
    expected["everyday"] = std::vector{taken("everyday")[0]} + documents("everyday", true);
    expected["escape"] =
        taken("escape") + documents("escape", true) +
        std::vector<std::string>{
            layer_file("escape") + ":2:1: warning: allows /home/alice/.ssh/a, outside the grant for " +
                kBaseName + "; clipped",
            layer_file("escape") +
                ":3:1: warning: allows 'rw' on /home/alice/Documents/a, beyond the grant for " + kBaseName +
                " there (owner=r other=r); clipped to owner=r other=r",
            layer_file("escape") + ":4:1: warning: allows /etc/shadow, outside the grant for " + kBaseName +
                "; clipped"};
    expected["viewer-no-ssh"] =
        documents("viewer-no-ssh", true) +
        std::vector<std::string>{layer_file("viewer-no-ssh") +
                                 ":2:1: warning: allows /home/alice/a, outside the grant for " + kBaseName +
                                 "; clipped"};

    const bool exact = kBaseName != "firefox";  // Debian 12's profile
    std::size_t checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(examples + "/layers")) {
        const std::string name = entry.path().stem().string();
        ASSERT_TRUE(expected.contains(name)) << name << ": an example with no expected findings here";
        const auto r = run(args("compose", {name}));
        ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
        std::vector<std::string> got = lines_of(r.err);
        std::vector<std::string> want = expected[name];
        for (auto* lines : {&got, &want}) {
            if (!exact)
                for (auto& l : *lines)
                    l = without_base_perms(l);
            std::sort(lines->begin(), lines->end());
        }
        EXPECT_EQ(got, want) << name;
        ++checked;
    }
    EXPECT_EQ(checked, expected.size());
}

// What Debian's Firefox needs to start, in the profile each Firefox layer is for.
TEST_F(ShippedExamplesTest, FirefoxLayersLetFirefoxStart) {
    for (const std::string profile : {"banking", "everyday"}) {
        const std::string dir = "/home/alice/.mozilla/firefox/" + profile + "/";
        const std::vector<std::pair<std::string, std::string>> needs{
            {"/home/alice/.mozilla/firefox/profiles.ini", "rw"},
            {"/home/alice/.mozilla/firefox/installs.ini", "rw"},
            {dir, "rw"},
            {dir + ".parentlock", "rwk"},
            {dir + "lock", "rw"},
            {dir + "prefs.js", "rw"}};
        std::vector<std::string> paths{"--json"};
        for (const auto& [path, perms] : needs)
            paths.push_back(path);
        const auto r = run(args("explain", {profile}) + paths);
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto doc = JsonReader(r.out).document();
        ASSERT_TRUE(doc && doc->items.size() == needs.size()) << r.out;
        for (std::size_t i = 0; i < needs.size(); ++i) {
            const std::string owner = string_at(doc->items[i], "owner");
            for (const char c : needs[i].second)
                EXPECT_NE(owner.find(c), std::string::npos)
                    << profile << ": " << needs[i].first << " " << owner;
        }
    }
}

TEST_F(ShippedExamplesTest, ExplainAndDiffBankingAndEveryday) {
    const auto r = run(args("explain", {"banking"}) +
                       std::vector<std::string>{"--json", "/home/alice/.mozilla/firefox/banking/x",
                                                "/etc/passwd", "/home/alice/.mozilla/firefox/everyday/x"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = JsonReader(r.out).document();
    ASSERT_TRUE(doc && doc->items.size() == 3) << r.out;
    EXPECT_EQ(string_at(doc->items[0], "owner"), "rwa");  // the base has owner rw there, not k
    EXPECT_EQ(string_at(doc->items[0], "other"), "");
    EXPECT_EQ(string_at(doc->items[1], "owner"), "r");
    EXPECT_EQ(string_at(doc->items[1], "other"), "r");
    EXPECT_FALSE(doc->items[1].get("in_grant")->boolean);
    EXPECT_EQ(string_at(doc->items[2], "owner"), "");
    EXPECT_EQ(sources(doc->items[2]), "base grant layer");

    const auto d = run(args("diff", {"banking", "everyday"}));
    ASSERT_EQ(d.exit_code, 0) << d.err;
    EXPECT_NE(d.out.find("/home/alice/Downloads/banking/"), std::string::npos) << d.out;
    EXPECT_NE(d.out.find("/home/alice/.mozilla/firefox/everyday/"), std::string::npos) << d.out;
    const auto same = run(args("diff", {"everyday", "everyday"}));
    EXPECT_EQ(same.exit_code, 0) << same.err;
    EXPECT_EQ(same.out, "");
}

}  // namespace
}  // namespace aalayer::test
