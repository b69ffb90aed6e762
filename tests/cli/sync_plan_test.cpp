// aalayer sync without the service: base names as directory names, the
// layer files read from a scratch directory, and the plan (client/sync/).
#include "client/sync/sync_plan.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace aalayer::test {
namespace {

using sync::ActionKind;

TEST(SyncBaseNames, EscapedIntoOneDirectoryNameAndBack) {
    EXPECT_EQ(sync::escape_base("firefox"), "firefox");
    EXPECT_EQ(sync::escape_base("firefox-esr"), "firefox-esr");
    EXPECT_EQ(sync::escape_base("/usr/bin/man"), "%2Fusr%2Fbin%2Fman");
    EXPECT_EQ(sync::escape_base("100%"), "100%25");
    EXPECT_EQ(sync::escape_base(".hidden.x"), "%2Ehidden.x");
    EXPECT_EQ(sync::escape_base("/usr/lib/firefox{,-[0-9]*}/firefox{,*[^s][^h]}"),
              "%2Fusr%2Flib%2Ffirefox{,-[0-9]*}%2Ffirefox{,*[^s][^h]}");
    for (const char* base : {"firefox", "/usr/bin/man", "100%", "%2F", ".x", "a.b", "..", "/", "%",
                             "/usr/lib/firefox{,-[0-9]*}/firefox{,*[^s][^h]}", "caf\xc3\xa9"}) {
        const std::string escaped = sync::escape_base(base);
        EXPECT_EQ(escaped.find('/'), std::string::npos) << base;
        EXPECT_FALSE(escaped.starts_with('.')) << base;
        EXPECT_EQ(sync::unescape_base(escaped), std::optional<std::string>(base)) << base;
    }
    EXPECT_EQ(sync::unescape_base("%2fusr%2fbin%2fman"), "/usr/bin/man");  // either case
    for (const char* bad : {"", ".", "..", "%", "%2", "a%zz", "%00"})
        EXPECT_EQ(sync::unescape_base(bad), std::nullopt) << bad;
}

TEST(SyncLayersDirectory, XdgConfigHomeWhenAbsoluteElseHomeDotConfig) {
    EXPECT_EQ(sync::layers_directory("/x/cfg", "/home/a"), "/x/cfg/aalayer/layers");
    EXPECT_EQ(sync::layers_directory(nullptr, "/home/a"), "/home/a/.config/aalayer/layers");
    EXPECT_EQ(sync::layers_directory("", "/home/a"), "/home/a/.config/aalayer/layers");
    EXPECT_EQ(sync::layers_directory("relative", "/home/a"), "/home/a/.config/aalayer/layers");
    EXPECT_EQ(sync::layers_directory(nullptr, ""), "");
}

TEST(SyncLayerFiles, ReadsBaseDirectoriesAndSkipsTheRest) {
    TempDir dir;
    dir.write("firefox/banking.layer", "owner @{HOME}/bank/** rw,\n");
    dir.write("firefox/everyday.layer", "");
    dir.write("firefox/notes.txt", "not a layer");
    dir.write("firefox/banking.layer~", "an editor's backup");
    dir.write("firefox/.banking.layer.swp", "a swap file");
    dir.write("%2Fusr%2Fbin%2Fman/m.layer", "/etc/** r,\n");
    dir.write(".git/config", "[core]\n");
    dir.write("bad%zz/x.layer", "");
    dir.write("README", "top-level files are not bases");
    const auto read = sync::read_layer_files(dir.path());
    ASSERT_EQ(read.files.size(), 3U);
    EXPECT_EQ(read.files[0].base, "/usr/bin/man");
    EXPECT_EQ(read.files[0].name, "m");
    EXPECT_EQ(read.files[0].text, "/etc/** r,\n");
    EXPECT_EQ(read.files[0].path, dir.path() + "/%2Fusr%2Fbin%2Fman/m.layer");
    EXPECT_EQ(read.files[1].base, "firefox");
    EXPECT_EQ(read.files[1].name, "banking");
    EXPECT_EQ(read.files[2].name, "everyday");
    EXPECT_EQ(read.files[2].text, "");
    ASSERT_EQ(read.problems.size(), 1U);
    EXPECT_EQ(read.problems[0], dir.path() +
                                    "/bad%zz: skipped: not a base's name (a '%' must be followed by two hex "
                                    "digits)");
    EXPECT_TRUE(sync::read_layer_files(dir.path() + "/missing").files.empty());
}

TEST(SyncMark, LastLineOfWhatSyncSends) {
    const std::string mark(sync::kSyncMark);
    EXPECT_EQ(sync::marked_text("a r,\n"), "a r,\n" + mark + "\n");
    EXPECT_EQ(sync::marked_text("a r,"), "a r,\n" + mark + "\n");
    EXPECT_EQ(sync::marked_text(""), mark + "\n");
    EXPECT_TRUE(sync::is_marked(sync::marked_text("a r,\n")));
    EXPECT_TRUE(sync::is_marked(mark));
    EXPECT_FALSE(sync::is_marked("a r,\n"));
    EXPECT_FALSE(sync::is_marked(mark + "\na r,\n"));  // not the last line
    EXPECT_FALSE(sync::is_marked("x" + mark + "\n"));  // not the whole line
}

sync::LayerFile file(const std::string& base, const std::string& name, const std::string& text) {
    return {base, name, "/cfg/" + sync::escape_base(base) + "/" + name + ".layer", text};
}

sync::ServiceLayer layer(const std::string& base, const std::string& name, const std::string& text,
                         const std::string& origin = "user") {
    return {base, name, text, origin};
}

std::string plan_text(const std::vector<sync::Action>& actions) {
    std::string out;
    for (const auto& a : actions)
        out += std::string(sync::kind_word(a.kind)) + " " + a.base + "/" + a.name + "\n";
    return out;
}

TEST(SyncPlan, AddsReplacesWhatDiffersAndRemovesOnlyWhatItApplied) {
    const std::vector<sync::LayerFile> files{
        file("app", "new", "a r,\n"), file("app", "same", "b r,\n"), file("app", "edited", "c rw,\n"),
        file("/usr/bin/man", "m", "d r,\n"), file("app", "byhand", "e r,\n")};
    const std::vector<sync::ServiceLayer> layers{
        layer("app", "same", sync::marked_text("b r,\n")),
        layer("app", "edited", sync::marked_text("c r,\n")),
        layer("app", "gone", sync::marked_text("f r,\n")),
        layer("app", "handmade", "g r,\n"),                              // applied by hand: left alone
        layer("app", "standard", "h r,\n", "admin"),                     // an admin's default: left alone
        layer("app", "byhand", "e r,\n"),                                // a file of its name: taken over
        layer("app", "tuned", sync::marked_text("i r,\n"), "replaced"),  // the user's version of a default
    };
    const auto actions = sync::plan(files, layers);
    EXPECT_EQ(plan_text(actions),
              "add /usr/bin/man/m\n"
              "replace app/byhand\n"
              "replace app/edited\n"
              "remove app/gone\n"
              "add app/new\n"
              "reset app/tuned\n");
    EXPECT_EQ(actions[0].text, sync::marked_text("d r,\n"));
    EXPECT_EQ(actions[0].path, "/cfg/%2Fusr%2Fbin%2Fman/m.layer");
    EXPECT_EQ(actions[2].text, sync::marked_text("c rw,\n"));
    EXPECT_TRUE(actions[3].text.empty());
}

TEST(SyncPlan, NothingToDoOnceInSync) {
    const std::vector<sync::LayerFile> files{file("app", "a", "a r,\n"), file("app", "b", "")};
    std::vector<sync::ServiceLayer> layers;
    for (const auto& a : sync::plan(files, {})) {
        EXPECT_EQ(a.kind, ActionKind::add);
        layers.push_back(layer(a.base, a.name, a.text));
    }
    EXPECT_EQ(layers.size(), 2U);
    EXPECT_TRUE(sync::plan(files, layers).empty());
    // No files at all: every layer sync applied goes, nothing else.
    layers.push_back(layer("app", "mine", "x r,\n"));
    EXPECT_EQ(plan_text(sync::plan({}, layers)), "remove app/a\nremove app/b\n");
}

}  // namespace
}  // namespace aalayer::test
