// aalayer launcher against aalayerd on a private bus (real polkitd and
// apparmor_parser, compile-only), in a scratch XDG_DATA_HOME, XDG_CONFIG_HOME
// and XDG_DATA_DIRS of nobody's: the entry written passes
// desktop-file-validate, its Exec runs `aalayer run` with the original's
// arguments, the default handlers are set (as xdg-mime reads them) and
// restored by --remove; and the client library's desktop entries of a base.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/desktop/desktop_entry.h"
#include "client/lib/desktop_entries.h"
#include "tests/support/service_fixture.h"

namespace aalayer::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFirefox = R"([Desktop Entry]
Name=Firefox ESR
Name[de]=Firefox ESR (Webbrowser)
Comment=Browse the World Wide Web
Exec=/usr/lib/firefox-esr/firefox-esr %u
Icon=firefox-esr
Terminal=false
Type=Application
MimeType=text/html;x-scheme-handler/http;x-scheme-handler/https;
Categories=Network;WebBrowser;
Actions=new-window;

[Desktop Action new-window]
Name=New Window
Exec=/usr/lib/firefox-esr/firefox-esr --new-window %u
)";

// nobody's scratch home: data/ (XDG_DATA_HOME), config/ (XDG_CONFIG_HOME),
// system/ (XDG_DATA_DIRS) with Firefox's entry.
class Xdg {
public:
    Xdg() {
        dir_.write("system/applications/firefox-esr.desktop", kFirefox);
        dir_.write("config/mimeapps.list",
                   "[Default Applications]\nx-scheme-handler/http=firefox-esr.desktop\n");
        for (const auto& p : fs::recursive_directory_iterator(dir_.path()))
            ::chown(p.path().c_str(), kNobody, gid_of(kNobody));
        ::chown(dir_.path().c_str(), kNobody, gid_of(kNobody));
    }
    [[nodiscard]] std::string path(const std::string& rel) const { return dir_.path() + "/" + rel; }
    [[nodiscard]] std::vector<std::string> env() const {
        return {"HOME=" + dir_.path(), "XDG_DATA_HOME=" + path("data"), "XDG_CONFIG_HOME=" + path("config"),
                "XDG_DATA_DIRS=" + path("system")};
    }

private:
    TempDir dir_;
};

ProcessResult as_nobody(const Service& s, const Xdg& xdg, std::vector<std::string> argv) {
    return s.run_client(kNobody, std::move(argv), xdg.env());
}

ProcessResult aalayer(const Service& s, const Xdg& xdg, std::vector<std::string> args) {
    args.insert(args.begin(), env_or("AALAYER_CLI", "aalayer"));
    return as_nobody(s, xdg, args);
}

// The value of `key` in `group` of the desktop file at `path`, escapes undone.
std::string value_of(const std::string& path, const std::string& group, const std::string& key) {
    auto parsed = desktop::parse(read_all(path), desktop::Keys::any);
    const auto* file = std::get_if<desktop::DesktopFile>(&parsed);
    const auto* g = file != nullptr ? file->group(group) : nullptr;
    const auto* v = g != nullptr ? g->get(key) : nullptr;
    return v != nullptr ? desktop::unescape(*v).value_or("(bad escape)") : "(none)";
}

