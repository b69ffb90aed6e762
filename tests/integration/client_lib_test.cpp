// The client library as a settings panel uses it: typed calls, and change
// notifications (ObjectManager and PropertiesChanged) while another user's
// process and the admin change things.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "client/lib/client.h"
#include "tests/support/service_fixture.h"

namespace aalayer::test {
namespace {

class Events {
public:
    void add(const std::string& path) {
        const std::lock_guard lock(mutex_);
        paths_.push_back(path);
        changed_.notify_all();
    }
    // Waits until `path` has been seen `count` times.
    bool wait_for(const std::string& path, std::size_t count) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(15), [&] {
            return static_cast<std::size_t>(std::count(paths_.begin(), paths_.end(), path)) >= count;
        });
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> paths_;
};

TEST(ClientLibrary, TypedCallsAndChangeNotifications) {
    Service s;
    auto client = client::Client::connect(s.bus().address());
    EXPECT_EQ(client->backend(), "compile-only");
    Events events;
    client->subscribe([&](const std::string& path) { events.add(path); });

    // Another user applies a layer: it appears.
    ASSERT_EQ(s.apply(kNobody, "w", "owner @{HOME}/** rw,\n").exit_code, 0) << s.log();
    const std::string path = layer_path(kNobody, "w");
    ASSERT_TRUE(events.wait_for(path, 1)) << "no InterfacesAdded for " << path;
    const auto layers = client->layers();
    ASSERT_EQ(layers.size(), 1U);
    EXPECT_EQ(layers[0].owner, kNobody);
    EXPECT_EQ(layers[0].state, "compiled");
    // Root (this process) may read it.
    EXPECT_EQ(client->source(path), "owner @{HOME}/** rw,\n");

    // The admin narrows the grant: the layer changes state or findings.
    s.set_grant("grant app {\n  owner @{HOME}/** r,\n}\n");
    ASSERT_TRUE(events.wait_for(path, 2)) << "no PropertiesChanged after the grant changed";
    const auto findings = client->findings(path);
    ASSERT_FALSE(findings.empty());
    EXPECT_EQ(findings[0].severity, "warning");
    EXPECT_NE(findings[0].message.find("beyond the grant"), std::string::npos);

    // Removed: InterfacesRemoved.
    ASSERT_EQ(s.call(kNobody, {"remove", "app", "w"}).exit_code, 0);
    ASSERT_TRUE(events.wait_for(path, 3)) << "no InterfacesRemoved";
    EXPECT_TRUE(client->layers().empty());

    // Errors arrive typed.
    try {
        (void)client->explain("app", "nope", "/x");
        ADD_FAILURE() << "no error";
    } catch (const client::CallError& e) {
        EXPECT_EQ(e.short_name(), "NoSuchLayer");
    }
}

}  // namespace
}  // namespace aalayer::test
