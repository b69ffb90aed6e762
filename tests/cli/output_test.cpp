// What aalayer prints that needs no service: list's table, remove's output,
// owners' names from the real passwd database, and its wording of the
// service's errors (client/cli/output.h, client/cli/messages.h).
#include "client/cli/output.h"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pwd.h>

#include "client/cli/messages.h"
#include "tests/support/json_reader.h"

namespace aalayer::test {
namespace {

client::Layer layer(const std::string& base, const std::string& name, const std::string& state,
                    const std::string& mode, std::uint32_t owner) {
    client::Layer l;
    l.base = base;
    l.name = name;
    l.state = state;
    l.mode = mode;
    l.owner = owner;
    return l;
}

std::string uid_text(std::uint32_t uid) {
    return "uid" + std::to_string(uid);
}

TEST(ListTable, HeaderAndColumnsAlignedTwoSpacesApart) {
    const std::vector<client::Layer> layers{layer("firefox", "banking", "active", "enforce", 1000),
                                            layer("/usr/bin/man", "m", "review", "complain", 7)};
    EXPECT_EQ(cli::layer_table(layers, false, uid_text),
              "LAYER            STATE   MODE\n"
              "firefox/banking  active  enforce\n"
              "/usr/bin/man/m   review  complain\n");
    EXPECT_EQ(cli::layer_table(layers, true, uid_text),
              "LAYER            STATE   MODE      OWNER\n"
              "firefox/banking  active  enforce   uid1000\n"
              "/usr/bin/man/m   review  complain  uid7\n");
    // A short column is as wide as its header.
    EXPECT_EQ(cli::layer_table({layer("a", "b", "x", "y", 0)}, false, uid_text),
              "LAYER  STATE  MODE\n"
              "a/b    x      y\n");
}

// The origin column comes with the admin's default layers, and says whose each is.
TEST(ListTable, OriginsWhenTheAdminGaveDefaults) {
    auto standard = layer("firefox", "standard", "active", "enforce", 1000);
    standard.origin = "admin";
    auto mine = layer("firefox", "mine", "active", "enforce", 1000);
    auto copy = layer("firefox", "private", "review", "complain", 1000);
    copy.origin = "replaced";
    EXPECT_EQ(cli::layer_table({standard, mine, copy}, true, uid_text),
              "LAYER             STATE   MODE      ORIGIN    OWNER\n"
              "firefox/standard  active  enforce   admin     uid1000\n"
              "firefox/mine      active  enforce   user      uid1000\n"
              "firefox/private   review  complain  replaced  uid1000\n");
}

TEST(ListTable, SaysWhenThereAreNone) {
    EXPECT_EQ(cli::layer_table({}, false, uid_text), "no layers\n");
    EXPECT_EQ(cli::layer_table({}, true, uid_text), "no layers\n");
}

TEST(ListTable, OwnersByTheirPasswdNameElseTheUid) {
    // Real lookups: root is uid 0 everywhere; the first uid from 4000000000 up without an entry.
    EXPECT_EQ(cli::user_name(0), "root");
    const passwd* pw = ::getpwuid(65534);
    ASSERT_NE(pw, nullptr);
    EXPECT_EQ(cli::user_name(65534), pw->pw_name);
    std::uint32_t unknown = 4'000'000'000U;
    while (::getpwuid(unknown) != nullptr)
        ++unknown;
    EXPECT_EQ(cli::user_name(unknown), std::to_string(unknown));
}

TEST(RemoveOutput, TextAndJson) {
    EXPECT_EQ(cli::removed_text("app/x", false), "removed app/x");
    const auto j = JsonReader(cli::removed_text("app/x", true)).document();
    ASSERT_TRUE(j.has_value());
    EXPECT_EQ(j->get("layer")->text, "app/x");
    EXPECT_EQ(j->get("removed")->kind, Json::Kind::Bool);
    EXPECT_TRUE(j->get("removed")->boolean);
}

// What service/core/layer_manager.cpp says when polkit wants authentication.
const std::string kChallenge =
    "not authorized for org.aalayer.manage-own: authentication is required; call again with "
    "interactive=true from a session with a polkit agent";

TEST(ErrorMessages, AuthenticationNamesTheOption) {
    const std::string denied = "org.aalayer.Error.PermissionDenied";
    EXPECT_EQ(cli::error_message(denied, kChallenge, false),
              "not authorized for org.aalayer.manage-own: authentication is required: run it again with "
              "--interactive, from a session where a polkit authentication agent is running");
    const std::string with = cli::error_message(denied, kChallenge, true);
    EXPECT_TRUE(
        with.starts_with("not authorized for org.aalayer.manage-own: authentication is required, "
                         "and no polkit authentication agent answered"))
        << with;
    EXPECT_EQ(with.find("interactive=true"), std::string::npos);
    // Anything else as the service said it.
    EXPECT_EQ(cli::error_message(denied, "not authorized for org.aalayer.manage-own", false),
              "not authorized for org.aalayer.manage-own");
    EXPECT_EQ(cli::error_message("org.aalayer.Error.NoSuchLayer", "no layer app/x", false), "no layer app/x");
    EXPECT_EQ(cli::error_message("org.freedesktop.DBus.Error.ServiceUnknown", "not there", false),
              "the aalayer service is not available (not there)");
}

}  // namespace
}  // namespace aalayer::test
