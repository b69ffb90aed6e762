// The bus loop's timed tasks (post_at): each runs on the loop's thread, in
// time order and not before its time, while the bus is served; none after
// stop. A watched fd's callback on the loop's thread. A PeriodicJob on it
// whose rounds run on the worker pool.
#include "service/bus/bus_loop.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "service/bus/worker_pool.h"
#include "service/core/periodic_job.h"
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

TEST(BusLoop, CallsAWatchedFdsCallbackOnItsThreadWhenReadable) {
    const test::PrivateSystemBus bus;
    auto connection = sdbus::createSessionBusConnectionWithAddress(bus.address());
    BusLoop loop(*connection);
    const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    ASSERT_GE(fd, 0);
    const auto loop_thread = std::this_thread::get_id();
    std::uint64_t sum = 0;
    bool elsewhere = false;
    loop.watch(fd, [&] {
        elsewhere = elsewhere || std::this_thread::get_id() != loop_thread;
        eventfd_t value = 0;
        if (::eventfd_read(fd, &value) == 0) sum += value;
        if (sum == 7) loop.stop();
    });
    // From another thread, while the loop waits in poll.
    std::thread writer([fd] {
        (void)::eventfd_write(fd, 3);
        std::this_thread::sleep_for(50ms);
        (void)::eventfd_write(fd, 4);
    });
    EXPECT_TRUE(loop.run());
    writer.join();
    ::close(fd);
    EXPECT_EQ(sum, 7U);
    EXPECT_FALSE(elsewhere);
}

TEST(BusLoop, HostsAPeriodicJobWhoseRoundsRunOnThePool) {
    const test::PrivateSystemBus bus;
    auto connection = sdbus::createSessionBusConnectionWithAddress(bus.address());
    BusLoop loop(*connection);
    WorkerPool pool(WorkerPool::Limits{2, 8, 8});
    std::atomic<int> rounds{0};
    std::atomic<bool> on_loop_thread{false};
    std::atomic<int> after_stop{-1};
    const auto loop_thread = std::this_thread::get_id();
    std::thread stopper;
    {
        PeriodicJob job(
            20ms,
            [&] {
                if (std::this_thread::get_id() == loop_thread) on_loop_thread = true;
                ++rounds;
            },
            PeriodicJob::Hooks{
                .schedule = [&loop](PeriodicJob::TimePoint when,
                                    std::function<void()> task) { loop.post_at(when, std::move(task)); },
                .run =
                    [&pool](std::function<void()> round) {
                        return pool.post(0, std::move(round)) == WorkerPool::Posted::Queued;
                    }},
            [&] { after_stop = rounds.load(); });
        // Three rounds, eventually (a generous bound), then the job stops
        // while the loop still runs, and the loop a while after.
        stopper = std::thread([&] {
            for (int i = 0; i < 1000 && rounds.load() < 3; ++i)
                std::this_thread::sleep_for(10ms);
            job.stop();
            std::this_thread::sleep_for(200ms);  // ten intervals: rounds would come
            loop.stop();
        });
        EXPECT_TRUE(loop.run());
        stopper.join();
    }
    pool.shutdown();
    EXPECT_GE(rounds.load(), 3);
    EXPECT_FALSE(on_loop_thread.load());
    EXPECT_EQ(rounds.load(), after_stop.load());
}

}  // namespace
}  // namespace aalayer::service
