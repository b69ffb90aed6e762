// Desktop entries without files (client/desktop/): groups, keys, localized
// keys, string escapes, Exec quoting and field codes as the Desktop Entry
// Specification has them; the launcher made of an entry; default handlers
// set and restored; an entry's program against a base's attachment.
#include "client/desktop/desktop_entry.h"

#include <gtest/gtest.h>

#include "client/desktop/attachment.h"
#include "client/desktop/launcher.h"

namespace aalayer::test {
namespace {

using desktop::DesktopFile;

DesktopFile parsed(std::string_view text, desktop::Keys keys = desktop::Keys::desktop_entry) {
    auto p = desktop::parse(text, keys);
    if (const auto* error = std::get_if<std::string>(&p)) ADD_FAILURE() << *error << "\n" << text;
    return std::get_if<DesktopFile>(&p) != nullptr ? std::get<DesktopFile>(p) : DesktopFile{};
}

std::string parse_error(std::string_view text) {
    auto p = desktop::parse(text);
    return std::get_if<std::string>(&p) != nullptr ? std::get<std::string>(p) : "(parsed)";
}

constexpr std::string_view kFirefox = R"(# a comment before the first group

[Desktop Entry]
Name=Firefox ESR
Name[de]=Firefox ESR (Webbrowser)
Comment=Browse the World Wide Web
Exec=/usr/lib/firefox-esr/firefox-esr %u
Icon=firefox-esr
Terminal=false
Type=Application
TryExec=firefox-esr
DBusActivatable=false
MimeType=text/html;x-scheme-handler/http;x-scheme-handler/https;
Categories=Network;WebBrowser;
Actions=new-window;new-private-window;

# an action
[Desktop Action new-window]
Name=New Window
Exec=/usr/lib/firefox-esr/firefox-esr --new-window %u

[Desktop Action new-private-window]
Name=New Private Window
Name[de]=Neues privates Fenster
Exec=/usr/lib/firefox-esr/firefox-esr --private-window %u
)";

TEST(DesktopEntry, GroupsKeysLocalizedKeysAndCommentsRoundTrip) {
    const DesktopFile f = parsed(kFirefox);
    ASSERT_EQ(f.groups.size(), 3U);
    EXPECT_EQ(f.leading, (std::vector<std::string>{"# a comment before the first group", ""}));
    const auto* entry = f.group("Desktop Entry");
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(*entry->get("Name"), "Firefox ESR");
    EXPECT_EQ(*entry->get("Name[de]"), "Firefox ESR (Webbrowser)");
    EXPECT_EQ(entry->get("Name[fr]"), nullptr);
    EXPECT_EQ(desktop::split_locale("Name[de_DE@euro]"),
              (std::pair<std::string_view, std::string_view>{"Name", "de_DE@euro"}));
    EXPECT_EQ(desktop::split_locale("Name").second, "");
    EXPECT_EQ(*f.group("Desktop Action new-private-window")->get("Name[de]"), "Neues privates Fenster");
    EXPECT_EQ(desktop::write(f), kFirefox);  // comments and blank lines where they were
    DesktopFile g = parsed("[A]\nK=1\n\n[B]\n");
    g.group("A")->set("New", "2");
    EXPECT_EQ(desktop::write(g), "[A]\nK=1\nNew=2\n\n[B]\n");  // before the blank line ending the group
    g.group("A")->erase("K");
    EXPECT_EQ(desktop::write(g), "[A]\nNew=2\n\n[B]\n");
    // Spaces around '=' are allowed when reading.
    EXPECT_EQ(*parsed("[G]\nKey = v a\n").group("G")->get("Key"), "v a");
}

TEST(DesktopEntry, MalformedFilesAreRefusedWithTheLine) {
    EXPECT_EQ(parse_error("Key=v\n"), "line 1: a key before the first group");
    EXPECT_EQ(parse_error("[G]\nnot a key\n"), "line 2: neither KEY=VALUE, [GROUP] nor a comment");
    EXPECT_EQ(parse_error("[G]\nA=1\nA=2\n"), "line 3: key A given twice in [G]");
    EXPECT_EQ(parse_error("[G]\n[G]\n"), "line 2: group [G] given twice");
    EXPECT_EQ(parse_error("[G]\nKey_x=1\n"), "line 2: 'Key_x' is not a key (A-Z a-z 0-9 -, then [LOCALE])");
    EXPECT_EQ(parse_error("[G\n"), "line 1: a group header is [NAME]");
    EXPECT_EQ(parse_error("[Default Applications]\ntext/html=a.desktop\n"),
              "line 2: 'text/html' is not a key (A-Z a-z 0-9 -, then [LOCALE])");
}

TEST(DesktopEntry, StringEscapesAndLists) {
    EXPECT_EQ(desktop::unescape(R"(a\sb\nc\td\\e)"), "a b\nc\td\\e");
    EXPECT_EQ(desktop::unescape(R"(bad\q)"), std::nullopt);
    EXPECT_EQ(desktop::unescape("trailing\\"), std::nullopt);
    EXPECT_EQ(desktop::escape(" lead\\\n"), R"(\slead\\\n)");
    for (const char* s : {" x", "a\\b", "tab\there", "new\nline", "plain"})
        EXPECT_EQ(desktop::unescape(desktop::escape(s)), s) << s;
    EXPECT_EQ(desktop::split_list("a;b\\;c;d"), (std::vector<std::string>{"a", "b;c", "d"}));
    EXPECT_EQ(desktop::join_list({"a", "b;c"}), "a;b\\;c;");
}

TEST(DesktopEntry, ExecQuotingAndFieldCodes) {
    EXPECT_EQ(desktop::split_exec("/usr/bin/prog --flag %U"),
              (std::vector<std::string>{"/usr/bin/prog", "--flag", "%U"}));
    EXPECT_EQ(desktop::split_exec(R"("/opt/My App/run" "a \"q\" \$HOME \\ \`x\`" %f)"),
              (std::vector<std::string>{"/opt/My App/run", "a \"q\" $HOME \\ `x`", "%f"}));
    EXPECT_EQ(desktop::split_exec("prog 100%%"), (std::vector<std::string>{"prog", "100%%"}));
    EXPECT_EQ(desktop::split_exec("prog a|b"), std::nullopt);  // reserved outside quotes
    EXPECT_EQ(desktop::split_exec("\"unterminated"), std::nullopt);
    EXPECT_EQ(desktop::split_exec(R"("a"b)"), std::nullopt);
    EXPECT_EQ(desktop::join_exec({"/opt/My App/run", "a\"b$c", "%u", "x*"}),
              R"("/opt/My App/run" "a\"b\$c" %u "x*")");
    EXPECT_EQ(desktop::exec_literal("50%/x"), "50%%/x");
    EXPECT_EQ(desktop::exec_program("\"/opt/100%%/run\" %u"), "/opt/100%/run");
    EXPECT_EQ(desktop::exec_program(""), std::nullopt);
    for (const std::vector<std::string>& words :
         {std::vector<std::string>{"/bin/x", "--a=b", "%U"}, {"/o p/q", "\\", "`", "$", "\"", "(;)"}})
        EXPECT_EQ(desktop::split_exec(desktop::join_exec(words)), words);
    // A quoted backslash is four in the file: the string's escape, then Exec's quoting.
    const std::string value = desktop::escape(desktop::join_exec({"a\\b"}));
    EXPECT_EQ(value, R"("a\\\\b")");
    EXPECT_EQ(desktop::split_exec(*desktop::unescape(value)), (std::vector<std::string>{"a\\b"}));
}

desktop::LauncherSpec spec(std::string label = "") {
    return {"firefox", "banking", std::move(label), "/usr/bin/aalayer", "firefox-esr.desktop"};
}

TEST(Launcher, RunsEveryExecUnderTheLayerAndKeepsTheRest) {
    EXPECT_EQ(desktop::launcher_id("firefox-esr.desktop", "banking"), "aalayer-firefox-esr-banking.desktop");
    auto made = desktop::make_launcher(parsed(kFirefox), spec());
    ASSERT_TRUE(std::holds_alternative<DesktopFile>(made)) << std::get<std::string>(made);
    const DesktopFile& l = std::get<DesktopFile>(made);
    const auto* entry = l.group("Desktop Entry");
    EXPECT_EQ(*entry->get("Exec"),
              "/usr/bin/aalayer run firefox/banking -- /usr/lib/firefox-esr/firefox-esr %u");
    EXPECT_EQ(*entry->get("Name"), "Firefox ESR (banking)");
    EXPECT_EQ(*entry->get("Name[de]"), "Firefox ESR (Webbrowser) (banking)");
    EXPECT_EQ(*entry->get("Icon"), "firefox-esr");
    EXPECT_EQ(*entry->get("MimeType"), "text/html;x-scheme-handler/http;x-scheme-handler/https;");
    EXPECT_EQ(*entry->get("Actions"), "new-window;new-private-window;");
    EXPECT_EQ(entry->get("TryExec"), nullptr);
    EXPECT_EQ(entry->get("DBusActivatable"), nullptr);
    EXPECT_EQ(*entry->get("X-Aalayer-Layer"), "firefox/banking");
    EXPECT_EQ(*entry->get("X-Aalayer-Source"), "firefox-esr.desktop");
    EXPECT_EQ(*l.group("Desktop Action new-window")->get("Exec"),
              "/usr/bin/aalayer run firefox/banking -- /usr/lib/firefox-esr/firefox-esr --new-window %u");
    EXPECT_EQ(*l.group("Desktop Action new-window")->get("Name"), "New Window");  // actions keep their names
    EXPECT_EQ(*std::get<DesktopFile>(desktop::make_launcher(parsed(kFirefox), spec("Bank")))
                   .group("Desktop Entry")
                   ->get("Name"),
              "Firefox ESR (Bank)");
}

TEST(Launcher, ABaseWithGlobCharactersIsQuotedInExec) {
    desktop::LauncherSpec s = spec();
    s.base = "/usr/lib/firefox{,-[0-9]*}/firefox{,*[^s][^h]}";
    s.aalayer = "/opt/a b/aalayer";
    const auto made = desktop::make_launcher(parsed(kFirefox), s);
    const std::string exec = *std::get<DesktopFile>(made).group("Desktop Entry")->get("Exec");
    EXPECT_EQ(*desktop::split_exec(*desktop::unescape(exec)),
              (std::vector<std::string>{"/opt/a b/aalayer", "run",
                                        "/usr/lib/firefox{,-[0-9]*}/firefox{,*[^s][^h]}/banking", "--",
                                        "/usr/lib/firefox-esr/firefox-esr", "%u"}));
}

TEST(Launcher, WhatCannotBeALauncher) {
    const auto of = [](std::string_view text) {
        auto made = desktop::make_launcher(parsed(text), spec());
        return std::get_if<std::string>(&made) != nullptr ? std::get<std::string>(made) : "(made)";
    };
    EXPECT_EQ(of("[Desktop Entry]\nType=Link\nURL=http://x\n"), "it is not an application (Type=Link)");
    EXPECT_EQ(of("[Other]\nA=b\n"), "it has no [Desktop Entry] group");
    EXPECT_EQ(of("[Desktop Entry]\nType=Application\nDBusActivatable=true\n"),
              "it has no Exec: it is started over D-Bus only");
    EXPECT_EQ(of("[Desktop Entry]\nType=Application\nExec=a|b\n"),
              "[Desktop Entry] Exec does not parse: a|b");
}

TEST(DefaultHandlers, SetRememberedAndRestored) {
    EXPECT_EQ(desktop::handler_type("http"), "x-scheme-handler/http");
    EXPECT_EQ(desktop::handler_type("text/html"), "text/html");
    DesktopFile mimeapps = parsed(
        "[Added Associations]\ntext/html=firefox-esr.desktop;\n\n[Default Applications]\n"
        "x-scheme-handler/http=firefox-esr.desktop\ntext/plain=gedit.desktop;\n",
        desktop::Keys::any);
    const std::string id = "aalayer-firefox-esr-banking.desktop";
    const auto was =
        desktop::set_defaults(mimeapps, {"x-scheme-handler/http", "x-scheme-handler/https"}, id, {});
    EXPECT_EQ(was, (std::map<std::string, std::string>{{"x-scheme-handler/http", "firefox-esr.desktop"},
                                                       {"x-scheme-handler/https", ""}}));
    EXPECT_EQ(desktop::write(mimeapps),
              "[Added Associations]\ntext/html=firefox-esr.desktop;\n\n[Default Applications]\n"
              "x-scheme-handler/http=" +
                  id + ";\ntext/plain=gedit.desktop;\nx-scheme-handler/https=" + id + ";\n");
    // Set again: what it had before is still what it had before us.
    EXPECT_EQ(desktop::set_defaults(mimeapps, {"x-scheme-handler/http"}, id, was)["x-scheme-handler/http"],
              "firefox-esr.desktop");
    const std::string remembered = desktop::previous_value(was);
    EXPECT_EQ(remembered, "x-scheme-handler/http:firefox-esr.desktop;x-scheme-handler/https:;");
    EXPECT_EQ(desktop::parse_previous(remembered),
              (std::map<std::string, std::string>{{"x-scheme-handler/http", "firefox-esr.desktop;"},
                                                  {"x-scheme-handler/https", ""}}));
    // The user since chose another default for text/plain (not ours) and https stays ours until restored.
    desktop::restore_defaults(mimeapps, desktop::parse_previous(remembered), id);
    EXPECT_EQ(desktop::write(mimeapps),
              "[Added Associations]\ntext/html=firefox-esr.desktop;\n\n[Default Applications]\n"
              "x-scheme-handler/http=firefox-esr.desktop;\ntext/plain=gedit.desktop;\n");
    // A type the user gave to another application since is left alone.
    DesktopFile changed =
        parsed("[Default Applications]\nx-scheme-handler/http=chromium.desktop;\n", desktop::Keys::any);
    desktop::restore_defaults(changed, desktop::parse_previous(remembered), id);
    EXPECT_EQ(*changed.group("Default Applications")->get("x-scheme-handler/http"), "chromium.desktop;");
}

TEST(Attachment, AnEntrysProgramAgainstABasesGlob) {
    const std::string debian_firefox = "/usr/lib/firefox{,-[0-9]*}/firefox{,*[^s][^h]}";
    EXPECT_EQ(desktop::program_matches("/usr/lib/firefox/firefox", debian_firefox), true);
    EXPECT_EQ(desktop::program_matches("/usr/lib/firefox-esr/firefox-esr",
                                       "/usr/lib/firefox{,-esr}/firefox{,-esr}"),
              true);
    EXPECT_EQ(desktop::program_matches("/usr/lib/firefox/firefox.sh", debian_firefox), false);
    EXPECT_EQ(desktop::program_matches("/usr/bin/man", "/usr/bin/man"), true);
    EXPECT_EQ(desktop::program_matches("/usr/bin/mandb", "/usr/bin/man"), false);
    EXPECT_EQ(desktop::program_matches("/usr/bin/x", "/usr/bin/*"), true);
    EXPECT_EQ(desktop::program_matches("/usr/bin/sub/x", "/usr/bin/*"), false);
    EXPECT_EQ(desktop::program_matches("/usr/bin/x", "@{HOME}/bin/x"), std::nullopt);  // a variable left in
    EXPECT_EQ(desktop::entry_program(parsed(kFirefox)), "/usr/lib/firefox-esr/firefox-esr");
    EXPECT_EQ(desktop::entry_program(parsed("[Desktop Entry]\nExec=\"my prog\" %f\n")), "my prog");
    EXPECT_EQ(desktop::entry_program(parsed("[Desktop Entry]\nType=Application\n")), std::nullopt);
}

}  // namespace
}  // namespace aalayer::test
