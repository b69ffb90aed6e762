// Values computed once per key: concurrent callers of one key share one
// computation and its value, different keys compute in parallel, a failure
// (an error returned or an exception thrown) is not kept, and nothing is
// evicted unless a capacity is given, then the least recently used. Threaded: CI runs these under
// ThreadSanitizer (build-tsan).
#include "service/core/once_cache.h"

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "service/core/outcome.h"

namespace aalayer::service {
namespace {

using namespace std::chrono_literals;
using Value = Outcome<std::shared_ptr<const int>>;
using Cache = OnceCache<std::string, Value>;

Value ok(int n) {
    return std::make_shared<const int>(n);
}

TEST(OnceCache, ConcurrentCallersOfOneKeyComputeItOnceAndShareTheValue) {
    constexpr int kThreads = 8;
    Cache cache;
    std::atomic<int> calls{0};
    std::latch start(kThreads);
    std::vector<std::future<Value>> results;
    results.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        results.push_back(std::async(std::launch::async, [&] {
            start.arrive_and_wait();
            return cache.get("firefox", [&] {
                ++calls;
                std::this_thread::sleep_for(50ms);  // long enough for every other caller to wait
                return ok(42);
            });
        }));
    }
    std::vector<Value> values;
    for (auto& r : results)
        values.push_back(r.get());
    EXPECT_EQ(calls.load(), 1);
    for (const auto& v : values) {
        ASSERT_TRUE(v);
        EXPECT_EQ(*v.value(), 42);
        EXPECT_EQ(v.value(), values.front().value());  // the very same object
    }
}

TEST(OnceCache, AComputedValueIsReturnedWithoutComputingAgain) {
    Cache cache;
    const Value first = cache.get("firefox", [] { return ok(1); });
    ASSERT_TRUE(first);
    // The key alone names the value: a later caller's `make` is not called.
    const Value again = cache.get("firefox", []() -> Value {
        ADD_FAILURE() << "computed twice";
        return ok(2);
    });
    ASSERT_TRUE(again);
    EXPECT_EQ(again.value(), first.value());
    EXPECT_EQ(*again.value(), 1);
}

TEST(OnceCache, DifferentKeysComputeConcurrently) {
    Cache cache;
    std::promise<void> a_started;
    std::promise<void> b_done;
    auto b_finished = b_done.get_future().share();
    auto a = std::async(std::launch::async, [&] {
        return cache.get("a", [&]() -> Value {
            a_started.set_value();
            // "b" is computed while "a" is: were keys serialized, this would wait in vain.
            if (b_finished.wait_for(10s) != std::future_status::ready)
                return fail(ServiceErrorKind::Busy, "b waited for a");
            return ok(1);
        });
    });
    a_started.get_future().wait();
    const Value b = cache.get("b", [] { return ok(2); });
    b_done.set_value();
    ASSERT_TRUE(b);
    const Value a_value = a.get();
    ASSERT_TRUE(a_value) << a_value.error().message;
    EXPECT_EQ(*a_value.value(), 1);
}

TEST(OnceCache, AnErrorIsReturnedButNotKeptSoTheNextCallerTriesAgain) {
    Cache cache;
    int calls = 0;
    const Value failed = cache.get("firefox", [&]() -> Value {
        ++calls;
        return fail(ServiceErrorKind::Internal, "the base did not compile");
    });
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().message, "the base did not compile");
    const Value second = cache.get("firefox", [&] {
        ++calls;
        return ok(7);
    });
    ASSERT_TRUE(second);
    EXPECT_EQ(*second.value(), 7);
    EXPECT_EQ(calls, 2);
    // A success is kept.
    (void)cache.get("firefox", [&] {
        ++calls;
        return ok(8);
    });
    EXPECT_EQ(calls, 2);
}

