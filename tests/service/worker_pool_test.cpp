// The worker pool: queries go before queued applies and always find a
// thread, however many applies are stuck; users are served in turn and one
// user never holds every thread; full queues refuse; shutdown drops what
// waits and waits for what runs; for_each lends the threads to one job.
#include "service/bus/worker_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace aalayer::service {
namespace {

using Lane = WorkerPool::Lane;
using Posted = WorkerPool::Posted;

bool wait_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return done();
}

TEST(WorkerPool, QuickWorkIsServedWhileSlowWorkIsStuck) {
    std::promise<void> release;
    const std::shared_future<void> released = release.get_future().share();
    std::atomic<int> slow_started{0};
    {
        WorkerPool pool({3, 64, 64});
        for (int i = 0; i < 5; ++i) {
            ASSERT_EQ(pool.post(
                          1000U + static_cast<unsigned>(
                                      i),  // one user each: the per-user share is not what is tested
                          [&] {
                              ++slow_started;
                              released.wait();  // as an apply waiting for a stalled polkitd
                          },
                          Lane::Slow),
                      Posted::Queued);
        }
        // Two of three threads take slow work; the rest of it waits its turn.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (slow_started.load() < 2 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ASSERT_EQ(slow_started.load(), 2);
        std::promise<void> quick_done;
        auto done = quick_done.get_future();
        ASSERT_EQ(pool.post(
                      7, [&] { quick_done.set_value(); }, Lane::Quick),
                  Posted::Queued);
        EXPECT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        EXPECT_EQ(slow_started.load(), 2);  // the third thread stayed free for quick work
        release.set_value();
        ASSERT_TRUE(wait_until([&] { return slow_started.load() == 5; }));
    }
}

TEST(WorkerPool, AFullQueueRefusesAtOnce) {
    std::promise<void> release;
    const std::shared_future<void> released = release.get_future().share();
    std::promise<void> started;
    WorkerPool pool({1, 2, 2});
    ASSERT_EQ(pool.post(1,
                        [&] {
                            started.set_value();
                            released.wait();
                        }),
              Posted::Queued);
    started.get_future().wait();
    // The one thread is busy: two may wait, in either lane; the rest is refused.
    int accepted = 0;
    for (int i = 0; i < 5; ++i) {
        const auto posted = pool.post(
            static_cast<unsigned>(i), [] {}, i % 2 == 0 ? Lane::Quick : Lane::Slow);
        accepted += posted == Posted::Queued ? 1 : 0;
        if (posted != Posted::Queued) {
            EXPECT_EQ(posted, Posted::Full);
        }
    }
    EXPECT_EQ(accepted, 2);
    release.set_value();
}

