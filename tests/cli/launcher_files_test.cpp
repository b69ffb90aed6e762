// The client library's launcher files (client/lib/launcher_files.h) in a
// scratch XDG_DATA_HOME, XDG_CONFIG_HOME and XDG_DATA_DIRS: written, found,
// removed with the defaults given back, and what they refuse or fail at.
// These tests run as root, whom no directory mode stops: a file where a
// directory must be is what cannot be written.
#include "client/lib/launcher_files.h"

#include <cstdlib>
#include <filesystem>
#include <optional>

#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace aalayer::test {
namespace {

namespace fs = std::filesystem;
using client::LauncherProblem;

constexpr const char* kViewer =
    "[Desktop Entry]\nType=Application\nName=App Viewer\nExec=/usr/bin/app %f\nMimeType=text/plain;\n";

// Sets an environment variable for the test's time, then puts it back.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;
    ~ScopedEnv() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

// data/ (XDG_DATA_HOME), config/ (XDG_CONFIG_HOME), system/ (XDG_DATA_DIRS) with app-viewer.desktop.
class LauncherFiles : public ::testing::Test {
protected:
    LauncherFiles()
        : viewer_(dir_.write("system/applications/app-viewer.desktop", kViewer)),
          data_("XDG_DATA_HOME", dir_.path() + "/data"),
          config_("XDG_CONFIG_HOME", dir_.path() + "/config"),
          dirs_("XDG_DATA_DIRS", dir_.path() + "/system") {}
    [[nodiscard]] std::string path(const std::string& rel) const { return dir_.path() + "/" + rel; }
    static client::LauncherRequest request(std::vector<std::string> default_for = {}) {
        return {"app", "bank", "app-viewer", "", "/opt/aa layer/aalayer", std::move(default_for)};
    }