TEST(Launcher, WritesAValidEntryThatRunsTheOriginalUnderTheLayerAndIsTheDefault) {
    Service s;
    Xdg xdg;
    ASSERT_EQ(aalayer(s, xdg, {"apply", "app/banking", s.text_file("owner @{HOME}/bank/** rw,\n")}).exit_code,
              0);
    const std::string id = "aalayer-firefox-esr-banking.desktop";
    const std::string entry = xdg.path("data/applications/" + id);

    const auto r = aalayer(s, xdg,
                           {"launcher", "app/banking", "--desktop", "firefox-esr.desktop", "--default-for",
                            "http,https,text/html"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "wrote " + entry + "\ntext/html: " + id +
                         " (was nothing)\nx-scheme-handler/http: " + id +
                         " (was firefox-esr.desktop)\nx-scheme-handler/https: " + id + " (was nothing)\n");
    EXPECT_EQ(r.err, "");

    // desktop-file-utils' validator, as desktops and distributions check entries.
    const auto valid = run_process({"desktop-file-validate", entry});
    EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
    EXPECT_EQ(valid.out + valid.err, "");

    EXPECT_EQ(value_of(entry, "Desktop Entry", "Name"), "Firefox ESR (banking)");
    EXPECT_EQ(value_of(entry, "Desktop Entry", "Name[de]"), "Firefox ESR (Webbrowser) (banking)");
    EXPECT_EQ(value_of(entry, "Desktop Entry", "Icon"), "firefox-esr");
    EXPECT_EQ(value_of(entry, "Desktop Entry", "MimeType"),
              "text/html;x-scheme-handler/http;x-scheme-handler/https;");
    const std::string cli = env_or("AALAYER_CLI", "aalayer");
    EXPECT_EQ(desktop::split_exec(value_of(entry, "Desktop Entry", "Exec")),
              (std::vector<std::string>{cli, "run", "app/banking", "--", "/usr/lib/firefox-esr/firefox-esr",
                                        "%u"}));
    EXPECT_EQ(desktop::split_exec(value_of(entry, "Desktop Action new-window", "Exec")),
              (std::vector<std::string>{cli, "run", "app/banking", "--", "/usr/lib/firefox-esr/firefox-esr",
                                        "--new-window", "%u"}));

    // Launched as a desktop would (%u a URL): it is `aalayer run` of the layer, which refuses here,
    // where the kernel has no AppArmor and the layer is compiled only, rather than run unconfined.
    auto words = *desktop::split_exec(value_of(entry, "Desktop Entry", "Exec"));
    words.back() = "https://bank.example/";
    const auto launched = as_nobody(s, xdg, words);
    EXPECT_EQ(launched.exit_code, 6) << launched.out << launched.err;
    EXPECT_TRUE(launched.err.find("AppArmor is not enabled") != std::string::npos ||
                launched.err.find("not loaded in the kernel") != std::string::npos)
        << launched.err;

    // The user's defaults, as xdg-mime reads them.
    const auto http = as_nobody(s, xdg, {"xdg-mime", "query", "default", "x-scheme-handler/http"});
    EXPECT_EQ(http.out, id + "\n") << http.err;
    EXPECT_EQ(read_all(xdg.path("config/mimeapps.list")),
              "[Default Applications]\nx-scheme-handler/http=" + id + ";\nx-scheme-handler/https=" + id +
                  ";\ntext/html=" + id + ";\n");

    // --remove: the entry gone, the defaults as they were.
    const auto removed = aalayer(s, xdg, {"launcher", "app/banking", "--desktop", "firefox-esr", "--remove"});
    ASSERT_EQ(removed.exit_code, 0) << removed.err;
    EXPECT_EQ(removed.out,
              "text/html: nothing again\nx-scheme-handler/http: firefox-esr.desktop again\n"
              "x-scheme-handler/https: nothing again\nremoved " +
                  entry + "\n");
    EXPECT_FALSE(fs::exists(entry));
    EXPECT_EQ(read_all(xdg.path("config/mimeapps.list")),
              "[Default Applications]\nx-scheme-handler/http=firefox-esr.desktop;\n");
    EXPECT_EQ(as_nobody(s, xdg, {"xdg-mime", "query", "default", "x-scheme-handler/http"}).out,
              "firefox-esr.desktop\n");
    EXPECT_EQ(aalayer(s, xdg, {"launcher", "app/banking", "--desktop", "firefox-esr", "--remove"}).exit_code,
              5);
}

TEST(Launcher, ALabelAndWhatItRefuses) {
    Service s;
    Xdg xdg;
    ASSERT_EQ(aalayer(s, xdg, {"apply", "app/banking", s.text_file("")}).exit_code, 0);
    const auto labelled =
        aalayer(s, xdg, {"launcher", "app/banking", "--desktop", "firefox-esr", "--label", "Bank"});
    ASSERT_EQ(labelled.exit_code, 0) << labelled.err;
    const std::string entry = xdg.path("data/applications/aalayer-firefox-esr-banking.desktop");
    EXPECT_EQ(value_of(entry, "Desktop Entry", "Name"), "Firefox ESR (Bank)");
    EXPECT_EQ(fs::exists(xdg.path("config/mimeapps.list")) ? read_all(xdg.path("config/mimeapps.list")) : "",
              "[Default Applications]\nx-scheme-handler/http=firefox-esr.desktop\n");  // untouched

    const auto no_layer = aalayer(s, xdg, {"launcher", "app/none", "--desktop", "firefox-esr"});
    EXPECT_EQ(no_layer.exit_code, 5);
    EXPECT_EQ(no_layer.err, "aalayer: you have no layer app/none (create it with apply)\n");
    const auto no_entry = aalayer(s, xdg, {"launcher", "app/banking", "--desktop", "nothing.desktop"});
    EXPECT_EQ(no_entry.exit_code, 5);
    EXPECT_EQ(no_entry.err, "aalayer: no desktop entry nothing.desktop in " + xdg.path("data/applications") +
                                ", " + xdg.path("system/applications") + "\n");
    EXPECT_EQ(aalayer(s, xdg, {"launcher", "app/banking"}).exit_code, 2);  // --desktop is needed
    EXPECT_EQ(
        aalayer(s, xdg, {"launcher", "app/banking", "--desktop", "firefox-esr", "--remove", "--label", "x"})
            .exit_code,
        2);
    // A file of that name not written by aalayer launcher is not removed.
    std::ofstream(xdg.path("data/applications/aalayer-firefox-esr-other.desktop"))
        << "[Desktop Entry]\nType=Application\nName=x\nExec=x\n";
    const auto foreign = aalayer(s, xdg, {"launcher", "app/other", "--desktop", "firefox-esr", "--remove"});
    EXPECT_EQ(foreign.exit_code, 2);
    EXPECT_TRUE(fs::exists(xdg.path("data/applications/aalayer-firefox-esr-other.desktop")));
}

// Removing a layer leaves its launcher (aalayer remove and the panel touch no launcher): started,
// it runs nothing, as `aalayer run` of a layer that is not there.
TEST(Launcher, OutlivesItsLayerAndThenStartsNothing) {
    Service s;
    Xdg xdg;
    ASSERT_EQ(aalayer(s, xdg, {"apply", "app/banking", s.text_file("")}).exit_code, 0);
    ASSERT_EQ(aalayer(s, xdg, {"launcher", "app/banking", "--desktop", "firefox-esr"}).exit_code, 0);
    ASSERT_EQ(aalayer(s, xdg, {"remove", "app/banking"}).exit_code, 0);
    const std::string entry = xdg.path("data/applications/aalayer-firefox-esr-banking.desktop");
    ASSERT_TRUE(fs::exists(entry));
    auto words = *desktop::split_exec(value_of(entry, "Desktop Entry", "Exec"));
    words.back() = "https://bank.example/";
    const auto launched = as_nobody(s, xdg, words);
    EXPECT_EQ(launched.exit_code, 5);
    EXPECT_EQ(launched.err, "aalayer: no layer app/banking: see aalayer list\n");
    // --remove still takes it away.
    EXPECT_EQ(aalayer(s, xdg, {"launcher", "app/banking", "--desktop", "firefox-esr", "--remove"}).exit_code,
              0);
    EXPECT_FALSE(fs::exists(entry));
}

TEST(DesktopEntriesOfABase, TheEntriesWhoseProgramMatchesTheAttachment) {
    TempDir dir;
    dir.write("system/applications/firefox-esr.desktop", kFirefox);
    dir.write("system/applications/kde/viewer.desktop",
              "[Desktop Entry]\nType=Application\nName=Viewer\nExec=viewer-link %f\n");
    dir.write(
        "system/applications/hidden.desktop",
        "[Desktop Entry]\nType=Application\nName=H\nHidden=true\nExec=/usr/lib/firefox-esr/firefox-esr\n");
    dir.write("home/applications/man.desktop",
              "[Desktop Entry]\nType=Application\nName=Man\nExec=/usr/bin/man\n");
    // A program found in PATH through a symlink: the kernel attaches by the file it resolves to.
    const std::string real = dir.write("bin/real/viewer", "#!/bin/sh\n");
    fs::permissions(real, fs::perms::owner_all);
    fs::create_directories(dir.path() + "/bin/path");
    fs::create_symlink(real, dir.path() + "/bin/path/viewer-link");
    ::setenv("XDG_DATA_HOME", (dir.path() + "/home").c_str(), 1);
    ::setenv("XDG_DATA_DIRS", (dir.path() + "/system").c_str(), 1);
    ::setenv("PATH", (dir.path() + "/bin/path:/usr/bin:/bin").c_str(), 1);

    EXPECT_EQ(client::application_dirs(), (std::vector<std::string>{dir.path() + "/home/applications",
                                                                    dir.path() + "/system/applications"}));
    EXPECT_EQ(client::find_desktop_file("kde-viewer.desktop"),
              dir.path() + "/system/applications/kde/viewer.desktop");
    EXPECT_EQ(client::find_desktop_file("none.desktop"), std::nullopt);

    const auto firefox = client::desktop_entries_for("/usr/lib/firefox{,-esr}/firefox{,-esr}");
    ASSERT_EQ(firefox.size(), 1U);
    EXPECT_EQ(firefox[0].id, "firefox-esr.desktop");
    EXPECT_EQ(firefox[0].name, "Firefox ESR");
    EXPECT_EQ(firefox[0].program, "/usr/lib/firefox-esr/firefox-esr");
    const auto viewer = client::desktop_entries_for(dir.path() + "/bin/real/*");
    ASSERT_EQ(viewer.size(), 1U);
    EXPECT_EQ(viewer[0].id, "kde-viewer.desktop");
    EXPECT_EQ(viewer[0].program, real);
    EXPECT_EQ(client::desktop_entries_for("/usr/bin/man").size(), 1U);
    EXPECT_TRUE(client::desktop_entries_for("/opt/nothing/**").empty());
    EXPECT_TRUE(client::desktop_entries_for("@{HOME}/bin/*").empty());  // no glob: nothing
}

}  // namespace
}  // namespace aalayer::test
