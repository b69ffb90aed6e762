// One lock per key: two guards on a key exclude each other, guards on
// different keys do not wait for each other, and a key's slot goes when the
// last guard on it (holding or waiting) does. Threaded: CI runs these under
// ThreadSanitizer (build-tsan).
#include "service/core/keyed_locks.h"

#include <array>
#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace aalayer::service {
namespace {

using namespace std::chrono_literals;

TEST(KeyedLocks, ASecondGuardOnTheSameKeyWaitsForTheFirst) {
    KeyedLocks<int> locks;
    std::atomic<bool> second_in{false};
    std::future<void> second;
    {
        const KeyedLocks<int>::Guard first(locks, 7);
        second = std::async(std::launch::async, [&] {
            const KeyedLocks<int>::Guard g(locks, 7);
            second_in = true;
        });
        // However long the first is held, the second does not get in.
        std::this_thread::sleep_for(100ms);
        EXPECT_FALSE(second_in.load());
        EXPECT_EQ(locks.size(), 1U);  // one slot for the holder and the waiter
    }
    ASSERT_EQ(second.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(second_in.load());
    EXPECT_EQ(locks.size(), 0U);
}

TEST(KeyedLocks, GuardsOnDifferentKeysDoNotWaitForEachOther) {
    KeyedLocks<std::string> locks;
    const KeyedLocks<std::string>::Guard held(locks, "firefox/a");
    auto other = std::async(std::launch::async, [&] {
        const KeyedLocks<std::string>::Guard g(locks, "firefox/b");
        const KeyedLocks<std::string>::Guard h(locks, "man/a");
        return locks.size();
    });
    ASSERT_EQ(other.wait_for(10s), std::future_status::ready) << "a guard on another key was blocked";
    EXPECT_EQ(other.get(), 3U);
    EXPECT_EQ(locks.size(), 1U);
}

TEST(KeyedLocks, TheSlotSetShrinksToNothingWhenTheGuardsAreGone) {
    KeyedLocks<int> locks;
    EXPECT_EQ(locks.size(), 0U);
    {
        const KeyedLocks<int>::Guard a(locks, 1);
        EXPECT_EQ(locks.size(), 1U);
        {
            const KeyedLocks<int>::Guard b(locks, 2);
            const KeyedLocks<int>::Guard c(locks, 3);
            EXPECT_EQ(locks.size(), 3U);
        }
        EXPECT_EQ(locks.size(), 1U);
    }
    EXPECT_EQ(locks.size(), 0U);
    // A key used again after its slot went gets a working lock again.
    {
        const KeyedLocks<int>::Guard again(locks, 1);
        EXPECT_EQ(locks.size(), 1U);
    }
    EXPECT_EQ(locks.size(), 0U);
}

TEST(KeyedLocks, ManyThreadsOnFewKeysNeverOverlapOnAKey) {
    // Eight threads, three keys: each key's counter is a plain int written
    // only under its guard (a race is a TSan report and a lost count), and
    // `inside` sees at most one thread per key at a time.
    constexpr int kThreads = 8;
    constexpr int kRounds = 2000;
    constexpr int kKeys = 3;
    KeyedLocks<int> locks;
    std::array<int, kKeys> counts{};
    std::array<std::atomic<int>, kKeys> inside{};
    std::atomic<int> overlaps{0};
    std::atomic<int> max_slots{0};
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kRounds; ++i) {
                const int key = (t + i) % kKeys;
                const KeyedLocks<int>::Guard g(locks, key);
                if (inside[key].fetch_add(1) != 0) ++overlaps;
                ++counts[key];
                const int slots = static_cast<int>(locks.size());
                int seen = max_slots.load();
                while (slots > seen && !max_slots.compare_exchange_weak(seen, slots)) {
                }
                inside[key].fetch_sub(1);
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(overlaps.load(), 0);
    int total = 0;
    for (const int c : counts)
        total += c;
    EXPECT_EQ(total, kThreads * kRounds);
    EXPECT_LE(max_slots.load(), kKeys);  // one slot per key, however many wait on it
    EXPECT_EQ(locks.size(), 0U);
}

}  // namespace
}  // namespace aalayer::service
