// The worker pool's lanes: queries go before queued applies and always
// find a thread, however many applies are stuck; a full queue refuses.
#include "service/bus/worker_pool.h"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>

namespace aalayer::service {
namespace {

using Lane = WorkerPool::Lane;

TEST(WorkerPool, QuickWorkIsServedWhileSlowWorkIsStuck) {
    std::promise<void> release;
    const std::shared_future<void> released = release.get_future().share();
    std::atomic<int> slow_started{0};
    {
        WorkerPool pool(3, 64);
        for (int i = 0; i < 5; ++i) {
            ASSERT_TRUE(pool.post(
                [&] {
                    ++slow_started;
                    released.wait();  // as an apply waiting for a stalled polkitd
                },
                Lane::Slow));
        }
        // Two of three threads take slow work; the rest of it waits its turn.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (slow_started.load() < 2 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ASSERT_EQ(slow_started.load(), 2);
        std::promise<void> quick_done;
        auto done = quick_done.get_future();
        ASSERT_TRUE(pool.post([&] { quick_done.set_value(); }, Lane::Quick));
        EXPECT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        EXPECT_EQ(slow_started.load(), 2);  // the third thread stayed free for quick work
        release.set_value();
    }  // the destructor finishes what was queued
    EXPECT_EQ(slow_started.load(), 5);
}

TEST(WorkerPool, AFullQueueRefusesAtOnce) {
    std::promise<void> release;
    const std::shared_future<void> released = release.get_future().share();
    std::promise<void> started;
    WorkerPool pool(1, 2);
    ASSERT_TRUE(pool.post([&] {
        started.set_value();
        released.wait();
    }));
    started.get_future().wait();
    // The one thread is busy: two may wait, in either lane; the rest is refused.
    int accepted = 0;
    for (int i = 0; i < 5; ++i)
        accepted += pool.post([] {}, i % 2 == 0 ? Lane::Quick : Lane::Slow) ? 1 : 0;
    EXPECT_EQ(accepted, 2);
    release.set_value();
}

}  // namespace
}  // namespace aalayer::service
