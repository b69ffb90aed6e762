// The bus loop's timed tasks (post_at): each runs on the loop's thread, in
// time order and not before its time, while the bus is served; none after stop.
#include "service/bus/bus_loop.h"

#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>

#include "tests/support/bus_harness.h"

namespace aalayer::service {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(BusLoop, RunsTimedTasksInOrderNotBeforeTheirTime) {
    const test::PrivateSystemBus bus;
    auto connection = sdbus::createSessionBusConnectionWithAddress(bus.address());
    BusLoop loop(*connection);
    const auto start = Clock::now();
    struct Ran {
        int id;
        Clock::duration after;
        std::thread::id thread;
    };
    std::vector<Ran> ran;
    const auto task = [&](int id) {
        return [&, id] { ran.push_back({id, Clock::now() - start, std::this_thread::get_id()}); };
    };
    loop.post_at(start + 150ms, task(3));
    loop.post_at(start + 50ms, task(2));
    loop.post_at(start, task(1));
    // From another thread, while the loop waits for the others.
    std::thread other([&] {
        std::this_thread::sleep_for(20ms);
        loop.post_at(Clock::now() + 80ms, task(4));  // due at about 100 ms
        loop.post_at(start + 200ms, [&] { loop.stop(); });
        loop.post_at(start + 10s, task(5));  // the loop stops first
    });
    EXPECT_TRUE(loop.run());
    other.join();
    ASSERT_EQ(ran.size(), 4U);
    const std::vector<int> order{ran[0].id, ran[1].id, ran[2].id, ran[3].id};
    EXPECT_EQ(order, (std::vector<int>{1, 2, 4, 3}));
    EXPECT_GE(ran[1].after, 50ms);
    EXPECT_GE(ran[2].after, 100ms);
    EXPECT_GE(ran[3].after, 150ms);
    for (const auto& r : ran)
        EXPECT_EQ(r.thread, std::this_thread::get_id());
}

}  // namespace
}  // namespace aalayer::service