TEST(WorkerPool, OneUserFloodingDoesNotHoldEveryThreadNorDelayOthers) {
    // A hostile user fills its share of threads with work that does not end
    // and queues more; another user's quick and slow work still runs at once.
    std::promise<void> release;
    const std::shared_future<void> released = release.get_future().share();
    std::atomic<int> hostile_running{0};
    WorkerPool pool({3, 64, 16});
    int queued = 0;
    for (int i = 0; i < 20; ++i) {
        const auto posted = pool.post(
            1001,
            [&] {
                ++hostile_running;
                released.wait();
            },
            i % 2 == 0 ? Lane::Quick : Lane::Slow);
        queued += posted == Posted::Queued ? 1 : 0;
        if (posted != Posted::Queued) {
            EXPECT_EQ(posted, Posted::UserFull);
        }
    }
    // Its own queue is full (16 waiting, and the two it runs taken out of it
    // meanwhile); nobody else's is.
    EXPECT_GE(queued, 16);
    EXPECT_LE(queued, 18);
    ASSERT_TRUE(wait_until([&] { return hostile_running.load() == 2; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(hostile_running.load(), 2);  // threads - 1: one is always left for others
    std::promise<void> quick_done;
    std::promise<void> slow_done;
    ASSERT_EQ(pool.post(
                  1002, [&] { quick_done.set_value(); }, Lane::Quick),
              Posted::Queued);
    EXPECT_EQ(quick_done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
    ASSERT_EQ(pool.post(
                  1002, [&] { slow_done.set_value(); }, Lane::Slow),
              Posted::Queued);
    EXPECT_EQ(slow_done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
    release.set_value();
}

TEST(WorkerPool, UsersAreServedInTurn) {
    // One thread; user A queued 8 tasks before user B queued 2: B's run
    // second and fourth, not after all of A's.
    std::promise<void> release;
    const std::shared_future<void> released = release.get_future().share();
    std::mutex mutex;
    std::vector<std::uint32_t> order;
    WorkerPool pool({1, 64, 16});
    std::promise<void> started;
    ASSERT_EQ(pool.post(9,
                        [&] {
                            started.set_value();
                            released.wait();
                        }),
              Posted::Queued);
    started.get_future().wait();
    const auto record = [&](std::uint32_t uid) {
        return [&, uid] {
            const std::lock_guard lock(mutex);
            order.push_back(uid);
        };
    };
    for (int i = 0; i < 8; ++i)
        ASSERT_EQ(pool.post(1, record(1), Lane::Quick), Posted::Queued);
    for (int i = 0; i < 2; ++i)
        ASSERT_EQ(pool.post(2, record(2), Lane::Slow), Posted::Queued);
    release.set_value();
    ASSERT_TRUE(wait_until([&] {
        const std::lock_guard lock(mutex);
        return order.size() == 10;
    }));
    const std::lock_guard lock(mutex);
    const auto first_b = std::find(order.begin(), order.end(), 2U) - order.begin();
    const auto last_b = std::find(order.rbegin(), order.rend(), 2U).base() - order.begin() - 1;
    EXPECT_LE(first_b, 1);
    EXPECT_LE(last_b, 3);
}

TEST(WorkerPool, ShutdownDropsWhatWaitsAndWaitsForWhatRuns) {
    std::promise<void> release;
    const std::shared_future<void> released = release.get_future().share();
    std::atomic<bool> running_finished{false};
    std::atomic<int> ran{0};
    WorkerPool pool({1, 64, 64});
    std::promise<void> started;
    ASSERT_EQ(pool.post(1,
                        [&] {
                            started.set_value();
                            released.wait();
                            std::this_thread::sleep_for(std::chrono::milliseconds(50));
                            running_finished = true;
                        }),
              Posted::Queued);
    started.get_future().wait();
    auto dropped = std::make_shared<int>(0);
    for (int i = 0; i < 5; ++i)
        ASSERT_EQ(pool.post(1, [&ran, dropped] { ++ran; }), Posted::Queued);
    EXPECT_EQ(dropped.use_count(), 6);
    std::thread releaser([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        release.set_value();
    });
    pool.shutdown();
    releaser.join();
    EXPECT_TRUE(running_finished.load());  // shutdown returned only after it
    EXPECT_EQ(ran.load(), 0);
    EXPECT_EQ(dropped.use_count(), 1);  // what waited is gone, with what it held
    EXPECT_EQ(pool.post(1, [] {}), Posted::Stopped);
    pool.shutdown();  // idempotent
}

// The idle hook: once nothing runs or waits, not between tasks of a burst.
TEST(WorkerPool, TellsWhenItGoesIdle) {
    std::promise<void> release;
    const std::shared_future<void> released = release.get_future().share();
    std::atomic<int> idles{0};
    std::atomic<int> ran{0};
    std::atomic<bool> idle_while_waiting{false};
    WorkerPool pool({2, 64, 64});
    pool.set_on_idle([&] { ++idles; });
    EXPECT_TRUE(pool.idle());
    ASSERT_EQ(pool.post(1,
                        [&] {
                            released.wait();
                            ++ran;
                        }),
              Posted::Queued);
    for (int i = 0; i < 5; ++i)
        ASSERT_EQ(pool.post(
                      2,
                      [&] {
                          ++ran;
                          if (idles > 0) idle_while_waiting = true;
                      },
                      Lane::Quick),
                  Posted::Queued);
    ASSERT_TRUE(wait_until([&] { return ran == 5; }));  // the others ran beside the stuck one
    EXPECT_FALSE(pool.idle());
    EXPECT_EQ(idles.load(), 0);
    release.set_value();
    ASSERT_TRUE(wait_until([&] { return idles > 0; }));
    EXPECT_EQ(idles.load(), 1);
    EXPECT_TRUE(pool.idle());
    EXPECT_FALSE(idle_while_waiting.load());
    ASSERT_EQ(pool.post(1, [&] { ++ran; }), Posted::Queued);
    ASSERT_TRUE(wait_until([&] { return idles == 2; }));
    EXPECT_EQ(ran.load(), 7);
}

TEST(WorkerPoolForEach, EveryItemRunsOnceSpreadOverThreads) {
    WorkerPool pool({3, 64, 64});
    constexpr std::size_t kItems = 40;
    std::vector<std::atomic<int>> runs(kItems);
    std::mutex mutex;
    std::vector<std::thread::id> seen;
    pool.for_each(kItems, [&](std::size_t i) {
        ++runs[i];
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        const std::lock_guard lock(mutex);
        if (std::find(seen.begin(), seen.end(), std::this_thread::get_id()) == seen.end())
            seen.push_back(std::this_thread::get_id());
    });
    for (const auto& r : runs)
        EXPECT_EQ(r.load(), 1);
    // The caller and at least one worker (3 threads may take slow work: 2).
    EXPECT_GE(seen.size(), 2U);
    EXPECT_LE(seen.size(), 3U);
}

TEST(WorkerPoolForEach, CompletesOnTheCallerWhenEveryThreadIsBusy) {
    // As a reload does from a worker while the others are stuck in polkit:
    // no thread is free, the caller does every item itself.
    std::promise<void> release;
    const std::shared_future<void> released = release.get_future().share();
    WorkerPool pool({2, 64, 64});
    std::atomic<int> stuck{0};
    for (unsigned uid = 1; uid <= 2; ++uid) {
        ASSERT_EQ(pool.post(
                      uid,
                      [&, released] {
                          ++stuck;
                          released.wait();
                      },
                      Lane::Quick),
                  Posted::Queued);
    }
    ASSERT_TRUE(wait_until([&] { return stuck == 2; }));
    std::atomic<std::size_t> sum{0};
    const auto caller = std::this_thread::get_id();
    std::atomic<bool> only_caller{true};
    pool.for_each(10, [&](std::size_t i) {
        sum += i;
        if (std::this_thread::get_id() != caller) only_caller = false;
    });
    EXPECT_EQ(sum.load(), 45U);
    EXPECT_TRUE(only_caller.load());
    release.set_value();
}

TEST(WorkerPoolForEach, AnExceptionReachesTheCallerAfterTheOtherItems) {
    WorkerPool pool({3, 64, 64});
    std::atomic<int> ran{0};
    EXPECT_THROW(pool.for_each(20,
                               [&](std::size_t i) {
                                   ++ran;
                                   if (i == 3) throw std::runtime_error("item 3");
                               }),
                 std::runtime_error);
    EXPECT_EQ(ran.load(), 20);
}

TEST(WorkerPoolForEach, WorksAfterShutdownAndForNoItems) {
    WorkerPool pool({2, 64, 64});
    pool.for_each(0, [](std::size_t) { ADD_FAILURE() << "no item to run"; });
    pool.shutdown();
    int n = 0;
    pool.for_each(3, [&](std::size_t) { ++n; });
    EXPECT_EQ(n, 3);
}

}  // namespace
}  // namespace aalayer::service
