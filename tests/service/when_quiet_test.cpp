// WhenQuiet: the action runs once things have been quiet for the whole
// delay since the last poke, one timer pending however many pokes, and not
// while busy again.
#include "service/core/when_quiet.h"

#include <chrono>
#include <functional>
#include <map>
#include <utility>

#include <gtest/gtest.h>

namespace aalayer::service {
namespace {

using namespace std::chrono_literals;

// A timer queue run by hand, on a clock moved by hand.
struct ManualTimers {
    WhenQuiet::TimePoint now{};
    std::multimap<WhenQuiet::TimePoint, std::function<void()>> pending;

    WhenQuiet::Hooks hooks(std::function<bool()> quiet, std::function<void()> action) {
        return WhenQuiet::Hooks{
            .schedule = [this](WhenQuiet::TimePoint at,
                               std::function<void()> task) { pending.emplace(at, std::move(task)); },
            .now = [this] { return now; },
            .still_quiet = std::move(quiet),
            .action = std::move(action)};
    }
    // Moves the clock to `to`, running what is due on the way.
    void advance(WhenQuiet::TimePoint to) {
        while (!pending.empty() && pending.begin()->first <= to) {
            auto next = pending.begin();
            now = next->first;
            auto task = std::move(next->second);
            pending.erase(next);
            task();
        }
        now = to;
    }
};

TEST(WhenQuiet, RunsOnceAfterTheLastPokeOfABurstWithOneTimerPending) {
    ManualTimers timers;
    int ran = 0;
    WhenQuiet quiet(1000ms, timers.hooks([] { return true; }, [&] { ++ran; }));
    const auto start = timers.now;
    for (int i = 0; i < 50; ++i) {
        quiet.poke();
        EXPECT_EQ(timers.pending.size(), 1U);
        timers.advance(timers.now + 100ms);  // a burst: never quiet for the whole second
    }
    EXPECT_EQ(ran, 0);
    const auto last_poke = start + 4900ms;
    timers.advance(last_poke + 999ms);
    EXPECT_EQ(ran, 0);
    timers.advance(last_poke + 1000ms);
    EXPECT_EQ(ran, 1);
    EXPECT_TRUE(timers.pending.empty());
    timers.advance(timers.now + 10s);  // nothing more without a poke
    EXPECT_EQ(ran, 1);
    quiet.poke();  // the next burst
    timers.advance(timers.now + 1s);
    EXPECT_EQ(ran, 2);
}

TEST(WhenQuiet, RunsNothingWhenBusyAgainUntilPokedAgain) {
    ManualTimers timers;
    int ran = 0;
    bool idle = false;
    WhenQuiet quiet(1000ms, timers.hooks([&] { return idle; }, [&] { ++ran; }));
    quiet.poke();
    timers.advance(timers.now + 2s);
    EXPECT_EQ(ran, 0);  // work came in (no poke yet: it has not finished)
    EXPECT_TRUE(timers.pending.empty());
    idle = true;
    quiet.poke();  // it finished
    timers.advance(timers.now + 1s);
    EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace aalayer::service
