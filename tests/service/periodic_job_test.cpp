// PeriodicJob: a round every interval, handed to where `run` puts it, one at
// a time; a refused round skipped, not lost for good; after stop() nothing
// runs but `last`, once, and a round that was running has ended first.
#include "service/core/periodic_job.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "service/bus/worker_pool.h"

namespace aalayer::service {
namespace {

using namespace std::chrono_literals;

// A timer queue run by hand, on a clock moved by hand; `run` keeps the
// rounds it is given until run_rounds() (or refuses them while `refuse`).
struct Manual {
    PeriodicJob::TimePoint now{};
    std::multimap<PeriodicJob::TimePoint, std::function<void()>> timers;
    std::vector<std::function<void()>> rounds;
    bool refuse = false;

    PeriodicJob::Hooks hooks() {
        return PeriodicJob::Hooks{
            .schedule = [this](PeriodicJob::TimePoint at,
                               std::function<void()> task) { timers.emplace(at, std::move(task)); },
            .run =
                [this](std::function<void()> round) {
                    if (refuse) return false;
                    rounds.push_back(std::move(round));
                    return true;
                },
            .now = [this] { return now; }};
    }
    void advance(PeriodicJob::TimePoint to) {
        while (!timers.empty() && timers.begin()->first <= to) {
            auto next = timers.begin();
            now = next->first;
            auto task = std::move(next->second);
            timers.erase(next);
            task();
        }
        now = to;
    }
    void run_rounds() {
        auto taken = std::move(rounds);
        rounds.clear();
        for (auto& r : taken)
            r();
    }
};

TEST(PeriodicJob, RunsARoundEachIntervalWhereRunPutsItOneAtATime) {
    Manual m;
    int ran = 0;
    PeriodicJob job(
        10s, [&] { ++ran; }, m.hooks());
    m.advance(m.now + 9s);
    EXPECT_TRUE(m.rounds.empty());
    m.advance(m.now + 1s);
    ASSERT_EQ(m.rounds.size(), 1U);
    EXPECT_EQ(ran, 0);  // not on the timer's thread
    // The round has not ended: no second one however long it waits.
    m.advance(m.now + 60s);
    EXPECT_EQ(m.rounds.size(), 1U);
    EXPECT_TRUE(m.timers.empty());
    m.run_rounds();
    EXPECT_EQ(ran, 1);
    m.advance(m.now + 10s);
    m.run_rounds();
    EXPECT_EQ(ran, 2);
}

TEST(PeriodicJob, ARefusedRoundIsSkippedAndTheNextComesAnIntervalLater) {
    Manual m;
    int ran = 0;
    PeriodicJob job(
        5s, [&] { ++ran; }, m.hooks());
    m.refuse = true;
    m.advance(m.now + 5s);
    EXPECT_TRUE(m.rounds.empty());
    EXPECT_EQ(m.timers.size(), 1U);
    m.refuse = false;
    m.advance(m.now + 5s);
    m.run_rounds();
    EXPECT_EQ(ran, 1);
}

TEST(PeriodicJob, AfterStopOnlyLastRunsOnce) {
    Manual m;
    int ran = 0;
    int last = 0;
    {
        PeriodicJob job(
            5s, [&] { ++ran; }, m.hooks(), [&] { ++last; });
        m.advance(m.now + 5s);  // a round queued, not started
        job.stop();
        EXPECT_EQ(last, 1);
        m.run_rounds();
        m.advance(m.now + 60s);
        m.run_rounds();
        EXPECT_EQ(ran, 0);
        job.stop();
    }
    EXPECT_EQ(last, 1);  // not again from the destructor
}

TEST(PeriodicJob, StopWaitsForTheRunningRoundThenRunsLast) {
    WorkerPool pool(WorkerPool::Limits{2, 8, 8});
    // The round sets its next timer from a worker: a timer list with a lock.
    std::mutex mutex;
    std::vector<std::function<void()>> timers;
    std::atomic<bool> started{false};
    std::atomic<bool> finished{false};
    bool finished_before_last = false;
    PeriodicJob job(
        1s,
        [&] {
            started = true;
            std::this_thread::sleep_for(200ms);  // stop() comes meanwhile
            finished = true;
        },
        PeriodicJob::Hooks{.schedule =
                               [&](PeriodicJob::TimePoint /*when*/, std::function<void()> task) {
                                   const std::lock_guard lock(mutex);
                                   timers.push_back(std::move(task));
                               },
                           .run =
                               [&pool](std::function<void()> round) {
                                   return pool.post(0, std::move(round)) == WorkerPool::Posted::Queued;
                               }},
        [&] { finished_before_last = finished.load(); });
    std::function<void()> first;
    {
        const std::lock_guard lock(mutex);
        ASSERT_EQ(timers.size(), 1U);
        first = std::move(timers.front());
        timers.clear();
    }
    first();  // the timer fires: the round goes to the pool
    for (int i = 0; i < 10'000 && !started; ++i)
        std::this_thread::sleep_for(1ms);
    ASSERT_TRUE(started.load());
    job.stop();
    EXPECT_TRUE(finished.load());
    EXPECT_TRUE(finished_before_last);
    pool.shutdown();
}

}  // namespace
}  // namespace aalayer::service
