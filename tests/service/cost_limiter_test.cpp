// The per-user CPU budget: a burst, then a share of a core; debt waits;
// users are apart; root is not limited; the map forgets idle users.
#include "service/core/cost_limiter.h"

#include <gtest/gtest.h>

namespace aalayer::service {
namespace {

constexpr std::uint64_t kSecond = 1'000'000;

TEST(CostLimiter, ABurstThenAShareOfACore) {
    CostLimiter costs({2 * kSecond, 10});
    std::uint64_t now = 5 * kSecond;
    // Cheap requests: many fit in the burst.
    for (int i = 0; i < 1000; ++i) {
        ASSERT_FALSE(costs.admit(1000, now)) << i;
        costs.charge(1000, 1000, now);  // 1 ms each
    }
    // One costly request leaves the bucket in debt: 1 s + 1.4 s spent of 2 s.
    ASSERT_FALSE(costs.admit(1000, now));
    costs.charge(1000, kSecond + 400'000, now);
    const auto wait = costs.admit(1000, now);
    ASSERT_TRUE(wait);
    // 0.4 s of debt at 10% of a core: about 4 s of waiting.
    EXPECT_GE(*wait, 4 * kSecond);
    EXPECT_LE(*wait, 4 * kSecond + 1000);
    EXPECT_TRUE(costs.admit(1000, now + 3 * kSecond));
    EXPECT_FALSE(costs.admit(1000, now + *wait));
    // Another user is not affected; root is never limited.
    EXPECT_FALSE(costs.admit(1001, now));
    costs.charge(0, 100 * kSecond, now);
    EXPECT_FALSE(costs.admit(0, now));
}

TEST(CostLimiter, RefillStopsAtTheBurst) {
    CostLimiter costs({kSecond, 50});
    costs.charge(7, 10, 0);
    // A year idle gives no more than the burst.
    const std::uint64_t later = 365ULL * 24 * 3600 * kSecond;
    costs.charge(7, kSecond + 1, later);
    EXPECT_TRUE(costs.admit(7, later));
}

TEST(CostLimiter, ManyUsersDoNotGrowItWithoutBound) {
    // 20,000 users a millisecond apart, each spending a little: buckets that
    // have filled up again are forgotten, a user in debt is not.
    CostLimiter costs({kSecond, 10});
    costs.charge(5, 3 * kSecond, 0);
    for (std::uint32_t uid = 100; uid < 20100; ++uid)
        costs.charge(uid, 100, std::uint64_t{uid} * 1000U);
    EXPECT_LE(costs.users_tracked(), 1024U);
    EXPECT_TRUE(costs.admit(5, 20 * kSecond));  // 2 s of debt, 2 s refilled by then: still waiting
    EXPECT_FALSE(costs.admit(5, 21 * kSecond));
    EXPECT_FALSE(costs.admit(6, 21 * kSecond));
}

}  // namespace
}  // namespace aalayer::service
