// aalayer sync against aalayerd on a private bus (real polkitd and
// apparmor_parser, compile-only): layer files in a scratch home of nobody's,
// the plan, applying it, a second sync with nothing to do, edits and
// deletions, a layer applied by hand left alone, a failed apply reported
// while the rest is done, and a second machine (a second aalayerd with its
// own state) syncing from the same home. The admin's default layers are given
// only to people (uids in login.defs' UID_MIN..UID_MAX), and the test's users
// are system accounts: the plan's handling of them is tests/cli/sync_plan_test.cpp's.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/sync/sync_plan.h"
#include "tests/support/json_reader.h"
#include "tests/support/service_fixture.h"

namespace aalayer::test {
namespace {

namespace fs = std::filesystem;

// A home of nobody's: its layer files in config/aalayer/layers (XDG_CONFIG_HOME).
class Home {
public:
    Home() {
        fs::create_directories(layers());
        for (const auto& p : fs::recursive_directory_iterator(dir_.path()))
            ::chown(p.path().c_str(), kNobody, gid_of(kNobody));
        ::chown(dir_.path().c_str(), kNobody, gid_of(kNobody));
    }
    [[nodiscard]] std::string layers() const { return dir_.path() + "/config/aalayer/layers"; }
    void write(const std::string& base, const std::string& name, const std::string& text) const {
        const std::string dir = layers() + "/" + sync::escape_base(base);
        fs::create_directories(dir);
        std::ofstream(dir + "/" + name + ".layer", std::ios::binary | std::ios::trunc) << text;
    }
    void erase(const std::string& base, const std::string& name) const {
        fs::remove(layers() + "/" + sync::escape_base(base) + "/" + name + ".layer");
    }
    [[nodiscard]] std::vector<std::string> env() const {
        return {"HOME=" + dir_.path(), "XDG_CONFIG_HOME=" + dir_.path() + "/config"};
    }

private:
    TempDir dir_;
};

ProcessResult aalayer(const Service& s, const Home& home, std::vector<std::string> args) {
    args.insert(args.begin(), env_or("AALAYER_CLI", "aalayer"));
    return s.run_client(kNobody, args, home.env());
}

std::string list(const Service& s, const Home& home) {
    return aalayer(s, home, {"list"}).out;
}

std::string source(const Service& s, const Home& home, const std::string& layer) {
    const auto r = aalayer(s, home, {"show", layer, "--json"});
    auto j = JsonReader(r.out).document();
    return j && j->get("source") != nullptr ? j->get("source")->text : "(no layer " + layer + ")";
}

TEST(Sync, PlansAppliesThenHasNothingToDo) {
    Service s;
    Home home;
    home.write("app", "banking", "owner @{HOME}/bank/** rw,\n");
    home.write("app", "everyday", "owner @{HOME}/** r,\n");
    ASSERT_EQ(aalayer(s, home, {"apply", "app/byhand", s.text_file("owner @{HOME}/h/** r,\n")}).exit_code, 0);

    const auto dry = aalayer(s, home, {"sync", "--dry-run"});
    ASSERT_EQ(dry.exit_code, 0) << dry.err << s.log();
    EXPECT_EQ(dry.out, "add app/banking\nadd app/everyday\n(dry run: nothing changed)\n");
    EXPECT_EQ(list(s, home), "LAYER       STATE     MODE\napp/byhand  compiled  enforce\n");
    const auto planned = JsonReader(aalayer(s, home, {"sync", "--dry-run", "--json"}).out).document();
    ASSERT_TRUE(planned);
    EXPECT_EQ(planned->get("directory")->text, home.layers());
    ASSERT_EQ(planned->get("actions")->items.size(), 2U);
    EXPECT_EQ(planned->get("actions")->items[0].get("action")->text, "add");
    EXPECT_EQ(planned->get("actions")->items[0].get("layer")->text, "app/banking");
    EXPECT_EQ(planned->get("actions")->items[0].get("file")->text, home.layers() + "/app/banking.layer");
    EXPECT_FALSE(planned->get("actions")->items[0].get("done")->boolean);

    const auto applied = aalayer(s, home, {"sync"});
    ASSERT_EQ(applied.exit_code, 0) << applied.err << s.log();
    EXPECT_EQ(applied.out, "add app/banking\nadd app/everyday\n");
    EXPECT_EQ(list(s, home),
              "LAYER         STATE     MODE\n"
              "app/banking   compiled  enforce\n"
              "app/byhand    compiled  enforce\n"
              "app/everyday  compiled  enforce\n");
    EXPECT_EQ(source(s, home, "app/banking"), sync::marked_text("owner @{HOME}/bank/** rw,\n"));

    const auto again = aalayer(s, home, {"sync"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(again.out, "nothing to do: your layers match " + home.layers() + "\n");
    EXPECT_EQ(again.err, "");

    // An edited file replaces its layer; a deleted one removes it; the layer applied by hand stays.
    home.write("app", "banking", "owner @{HOME}/bank/** r,\n");
    home.erase("app", "everyday");
    const auto edited = aalayer(s, home, {"sync"});
    ASSERT_EQ(edited.exit_code, 0) << edited.err;
    EXPECT_EQ(edited.out, "replace app/banking\nremove app/everyday\n");
    EXPECT_EQ(source(s, home, "app/banking"), sync::marked_text("owner @{HOME}/bank/** r,\n"));
    EXPECT_EQ(list(s, home),
              "LAYER        STATE     MODE\n"
              "app/banking  compiled  enforce\n"
              "app/byhand   compiled  enforce\n");

    // A layer sync applied and then changed by hand is put back to its file.
    ASSERT_EQ(aalayer(s, home, {"apply", "app/banking", s.text_file("owner @{HOME}/x/** r,\n")}).exit_code,
              0);
    EXPECT_EQ(aalayer(s, home, {"sync"}).out, "replace app/banking\n");

    // Every file gone: only what sync applied goes.
    fs::remove_all(home.layers());
    const auto emptied = aalayer(s, home, {"sync"});
    ASSERT_EQ(emptied.exit_code, 0) << emptied.err;
    EXPECT_EQ(emptied.out, "remove app/banking\n");
    EXPECT_EQ(list(s, home), "LAYER       STATE     MODE\napp/byhand  compiled  enforce\n");
}

TEST(Sync, AFailedApplyIsReportedAndTheRestIsDone) {
    Service s;
    Home home;
    home.write("app", "bad", "owner @{HOME}/** r,\n/usr/bin/x px,\n");
    home.write("app", "good", "owner @{HOME}/** r,\n");
    home.write("nobase", "x", "owner @{HOME}/** r,\n");
    const auto r = aalayer(s, home, {"sync"});
    EXPECT_EQ(r.exit_code, 1);  // the first failure's: the layer has errors
    EXPECT_EQ(r.out, "add app/bad\nadd app/good\nadd nobase/x\n");
    const std::string bad = home.layers() + "/app/bad.layer";
    EXPECT_NE(r.err.find(bad + ":2:1: error: exec transition 'px' is not allowed in a layer"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("aalayer: app/bad: not applied: the layer has errors\n"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("aalayer: nobase/x: not applied: "), std::string::npos) << r.err;
    EXPECT_EQ(list(s, home), "LAYER     STATE     MODE\napp/good  compiled  enforce\n");
    const auto j = JsonReader(aalayer(s, home, {"sync", "--json"}).out).document();
    ASSERT_TRUE(j);
    const auto& actions = j->get("actions")->items;
    ASSERT_EQ(actions.size(), 2U);
    EXPECT_FALSE(actions[0].get("done")->boolean);
    EXPECT_EQ(actions[0].get("error")->text, "app/bad: not applied: the layer has errors");
    ASSERT_EQ(actions[0].get("findings")->items.size(), 1U);
    EXPECT_EQ(actions[0].get("findings")->items[0].get("file")->text, bad);
    EXPECT_EQ(actions[0].get("findings")->items[0].get("line")->text, "2");
}

TEST(Sync, ASecondMachineSharingTheHomeGetsTheSameLayers) {
    Service first;
    Service second;  // its own bus, aalayerd and state directory: another machine
    Home home;
    home.write("app", "banking", "owner @{HOME}/bank/** rw,\n");
    home.write("app", "everyday", "owner @{HOME}/** r,\n");
    ASSERT_EQ(aalayer(first, home, {"sync"}).out, "add app/banking\nadd app/everyday\n");
    const auto there = aalayer(second, home, {"sync"});
    ASSERT_EQ(there.exit_code, 0) << there.err << second.log();
    EXPECT_EQ(there.out, "add app/banking\nadd app/everyday\n");
    EXPECT_EQ(list(second, home), list(first, home));
    EXPECT_EQ(source(second, home, "app/banking"), source(first, home, "app/banking"));
    // A file deleted on one machine: each machine's sync removes the layer there.
    home.erase("app", "everyday");
    EXPECT_EQ(aalayer(first, home, {"sync"}).out, "remove app/everyday\n");
    EXPECT_EQ(aalayer(second, home, {"sync"}).out, "remove app/everyday\n");
    EXPECT_EQ(list(second, home), "LAYER        STATE     MODE\napp/banking  compiled  enforce\n");
}

}  // namespace
}  // namespace aalayer::test
