// The aalayer CLI against aalayerd on a private bus (real polkitd and
// apparmor_parser, compile-only): every command, --json parsed, exit codes,
// located findings, edit with a scripted $EDITOR, shell completion in bash
// and zsh.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "client/cli/arguments.h"
#include "tests/support/json_reader.h"
#include "tests/support/service_fixture.h"

namespace aalayer::test {
namespace {

std::string aalayer() {
    return env_or("AALAYER_CLI", "aalayer");
}

ProcessResult cli(const Service& s, uid_t uid, std::vector<std::string> args,
                  const std::vector<std::string>& env = {}) {
    args.insert(args.begin(), aalayer());
    return s.run_client(uid, args, env);
}

Json parse(const std::string& text) {
    auto j = JsonReader(text).document();
    EXPECT_TRUE(j.has_value()) << "not JSON: " << text;
    return j.value_or(Json{});
}

TEST(Cli, GrantsListsWhatTheUserMayDecideAbout) {
    Service s;
    const auto r = cli(s, kNobody, {"grants"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "app\n  owner /nonexistent/** rw,\n");
    const Json j = parse(cli(s, kNobody, {"grants", "--json"}).out);
    ASSERT_EQ(j.kind, Json::Kind::Array);
    ASSERT_EQ(j.items.size(), 1U);
    EXPECT_EQ(j.items[0].get("base")->text, "app");
    EXPECT_EQ(j.items[0].get("rules")->text, "owner /nonexistent/** rw,\n");
}

TEST(Cli, CheckPrintsLocatedFindingsAndExitsOneOnErrors) {
    Service s;
    const std::string good = s.text_file("owner @{HOME}/work/** rw,\n/etc/shadow r,\n");
    const auto ok = cli(s, kNobody, {"check", good, "--base", "app"});
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    // A note is no error: the layer allows nothing of the rest of the home the base allows.
    EXPECT_EQ(ok.out,
              good + ":2:1: warning: allows /etc/shadow, outside the grant for app; clipped\n" + good +
                  ": note: inside the grant this layer allows nothing on /nonexistent/a (the base allows "
                  "owner=rwak other=r there), nor on any other path of the grant's 'owner @{HOME}/** rw,' (" +
                  (s.dir() + "/grants/app.conf") +
                  ":2:3) it neither allows nor denies: inside the grant a layer is an allow-list\n");
    const Json notes = parse(cli(s, kNobody, {"check", good, "--base", "app", "--json"}).out);
    EXPECT_TRUE(notes.get("valid")->boolean);
    ASSERT_EQ(notes.get("findings")->items.size(), 2U);
    EXPECT_EQ(notes.get("findings")->items[1].get("severity")->text, "note");
    const std::string bad = s.text_file("owner @{HOME}/** r,\n/usr/bin/x px,\n");
    const auto r = cli(s, kNobody, {"check", bad, "--base", "app"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(r.out.starts_with(bad + ":2:1: error: exec transition 'px' is not allowed in a layer"))
        << r.out;
    const Json j = parse(cli(s, kNobody, {"check", bad, "--base", "app", "--json"}).out);
    EXPECT_EQ(j.get("valid")->kind, Json::Kind::Bool);
    EXPECT_FALSE(j.get("valid")->boolean);
    ASSERT_EQ(j.get("findings")->items.size(), 1U);
    EXPECT_EQ(j.get("findings")->items[0].get("file")->text, bad);
    EXPECT_EQ(j.get("findings")->items[0].get("line")->text, "2");
    const auto profile = cli(s, kNobody, {"check", good, "--base", "app", "--print-profile"});
    EXPECT_NE(profile.out.find("profile app//aalayer.65534."), std::string::npos) << profile.out;
}

TEST(Cli, ApplyListShowExplainDiffRemove) {
    Service s;
    const std::string banking = s.text_file("owner @{HOME}/bank/** rw,\n");
    const std::string everyday = s.text_file("owner @{HOME}/** r,\ndeny @{HOME}/bank/** rw,\n");
    auto a = cli(s, kNobody, {"apply", "banking", banking, "--base", "app"});
    ASSERT_EQ(a.exit_code, 0) << a.err << s.log();
    EXPECT_EQ(a.out, "applied app/banking\n");
    const Json applied =
        parse(cli(s, kNobody, {"apply", "everyday", everyday, "--base", "app", "--json"}).out);
    EXPECT_EQ(applied.get("layer")->text, "app/everyday");
    EXPECT_EQ(applied.get("object_path")->text, layer_path(kNobody, "everyday"));

    EXPECT_EQ(cli(s, kNobody, {"list"}).out,
              "LAYER         STATE     MODE\n"
              "app/banking   compiled  enforce\n"
              "app/everyday  compiled  enforce\n");
    EXPECT_EQ(cli(s, kDaemon, {"list"}).out, "no layers\n");  // daemon has none
    const Json list = parse(cli(s, kNobody, {"list", "--json"}).out);
    ASSERT_EQ(list.items.size(), 2U);
    EXPECT_EQ(list.items[0].get("kernel_name")->text, "app//aalayer.65534.banking");

    const auto show = cli(s, kNobody, {"show", "app/banking"});
    EXPECT_NE(show.out.find("state: compiled"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("source:\nowner @{HOME}/bank/** rw,\n"), std::string::npos) << show.out;
    EXPECT_EQ(parse(cli(s, kNobody, {"show", "app/banking", "--json"}).out).get("source")->text,
              "owner @{HOME}/bank/** rw,\n");

    const auto e =
        cli(s, kNobody, {"explain", "app/banking", "/nonexistent/bank/statement.pdf", "/etc/passwd"});
    ASSERT_EQ(e.exit_code, 0) << e.err;
    EXPECT_NE(e.out.find("/nonexistent/bank/statement.pdf: owner=rwa other=\n"), std::string::npos) << e.out;
    // The shape aalayer-policy explain --json prints (tests/cli/policy_tool_test.cpp).
    const Json ej = parse(
        cli(s, kNobody, {"explain", "app/banking", "--json", "/nonexistent/bank/x", "/etc/passwd"}).out);
    ASSERT_EQ(ej.items.size(), 2U);
    EXPECT_EQ(ej.items[0].get("path")->text, "/nonexistent/bank/x");
    EXPECT_EQ(ej.items[0].get("owner")->text, "rwa");
    EXPECT_EQ(ej.items[0].get("other")->text, "");
    EXPECT_EQ(ej.items[0].get("in_grant")->kind, Json::Kind::Bool);
    EXPECT_TRUE(ej.items[0].get("in_grant")->boolean);
    ASSERT_FALSE(ej.items[0].get("decided_by")->items.empty());
    const Json& by_layer = ej.items[0].get("decided_by")->items.back();
    EXPECT_EQ(by_layer.get("source")->text, "layer");
    EXPECT_EQ(by_layer.get("at")->text, "banking.layer:1:1");
    EXPECT_EQ(by_layer.get("rule")->text, "owner @{HOME}/bank/** rw,");
    EXPECT_FALSE(ej.items[1].get("in_grant")->boolean);
    const Json& outside = ej.items[1].get("decided_by")->items.back();
    EXPECT_EQ(outside.get("source")->text, "grant");
    EXPECT_EQ(outside.get("rule")->text, "outside the grant for app: the base decides");

    const auto d = cli(s, kNobody, {"diff", "app/banking", "app/everyday"});
    ASSERT_EQ(d.exit_code, 0) << d.err;
    EXPECT_NE(d.out.find("/nonexistent/bank/a: owner=rwa other= | owner= other="), std::string::npos)
        << d.out;
    EXPECT_FALSE(parse(cli(s, kNobody, {"diff", "app/banking", "app/everyday", "--json"}).out).items.empty());
    // Against the base alone: what the layer takes away (DiffWithBase).
    const auto with_base = cli(s, kNobody, {"diff", "app/banking", "--base"});
    ASSERT_EQ(with_base.exit_code, 0) << with_base.err;
    EXPECT_EQ(with_base.out,
              "PATH: the base alone | with the layer\n"
              "/nonexistent/a: owner=rwak other=r | owner= other=\n"
              "/nonexistent/bank/a: owner=rwak other=r | owner=rwa other=\n");
    EXPECT_EQ(cli(s, kNobody, {"diff", "app/banking", "--with-base", "--json"}).out,
              "[{\"example\": \"/nonexistent/a\", \"a\": \"owner=rwak other=r\", \"b\": \"owner= other=\"}, "
              "{\"example\": \"/nonexistent/bank/a\", \"a\": \"owner=rwak other=r\", \"b\": \"owner=rwa "
              "other=\"}]\n");
    EXPECT_EQ(cli(s, kNobody, {"diff", "app/banking"}).exit_code, 2);
    EXPECT_EQ(cli(s, kNobody, {"diff", "app/banking", "app/everyday", "--base"}).exit_code, 2);

    EXPECT_EQ(cli(s, kNobody, {"remove", "app/banking"}).out, "removed app/banking\n");
    EXPECT_EQ(cli(s, kNobody, {"list"}).out,
              "LAYER         STATE     MODE\n"
              "app/everyday  compiled  enforce\n");
    // --json: what the user guide's table says remove prints.
    const auto removed = cli(s, kNobody, {"remove", "app/everyday", "--json"});
    ASSERT_EQ(removed.exit_code, 0) << removed.err;
    const Json r = parse(removed.out);
    EXPECT_EQ(r.get("layer")->text, "app/everyday");
    EXPECT_EQ(r.get("removed")->kind, Json::Kind::Bool);
    EXPECT_TRUE(r.get("removed")->boolean);
    EXPECT_EQ(cli(s, kNobody, {"list"}).out, "no layers\n");
    EXPECT_EQ(cli(s, kNobody, {"list", "--json"}).out, "[]\n");
}

TEST(Cli, ListAllNamesTheOwners) {
    Service s;
    ASSERT_EQ(cli(s, kNobody, {"apply", "app/banking", s.text_file("")}).exit_code, 0);
    ASSERT_EQ(cli(s, kDaemon, {"apply", "app/w", s.text_file("")}).exit_code, 0);
    // The names are the passwd entries of uids 65534 and 1 (service_fixture.h); a uid without
    // one is shown as the uid (tests/cli/args_test.cpp: the service has no layer of such a user).
    const auto all = cli(s, kDaemon, {"list", "--all"});
    ASSERT_EQ(all.exit_code, 0) << all.err;
    EXPECT_EQ(all.out,
              "LAYER        STATE     MODE     OWNER\n"
              "app/w        compiled  enforce  daemon\n"
              "app/banking  compiled  enforce  nobody\n");
    EXPECT_EQ(cli(s, kDaemon, {"list"}).out,
              "LAYER  STATE     MODE\n"
              "app/w  compiled  enforce\n");
}

TEST(Cli, ApplyTakesBaseSlashNameAndStillTheOldForm) {
    Service s;
    const std::string text = s.text_file("owner @{HOME}/a/** r,\n");
    const auto a = cli(s, kNobody, {"apply", "app/new", text});
    ASSERT_EQ(a.exit_code, 0) << a.err;
    EXPECT_EQ(a.out, "applied app/new\n");
    const auto old = cli(s, kNobody, {"apply", "old", text, "--base", "app"});
    ASSERT_EQ(old.exit_code, 0) << old.err;
    EXPECT_EQ(old.out, "applied app/old\n");
    EXPECT_EQ(parse(cli(s, kNobody, {"apply", "app/new", text, "--json"}).out).get("layer")->text, "app/new");
    const auto both = cli(s, kNobody, {"apply", "app/x", text, "--base", "app"});
    EXPECT_EQ(both.exit_code, 2);
    EXPECT_NE(both.err.find("write BASE/NAME without --base, or NAME with --base"), std::string::npos)
        << both.err;
    const auto neither = cli(s, kNobody, {"apply", "x", text});
    EXPECT_EQ(neither.exit_code, 2);
    EXPECT_NE(neither.err.find("'x' is not a layer: write BASE/NAME"), std::string::npos) << neither.err;
    const auto list = cli(s, kNobody, {"list"}).out;
    EXPECT_NE(list.find("app/new "), std::string::npos) << list;
    EXPECT_NE(list.find("app/old "), std::string::npos) << list;
}

TEST(Cli, ExplainResolvesHomeAndRelativePathsOnTheClient) {
    Service s;
    ASSERT_EQ(cli(s, kNobody, {"apply", "app/banking", s.text_file("owner @{HOME}/bank/** rw,\n")}).exit_code,
              0);
    // nobody's passwd home is /nonexistent; $HOME is what ~ means, as in a shell.
    const auto home = cli(s, kNobody, {"explain", "app/banking", "~/bank/x", "~"}, {"HOME=/nonexistent"});
    ASSERT_EQ(home.exit_code, 0) << home.err;
    EXPECT_TRUE(home.out.starts_with("/nonexistent/bank/x: owner=rwa other=\n")) << home.out;
    EXPECT_NE(home.out.find("\n/nonexistent: "), std::string::npos) << home.out;
    const auto other_home = cli(s, kNobody, {"explain", "app/banking", "~/bank/x"}, {"HOME=/srv"});
    EXPECT_TRUE(other_home.out.starts_with("/srv/bank/x: ")) << other_home.out << other_home.err;
    // Relative to the working directory, "." and ".." read as the shell would.
    const auto relative = s.run_client(kNobody, {"env", "-C", "/usr", aalayer(), "explain", "app/banking",
                                                 "../nonexistent/bank/x", "./bin/../x", "--json"});
    ASSERT_EQ(relative.exit_code, 0) << relative.err;
    const Json j = parse(relative.out);
    ASSERT_EQ(j.items.size(), 2U);
    EXPECT_EQ(j.items[0].get("path")->text, "/nonexistent/bank/x");
    EXPECT_EQ(j.items[0].get("owner")->text, "rwa");
    EXPECT_EQ(j.items[1].get("path")->text, "/usr/x");
    // Another class than files: said plainly, not taken for a file in the working directory.
    const auto signal = cli(s, kNobody, {"explain", "app/banking", "signal"});
    EXPECT_EQ(signal.exit_code, 2) << signal.out << signal.err;
    EXPECT_EQ(signal.err,
              "aalayer: explain answers for file paths only (an absolute path); it cannot explain 'signal' "
              "access\n");
}

TEST(Cli, AuthenticationRequiredNamesTheInteractiveOption) {
    Service s;
    const std::string text = s.text_file("owner @{HOME}/** r,\n");
    // polkit wants sys to authenticate (service_fixture.cpp); no agent runs here.
    const auto plain = cli(s, kSys, {"apply", "app/x", text});
    EXPECT_EQ(plain.exit_code, 3);
    EXPECT_EQ(plain.err,
              "aalayer: not authorized for org.aalayer.manage-own: authentication is required: run it again "
              "with --interactive, from a session where a polkit authentication agent is running\n");
    // --interactive given, and still no agent to ask: the option would not help.
    const auto interactive = cli(s, kSys, {"apply", "app/x", text, "--interactive"});
    EXPECT_EQ(interactive.exit_code, 3);
    EXPECT_NE(interactive.err.find("authentication is required, and no polkit authentication agent answered"),
              std::string::npos)
        << interactive.err;
    EXPECT_EQ(interactive.err.find("again with --interactive"), std::string::npos) << interactive.err;
    // A D-Bus caller is told the option by its D-Bus name.
    const auto bus = s.call(kSys, {"apply", "app", "x", text});
    EXPECT_NE(bus.exit_code, 0);
    EXPECT_NE((bus.out + bus.err).find("authentication is required; call again with interactive=true"),
              std::string::npos)
        << bus.out << bus.err;
    // polkit's plain no is still a plain no.
    const auto no = cli(s, kBin, {"apply", "app/x", text});
    EXPECT_EQ(no.exit_code, 3);
    EXPECT_EQ(no.err, "aalayer: not authorized for org.aalayer.manage-own\n");
}

TEST(Cli, ReloadIsTheAdminsAndReadsAGrantChangeAtOnce) {
    Service s;
    // Reload returns once the grants are read again (the watcher would, 300 ms
    // after the write): the change is there when it has returned.
    s.set_grant("grant app {\n  owner @{HOME}/** rw,\n  /srv/shared/** r,\n}\n");
    const auto root = cli(s, 0, {"reload"});
    ASSERT_EQ(root.exit_code, 0) << root.err;
    EXPECT_EQ(root.out, "grants, default layers and base profiles read again; layers recomputed\n");
    EXPECT_EQ(cli(s, kNobody, {"grants"}).out, "app\n  owner /nonexistent/** rw,\n  /srv/shared/** r,\n");
    // polkit's no, and an admin's password it would want: Reload has no
    // --interactive, so the CLI says to run it as root.
    const auto no = cli(s, kNobody, {"reload"});
    EXPECT_EQ(no.exit_code, 3);
    EXPECT_EQ(no.err, "aalayer: not authorized for org.aalayer.reload\n");
    const auto ask = cli(s, kSys, {"reload"});
    EXPECT_EQ(ask.exit_code, 3);
    EXPECT_EQ(ask.err,
              "aalayer: not authorized for org.aalayer.reload: authentication is required: run it as root "
              "(sudo aalayer reload)\n");
}

TEST(Cli, VersionIsTheProjectVersion) {
    Service s;
    const std::string version = env_or("AALAYER_VERSION", "");
    ASSERT_FALSE(version.empty()) << "tests/meson.build sets AALAYER_VERSION";
    const auto r = cli(s, kNobody, {"--version"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "aalayer " + version + "\n");
    EXPECT_EQ(cli(s, kNobody, {"list", "--version"}).exit_code, 2);
}

TEST(Cli, ExitCodesScriptsCanRelyOn) {
    Service s;
    const std::string text = s.text_file("owner @{HOME}/** r,\n");
    EXPECT_EQ(cli(s, kNobody, {"frobnicate"}).exit_code, 2);
    EXPECT_EQ(cli(s, kNobody, {"apply", "x", text}).exit_code, 2);  // no --base
    EXPECT_EQ(cli(s, kNobody, {"show", "no-slash"}).exit_code, 2);
    auto denied = cli(s, kBin, {"apply", "x", text, "--base", "app"});
    EXPECT_EQ(denied.exit_code, 3);
    EXPECT_NE(denied.err.find("not authorized for org.aalayer.manage-own"), std::string::npos) << denied.err;
    EXPECT_EQ(cli(s, kNobody, {"explain", "app/none", "/x"}).exit_code, 5);
    EXPECT_EQ(cli(s, kNobody, {"apply", "x", text, "--base", "nope"}).exit_code, 5);
    const std::string bad = s.text_file("/x px,\n");
    auto invalid = cli(s, kNobody, {"apply", "x", bad, "--base", "app"});
    EXPECT_EQ(invalid.exit_code, 1);
    EXPECT_NE(invalid.err.find(bad + ":1:1: error: exec transition 'px'"), std::string::npos) << invalid.err;
    s.stop();
    auto down = cli(s, kNobody, {"list"});
    EXPECT_EQ(down.exit_code, 4);
    EXPECT_NE(down.err.find("the aalayer service is not available"), std::string::npos) << down.err;
}

TEST(Cli, EveryCommandHasHelp) {
    Service s;
    for (const char* c :
         {"grants", "check", "apply", "list", "show", "explain", "diff", "remove", "edit", "run"}) {
        const auto r = cli(s, kNobody, {c, "--help"});
        EXPECT_EQ(r.exit_code, 0) << c;
        EXPECT_TRUE(r.out.starts_with(std::string("usage: aalayer ") + c)) << r.out;
        EXPECT_NE(r.out.find("Exit codes:"), std::string::npos) << c;
    }
    EXPECT_EQ(cli(s, kNobody, {"--help"}).exit_code, 0);
}

TEST(Cli, EditAppliesACleanEditAndKeepsABadOne) {
    Service s;
    ASSERT_EQ(
        cli(s, kNobody, {"apply", "w", s.text_file("owner @{HOME}/a/** r,\n"), "--base", "app"}).exit_code,
        0);
    // A scripted editor: sed edits the file in place.
    const auto good = cli(s, kNobody, {"edit", "app/w"}, {"EDITOR=sed -i s#a/#b/#", "XDG_CACHE_HOME=/tmp"});
    ASSERT_EQ(good.exit_code, 0) << good.out << good.err;
    EXPECT_EQ(good.out, "applied app/w\n");
    EXPECT_EQ(cli(s, kNobody, {"show", "app/w", "--json"}).out.find("@{HOME}/b/**") != std::string::npos,
              true);
    const auto bad = cli(s, kNobody, {"edit", "app/w"}, {"EDITOR=sed -i s/r,/px,/", "XDG_CACHE_HOME=/tmp"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find(":1:1: error: exec transition 'px'"), std::string::npos) << bad.err;
    const auto kept = bad.err.find("your edit is kept in ");
    ASSERT_NE(kept, std::string::npos) << bad.err;
    std::string path = bad.err.substr(kept + 21);
    path = path.substr(0, path.find('\n'));
    std::ifstream in(path);
    std::string edit((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(edit, "owner @{HOME}/b/** px,\n");
    std::filesystem::remove(path);
    // The layer itself is unchanged.
    EXPECT_NE(cli(s, kNobody, {"show", "app/w"}).out.find("owner @{HOME}/b/** r,"), std::string::npos);
    const auto none = cli(s, kNobody, {"edit", "app/w"}, {"EDITOR=true", "XDG_CACHE_HOME=/tmp"});
    EXPECT_EQ(none.out, "no changes\n");
}

// The words a completion offers, one a line, as a sorted set.
std::set<std::string> lines_of(const std::string& text) {
    std::set<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.insert(line);
    return out;
}

std::string shell_quoted(const std::string& word) {
    std::string out = "'";
    for (const char c : word)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// What the completion script offers for `words` (the last is being completed), in bash or zsh,
// run as nobody against the service with this build's aalayer first in PATH.
std::set<std::string> completed(const Service& s, const std::string& shell,
                                const std::vector<std::string>& words,
                                const std::vector<std::string>& env = {}) {
    const std::string source = env_or("AALAYER_SOURCE_ROOT", ".");
    const std::string path =
        "PATH=" + std::filesystem::path(aalayer()).parent_path().string() + ":/usr/bin:/bin";
    ProcessResult r;
    if (shell == "bash") {
        std::string array;
        for (const auto& w : words)
            array += " " + shell_quoted(w);
        const std::string script =
            "source " + source +
            "/client/data/completion/aalayer.bash && complete -p aalayer >&2 && "
            "COMP_WORDS=(" +
            array + ") && COMP_CWORD=" + std::to_string(words.size() - 1) +
            " && _aalayer aalayer \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\" && "
            "printf '%s\\n' \"${COMPREPLY[@]}\"";
        std::vector<std::string> argv{path};
        argv.insert(argv.end(), env.begin(), env.end());
        argv.insert(argv.end(), {"bash", "--norc", "--noprofile", "-c", script});
        r = s.run_client(kNobody, argv);
        EXPECT_EQ(r.err, "complete -F _aalayer aalayer\n");
    } else {
        // An interactive zsh on a pseudo-terminal: the line typed, then TAB (the driver's comment).
        std::string line;
        for (const auto& w : words)
            line += (line.empty() ? "" : " ") + w;
        std::vector<std::string> argv{path};
        argv.insert(argv.end(), env.begin(), env.end());
        argv.insert(argv.end(), {"zsh", "-f", source + "/tests/cli/zsh_completion_driver.zsh",
                                 source + "/client/data/completion", line});
        r = s.run_client(kNobody, argv);
    }
    EXPECT_EQ(r.exit_code, 0) << shell << ": " << r.out << r.err;
    return lines_of(r.out);
}

TEST(Cli, CompletionInBashAndZsh) {
    Service s;
    ASSERT_EQ(cli(s, kNobody, {"apply", "app/banking", s.text_file("")}).exit_code, 0);
    // launcher --desktop: the desktop file IDs of the XDG data directories, not launchers.
    TempDir xdg;
    xdg.write("system/applications/firefox-esr.desktop", "");
    xdg.write("system/applications/kde/viewer.desktop", "");
    xdg.write("system/applications/aalayer-firefox-esr-banking.desktop", "");
    xdg.write("home/applications/mine.desktop", "");
    std::filesystem::permissions(xdg.path(), std::filesystem::perms::owner_all |
                                                 std::filesystem::perms::others_read |
                                                 std::filesystem::perms::others_exec);
    const std::vector<std::string> xdg_env{"XDG_DATA_HOME=" + xdg.path() + "/home",
                                           "XDG_DATA_DIRS=" + xdg.path() + "/system"};
    std::set<std::string> commands;
    for (const auto& c : cli::commands())
        commands.insert(std::string(c.spec.name));
    for (const std::string shell : {"bash", "zsh"}) {
        SCOPED_TRACE(shell);
        auto top = completed(s, shell, {"aalayer", ""});
        if (shell == "bash") {  // bash offers the global options too; zsh once '-' is typed
            EXPECT_EQ(top.erase("--help") + top.erase("--version"), 2U);
        }
        EXPECT_EQ(top, commands);
        // apply's BASE/NAME: your layers, and the bases you may layer on with a '/' to go on.
        EXPECT_EQ(completed(s, shell, {"aalayer", "apply", ""}),
                  (std::set<std::string>{"app/banking", "app/"}));
        EXPECT_EQ(completed(s, shell, {"aalayer", "show", "app/b"}), (std::set<std::string>{"app/banking"}));
        EXPECT_EQ(completed(s, shell, {"aalayer", "mode", "app/banking", ""}),
                  (std::set<std::string>{"enforce", "complain"}));
        // run's argument: your layers, or a base for a one-run layer.
        EXPECT_EQ(completed(s, shell, {"aalayer", "run", ""}), (std::set<std::string>{"app/banking", "app"}));
        EXPECT_EQ(completed(s, shell, {"aalayer", "check", "x", "--base", ""}),
                  (std::set<std::string>{"app"}));
        EXPECT_EQ(completed(s, shell, {"aalayer", "launcher", "app/b"}),
                  (std::set<std::string>{"app/banking"}));
        EXPECT_EQ(completed(s, shell, {"aalayer", "launcher", "app/banking", "--desktop", ""}, xdg_env),
                  (std::set<std::string>{"firefox-esr.desktop", "kde-viewer.desktop", "mine.desktop"}));
        // Each command's options, as the command table has them.
        for (const auto& c : cli::commands()) {
            std::set<std::string> options{"--help"};
            for (const auto& o : c.spec.options)
                options.insert(std::string(o));
            for (const auto& group : c.spec.required)
                for (const auto& o : group)
                    options.insert(std::string(o));
            EXPECT_EQ(completed(s, shell, {"aalayer", std::string(c.spec.name), "--"}), options)
                << c.spec.name;
        }
    }
}

TEST(Cli, RunOfAMissingLayerSaysSo) {
    Service s;
    const auto r = cli(s, kNobody, {"run", "app/none", "--", "true"});
    EXPECT_EQ(r.exit_code, 5);
    EXPECT_EQ(r.err, "aalayer: no layer app/none: see aalayer list\n");
}

TEST(Cli, RunRefusesWhereItCannotConfine) {
    Service s;
    ASSERT_EQ(cli(s, kNobody, {"apply", "w", s.text_file(""), "--base", "app"}).exit_code, 0);
    const auto r = cli(s, kNobody, {"run", "app/w", "--", "true"});
    EXPECT_EQ(r.exit_code, 6);
    // This machine has no AppArmor in its kernel; in compile-only mode the layer is not loaded either.
    EXPECT_TRUE(r.err.find("AppArmor is not enabled") != std::string::npos ||
                r.err.find("not loaded in the kernel") != std::string::npos)
        << r.err;
    EXPECT_EQ(cli(s, kNobody, {"run", "app/w"}).exit_code, 2);  // no -- COMMAND
}

}  // namespace
}  // namespace aalayer::test