TEST(OnceCache, CallersWaitingOnAFailedComputationComputeThemselves) {
    Cache cache;
    std::atomic<int> calls{0};
    std::promise<void> first_started;
    std::promise<void> release_first;
    auto released = release_first.get_future().share();
    auto first = std::async(std::launch::async, [&] {
        return cache.get("firefox", [&]() -> Value {
            ++calls;
            first_started.set_value();
            released.wait();
            return fail(ServiceErrorKind::Internal, "failed");
        });
    });
    first_started.get_future().wait();
    auto second = std::async(std::launch::async, [&] {
        return cache.get("firefox", [&] {
            ++calls;
            return ok(5);
        });
    });
    std::this_thread::sleep_for(50ms);  // the second caller waits on the first's computation
    EXPECT_EQ(calls.load(), 1);
    release_first.set_value();
    EXPECT_FALSE(first.get());
    const Value v = second.get();
    ASSERT_TRUE(v);
    EXPECT_EQ(*v.value(), 5);
    EXPECT_EQ(calls.load(), 2);
}

TEST(OnceCache, AThrowingComputationReachesItsCallerAndLeavesTheKeyUsable) {
    Cache cache;
    EXPECT_THROW((void)cache.get("firefox", []() -> Value { throw std::runtime_error("out of memory"); }),
                 std::runtime_error);
    // The key's lock was released and nothing was kept: the next caller computes.
    auto next = std::async(std::launch::async, [&] { return cache.get("firefox", [] { return ok(3); }); });
    ASSERT_EQ(next.wait_for(10s), std::future_status::ready) << "the key stayed locked after the throw";
    const Value v = next.get();
    ASSERT_TRUE(v);
    EXPECT_EQ(*v.value(), 3);
}

TEST(OnceCache, NothingIsEvictedWithoutACapacity) {
    // No bound and no eviction: a value stays however many keys follow it
    // (the catalog's bases are bounded by the profiles it knows).
    Cache cache;
    (void)cache.get("first", [] { return ok(0); });
    for (int i = 0; i < 10'000; ++i)
        (void)cache.get(std::to_string(i), [i] { return ok(i); });
    const Value v = cache.get("first", []() -> Value {
        ADD_FAILURE() << "evicted";
        return ok(-1);
    });
    ASSERT_TRUE(v);
    EXPECT_EQ(*v.value(), 0);
}

// With a capacity, the least recently asked-for values go: the next caller
// computes them again; the others stay.
TEST(OnceCache, ACapacityForgetsTheLeastRecentlyUsed) {
    Cache cache(2);
    int calls = 0;
    const auto make = [&](int n) {
        return [&calls, n] {
            ++calls;
            return ok(n);
        };
    };
    const Value a = cache.get("a", make(1));
    (void)cache.get("b", make(2));
    (void)cache.get("a", make(-1));  // used again: b is now the least recent
    (void)cache.get("c", make(3));   // past the capacity: b goes
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(cache.size(), 2U);
    EXPECT_EQ(cache.get("a", make(-1)).value(), a.value());  // kept: the very same object
    EXPECT_EQ(*cache.get("c", make(-1)).value(), 3);
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(*cache.get("b", make(20)).value(), 20);  // computed again
    EXPECT_EQ(calls, 4);
    EXPECT_EQ(*a.value(), 1);  // a caller still holding a forgotten value keeps it
    EXPECT_EQ(cache.size(), 2U);
}

// Many threads over more keys than the capacity: every caller gets its
// key's value, and the cache ends within its capacity (TSan checks the locking).
TEST(OnceCache, ACapacityHoldsUnderConcurrentUse) {
    Cache cache(3);
    std::vector<std::future<bool>> results;
    for (int t = 0; t < 8; ++t) {
        results.push_back(std::async(std::launch::async, [&cache, t] {
            bool right = true;
            for (int i = 0; i < 200; ++i) {
                const int key = (t + i) % 7;
                const Value v = cache.get(std::to_string(key), [key] { return ok(key); });
                right = right && v && *v.value() == key;
            }
            return right;
        }));
    }
    for (auto& r : results)
        EXPECT_TRUE(r.get());
    EXPECT_LE(cache.size(), 3U);
}

}  // namespace
}  // namespace aalayer::service
