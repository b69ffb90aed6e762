// One-run layers in the service logic (LayerManager::run_layer): composed as
// an apply, loaded, never stored, outside the quota, capped on their own,
// and unloaded once their client left and no process runs under them.
#include <gtest/gtest.h>

#include "tests/service/manager_fixture.h"

namespace aalayer::service {
namespace {

class OneRunTest : public LayerManagerTest {
protected:
    RunRequest request(const std::string& path, const std::string& perms = "") {
        RunRequest r;
        r.base = "app";
        r.allows.push_back({path, perms});
        return r;
    }
    std::size_t stored() {
        std::vector<std::string> problems;
        return store.load_all(problems).value().size();
    }
};

TEST_F(OneRunTest, LoadedNeverStoredAndGoneWithItsClient) {
    auto run = manager().run_layer(kAlice, request("/home/alice/docs/report [final].txt"));
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(run->name, "run.1");
    EXPECT_EQ(run->label, "app//&app//aalayer.1000.run.1");
    // The grant gives the owner alone: so does the rule, and nothing is clipped.
    EXPECT_EQ(run->text, "owner \"/home/alice/docs/report \\[final\\].txt\" r,\n");
    EXPECT_TRUE(run->findings.empty());
    EXPECT_TRUE(kernel.loaded_text("app//aalayer.1000.run.1").has_value());
    EXPECT_EQ(stored(), 0U);
    EXPECT_TRUE(manager().layers().empty());  // no Layer1 object, in nobody's list
    auto mine = manager().explain(kAlice, 1000, "app", "run.1", "/home/alice/docs/report [final].txt");
    ASSERT_TRUE(mine) << mine.error().message;
    EXPECT_EQ(mine->perms, "owner=r other=");
    EXPECT_EQ(manager().explain(kAlice, 1000, "app", "run.1", "/home/alice/docs/report f.txt")->perms,
              "owner= other=");
    // Another user can neither see it nor ask about it.
    auto bobs = manager().explain(kBob, 1000, "app", "run.1", "/home/alice/docs/report [final].txt");
    ASSERT_FALSE(bobs);
    EXPECT_EQ(bobs.error().kind, ServiceErrorKind::NoSuchLayer);

    // Another bus name leaving changes nothing.
    EXPECT_FALSE(manager().run_client_gone(":1.99"));
    EXPECT_EQ(manager().sweep_runs(), 0U);
    EXPECT_EQ(manager().runs(), 1U);
    EXPECT_TRUE(manager().run_client_gone(kAlice.bus_name));
    EXPECT_EQ(manager().sweep_runs(), 0U);
    EXPECT_EQ(manager().runs(), 0U);
    EXPECT_FALSE(kernel.loaded_text("app//aalayer.1000.run.1").has_value());
    EXPECT_FALSE(manager().explain(kAlice, 1000, "app", "run.1", "/home/alice/docs/x"));
}

TEST_F(OneRunTest, KeptWhileAProcessRunsUnderItAfterTheClientLeft) {
    auto run = manager().run_layer(kAlice, request("/home/alice/docs/a"));
    ASSERT_TRUE(run);
    const std::string kernel_name = "app//aalayer.1000." + run->name;
    kernel.busy.insert(kernel_name);
    EXPECT_TRUE(manager().run_client_gone(kAlice.bus_name));
    EXPECT_EQ(manager().sweep_runs(), 1U);
    EXPECT_TRUE(kernel.loaded_text(kernel_name).has_value());
    kernel.busy.clear();
    EXPECT_EQ(manager().sweep_runs(), 0U);
    EXPECT_FALSE(kernel.loaded_text(kernel_name).has_value());
}

TEST_F(OneRunTest, AClientGoneBeforeItsRunLoadedIsNotForgotten) {
    manager().run_client_gone(kAlice.bus_name);
    auto run = manager().run_layer(kAlice, request("/home/alice/docs/a"));
    ASSERT_TRUE(run);
    EXPECT_EQ(manager().sweep_runs(), 0U);
    EXPECT_EQ(manager().runs(), 0U);
}

TEST_F(OneRunTest, CappedOnItsOwnOutsideTheQuota) {
    limits.max_layers_per_user = 1;
    limits.max_runs_per_user = 2;
    ASSERT_TRUE(manager().apply(kAlice, std::nullopt, "app", "one", "owner @{HOME}/docs/** r,\n", {}));
    ASSERT_TRUE(manager().run_layer(kAlice, request("/home/alice/docs/a")));
    ASSERT_TRUE(manager().run_layer(kAlice, request("/home/alice/docs/b")));
    auto third = manager().run_layer(kAlice, request("/home/alice/docs/c"));
    ASSERT_FALSE(third);
    EXPECT_EQ(third.error().kind, ServiceErrorKind::LimitExceeded);
    EXPECT_NE(third.error().message.find("max_runs_per_user"), std::string::npos);
    // Bob's cap is his own.
    EXPECT_TRUE(manager().run_layer(kBob, request("/home/bob/docs/a")));
    // The runs take no place in the quota, nor the quota in the runs' cap.
    auto second_layer = manager().apply(kAlice, std::nullopt, "app", "two", "owner @{HOME}/docs/** r,\n", {});
    ASSERT_FALSE(second_layer);
    EXPECT_NE(second_layer.error().message.find("already has 1 layers"), std::string::npos)
        << second_layer.error().message;
    manager().run_client_gone(kAlice.bus_name);
    manager().sweep_runs();
    EXPECT_TRUE(manager().run_layer(kAlice, request("/home/alice/docs/c")));
}

TEST_F(OneRunTest, FindingsAndStrict) {
    // Outside the grant: clipped, said so.
    auto run = manager().run_layer(kAlice, request("/etc/passwd"));
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_FALSE(run->findings.empty());
    auto strict = request("/etc/passwd");
    strict.strict = true;
    auto refused = manager().run_layer(kAlice, strict);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ServiceErrorKind::InvalidLayer);
    EXPECT_EQ(manager().runs(), 1U);  // nothing loaded for the refused one
}

TEST_F(OneRunTest, RefusedRequests) {
    auth.decisions[{1000, kActionManageOwn}] = Decision::Denied;
    auto denied = manager().run_layer(kAlice, request("/home/alice/docs/a"));
    ASSERT_FALSE(denied);
    EXPECT_EQ(denied.error().kind, ServiceErrorKind::PermissionDenied);
    auto relative = manager().run_layer(kBob, request("docs/a"));
    ASSERT_FALSE(relative);
    EXPECT_EQ(relative.error().kind, ServiceErrorKind::InvalidArgument);
    auto nobase = request("/home/bob/docs/a");
    nobase.base = "nope";
    EXPECT_EQ(manager().run_layer(kBob, nobase).error().kind, ServiceErrorKind::NoSuchBase);
    EXPECT_EQ(manager().runs(), 0U);
}

TEST_F(OneRunTest, LeftoversOfAPreviousServiceAreUnloadedOnceUnused) {
    kernel.loaded["app//aalayer.1000.run.7"] = "profile x {}";
    kernel.loaded["app//aalayer.1000.run.8"] = "profile y {}";
    kernel.loaded["app//aalayer.1000.mine"] = "profile z {}";  // a stored layer's name: not touched
    kernel.busy.insert("app//aalayer.1000.run.8");
    EXPECT_EQ(manager().runs(), 1U);
    EXPECT_FALSE(kernel.loaded_text("app//aalayer.1000.run.7").has_value());
    EXPECT_TRUE(kernel.loaded_text("app//aalayer.1000.run.8").has_value());
    EXPECT_TRUE(kernel.loaded_text("app//aalayer.1000.mine").has_value());
    // A new run does not take a leftover's name.
    auto run = manager().run_layer(kAlice, request("/home/alice/docs/a"));
    ASSERT_TRUE(run);
    EXPECT_EQ(run->name, "run.9");
    kernel.busy.clear();
    manager().sweep_runs();
    EXPECT_FALSE(kernel.loaded_text("app//aalayer.1000.run.8").has_value());
    EXPECT_EQ(manager().runs(), 1U);
}

}  // namespace
}  // namespace aalayer::service