    TempDir dir_;
    std::string viewer_;

private:
    ScopedEnv data_;
    ScopedEnv config_;
    ScopedEnv dirs_;
};

TEST_F(LauncherFiles, WrittenFoundAndRemovedWithTheDefaultsGivenBack) {
    const std::string launcher = path("data/applications/aalayer-app-viewer-bank.desktop");
    dir_.write("config/mimeapps.list", "[Default Applications]\ntext/plain=other.desktop;\n");
    EXPECT_EQ(client::launcher_file("app-viewer.desktop", "bank").path, launcher);
    EXPECT_FALSE(client::launcher_installed("app", "bank", "app-viewer.desktop"));

    const auto written = client::install_launcher(request({"text/plain", "http"}));
    ASSERT_TRUE(written.ok()) << written.message;
    EXPECT_EQ(written.message, "");
    EXPECT_EQ(written.path, launcher);
    EXPECT_TRUE(written.done_first);
    ASSERT_EQ(written.defaults.size(), 2U);
    EXPECT_EQ(written.defaults[0].type, "text/plain");
    EXPECT_EQ(written.defaults[0].other, "other.desktop;");
    EXPECT_EQ(written.defaults[1].type, "x-scheme-handler/http");
    EXPECT_EQ(written.defaults[1].other, "");
    const std::string text = read_all(launcher);
    EXPECT_NE(text.find("\nName=App Viewer (bank)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nExec=\"/opt/aa layer/aalayer\" run app/bank -- /usr/bin/app %f\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(read_all(path("config/mimeapps.list")),
              "[Default Applications]\ntext/plain=aalayer-app-viewer-bank.desktop;\n"
              "x-scheme-handler/http=aalayer-app-viewer-bank.desktop;\n");
    EXPECT_TRUE(client::launcher_installed("app", "bank", "app-viewer.desktop"));
    EXPECT_TRUE(client::launcher_installed("app", "bank", "app-viewer"));
    // The same file name for the layer bank of another base: not that layer's launcher.
    EXPECT_FALSE(client::launcher_installed("other", "bank", "app-viewer.desktop"));
    EXPECT_FALSE(client::launcher_installed("app", "bank2", "app-viewer.desktop"));

    const auto removed = client::remove_launcher("app-viewer.desktop", "bank");
    ASSERT_TRUE(removed.ok()) << removed.message;
    EXPECT_EQ(removed.path, launcher);
    EXPECT_TRUE(removed.done_first);
    ASSERT_EQ(removed.defaults.size(), 2U);
    EXPECT_EQ(removed.defaults[0].type, "text/plain");
    EXPECT_EQ(removed.defaults[0].other, "other.desktop;");
    EXPECT_FALSE(fs::exists(launcher));
    EXPECT_FALSE(client::launcher_installed("app", "bank", "app-viewer.desktop"));
    EXPECT_EQ(read_all(path("config/mimeapps.list")), "[Default Applications]\ntext/plain=other.desktop;\n");

    const auto again = client::remove_launcher("app-viewer.desktop", "bank");
    EXPECT_EQ(again.problem, LauncherProblem::not_found);
    EXPECT_EQ(again.message, "no launcher " + launcher + " to remove");
}

TEST_F(LauncherFiles, AFileOfThatNameNotWrittenByAalayerIsLeftAlone) {
    const std::string foreign = "[Desktop Entry]\nType=Application\nName=Mine\nExec=/usr/bin/mine\n";
    const std::string launcher = dir_.write("data/applications/aalayer-app-viewer-bank.desktop", foreign);
    EXPECT_FALSE(client::launcher_installed("app", "bank", "app-viewer.desktop"));
    const auto removed = client::remove_launcher("app-viewer.desktop", "bank");
    EXPECT_EQ(removed.problem, LauncherProblem::refused);
    EXPECT_EQ(removed.message, launcher + " was not written by aalayer launcher: left alone");
    EXPECT_FALSE(removed.done_first);
    EXPECT_EQ(read_all(launcher), foreign);
}

TEST_F(LauncherFiles, NoDirectoryToWriteIn_AFileInTheWay) {
    // applications/ is a file: neither the launcher nor a temporary file beside it can be made.
    dir_.write("data/applications", "");
    const auto written = client::install_launcher(request({"http"}));
    EXPECT_EQ(written.problem, LauncherProblem::cannot_write);
    EXPECT_EQ(written.message, "cannot write " + path("data/applications/aalayer-app-viewer-bank.desktop"));
    EXPECT_FALSE(written.done_first);
    EXPECT_TRUE(written.defaults.empty());
    EXPECT_FALSE(fs::exists(path("config/mimeapps.list"))) << "a default was set for a launcher not written";
}

TEST_F(LauncherFiles, TheLauncherWrittenButNotTheDefaults_AFileInTheWay) {
    dir_.write("config", "");
    const std::string mimeapps = path("config/mimeapps.list");
    const auto written = client::install_launcher(request({"http"}));
    EXPECT_EQ(written.problem, LauncherProblem::cannot_write);
    EXPECT_EQ(written.message, "cannot write " + mimeapps);
    EXPECT_TRUE(written.done_first);
    EXPECT_TRUE(written.defaults.empty());
    EXPECT_TRUE(client::launcher_installed("app", "bank", "app-viewer.desktop"));
    // The launcher remembers the default it was to take; giving it back cannot be written either: kept.
    const auto removed = client::remove_launcher("app-viewer", "bank");
    EXPECT_EQ(removed.problem, LauncherProblem::cannot_write);
    EXPECT_EQ(removed.message, "cannot write " + mimeapps + "; " + written.path + " is kept");
    EXPECT_TRUE(fs::exists(written.path));
}

TEST_F(LauncherFiles, WhatItRefuses) {
    const auto none = client::install_launcher({"app", "bank", "nothing", "", "/usr/bin/aalayer", {}});
    EXPECT_EQ(none.problem, LauncherProblem::not_found);
    EXPECT_EQ(none.message, "no desktop entry nothing.desktop in " + path("data/applications") + ", " +
                                path("system/applications"));
    dir_.write("system/applications/aalayer-x-bank.desktop", kViewer);
    const auto launcher =
        client::install_launcher({"app", "bank", "aalayer-x-bank", "", "/usr/bin/aalayer", {}});
    EXPECT_EQ(launcher.problem, LauncherProblem::refused);
    EXPECT_EQ(launcher.message, path("system/applications/aalayer-x-bank.desktop") +
                                    " is a launcher already: give the "
                                    "application's own entry");
    dir_.write("system/applications/link.desktop", "[Desktop Entry]\nType=Link\nName=L\nURL=https://x/\n");
    const auto link = client::install_launcher({"app", "bank", "link", "", "/usr/bin/aalayer", {}});
    EXPECT_EQ(link.problem, LauncherProblem::refused);
    EXPECT_EQ(link.message, "cannot make a launcher of " + path("system/applications/link.desktop") +
                                ": it is not an application (Type=Link)");
    dir_.write("config/mimeapps.list", "not a line of mimeapps.list\n");
    const auto bad_defaults = client::install_launcher(request({"http"}));
    EXPECT_EQ(bad_defaults.problem, LauncherProblem::refused);
    EXPECT_EQ(bad_defaults.message.rfind(path("config/mimeapps.list") + ": line 1: ", 0), 0U)
        << bad_defaults.message;
    EXPECT_FALSE(bad_defaults.done_first);
    EXPECT_FALSE(client::launcher_installed("app", "bank", "app-viewer"));
}

TEST(AalayerProgram, AalayerCliWhenAbsoluteElseTheInstalledOne) {
    {
        const ScopedEnv cli("AALAYER_CLI", "/build/client/cli/aalayer");
        EXPECT_EQ(client::aalayer_program(), "/build/client/cli/aalayer");
    }
    const ScopedEnv relative("AALAYER_CLI", "aalayer");
    const std::string installed = client::aalayer_program();
    EXPECT_TRUE(installed.starts_with("/") && installed.ends_with("/bin/aalayer")) << installed;
}

}  // namespace
}  // namespace aalayer::test
