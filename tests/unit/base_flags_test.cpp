// Base profiles whose flags change what the kernel enforces: AppArmor 4's
// flags=(unconfined) (Debian 13 ships Firefox's profile so) mediates nothing,
// so outside the grant such a base allows everything and inside it only the
// layer restricts; the child is the same as for any base.
#include <gtest/gtest.h>

#include "policy/engine/compose.h"
#include "policy/engine/grant.h"
#include "policy/engine/identity.h"
#include "policy/source/memory_reader.h"
#include "tests/support/default_limits.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kLayerLimits;
using aalayer::test::kPermissionLimits;

namespace aalayer::policy {
namespace {

Result<Composition> compose_on(const std::string& base_header, const std::string& layer) {
    MemoryReader reader;
    reader.add("/sys/tunables/global", "@{PROC}=/proc\n");
    reader.add("/sys/app", "abi <abi/4.0>,\nprofile app /usr/bin/app " + base_header +
                               "{\n  userns,\n  /etc/app.conf r,\n}\n");
    reader.add("/grants/app.conf", "grant app {\n  owner @{HOME}/** rw,\n}\n");
    LoadOptions options;
    options.include_dirs = {"/sys"};
    const Loader system(reader, options);
    options.predefined =
        user_variables(load_tunables(system).value(), UserIdentity{1000, "alice", "/home/alice"});
    const Loader user(reader, options);
    auto base = compile_base(system, "/sys/app", "app", kPermissionLimits);
    if (!base) return base.take_error();
    const Loader grant_loader(reader, grant_load_options(options));
    auto grants = read_grants(grant_loader.load_file("/grants/app.conf").value()).value();
    auto grant = compile_grant(grants.front(), kPermissionLimits).value();
    auto bounds = prepare_bounds(std::make_shared<const BasePolicy>(std::move(*base)),
                                 std::make_shared<const CompiledGrant>(std::move(grant)), kDfaLimits)
                      .value();
    return compose(bounds, read_layer(user, layer, "t.layer", kLayerLimits), LayerId{1000, "t"});
}

TEST(BaseFlags, AnUnconfinedBaseAllowsEverythingOutsideTheGrant) {
    auto c = compose_on("flags=(unconfined) ", "owner @{HOME}/Documents/** r,\ndeny /etc/shadow r,\n");
    ASSERT_TRUE(c.ok()) << c.error().format();
    ASSERT_TRUE(c->valid());
    const PermPair all{perm::kAll, perm::kAll};
    EXPECT_EQ(c->explain("/usr/lib/libc.so.6").perms, all);
    EXPECT_FALSE(c->explain("/usr/lib/libc.so.6").in_grant);
    // What the layer denies stays denied, outside the grant too.
    EXPECT_EQ(c->explain("/etc/shadow").perms.owner & perm::kRead, 0U);
    // Inside the grant the layer decides, within the grant's permissions.
    EXPECT_EQ(c->explain("/home/alice/Documents/a").perms, (PermPair{perm::kRead, 0}));
    EXPECT_EQ(c->explain("/home/alice/.ssh/id_rsa").perms, PermPair{});
    bool says_unconfined = false;
    for (const auto& r : c->explain("/usr/lib/libc.so.6").reasons)
        says_unconfined = says_unconfined || r.rule.find("unconfined") != std::string::npos;
    EXPECT_TRUE(says_unconfined) << "the explanation names the flag that decided";
}

TEST(BaseFlags, AConfinedBaseAllowsOnlyItsRules) {
    auto c = compose_on("", "owner @{HOME}/Documents/** r,\n");
    ASSERT_TRUE(c.ok()) << c.error().format();
    EXPECT_EQ(c->explain("/usr/lib/libc.so.6").perms, PermPair{});
    EXPECT_EQ(c->explain("/etc/app.conf").perms, (PermPair{perm::kRead, perm::kRead}));
    EXPECT_EQ(c->explain("/home/alice/Documents/a").perms, PermPair{});  // the base allows nothing there
}

}  // namespace
}  // namespace aalayer::policy
