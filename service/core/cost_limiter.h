// What a user's requests may cost the service, counted in CPU time rather
// than in calls: a cheap Check costs a millisecond, the costliest layer the
// engine's budget lets through a hundred times more, and a flat "N calls a
// minute" would either starve panels that check as the user types or let
// one user keep a core busy. A token bucket per uid: it holds up to
// `burst` of CPU time and refills at `rate` (a share of one core); a
// request is admitted while the bucket is not empty and pays what it cost
// when it is done, so the last admitted request may leave the bucket in
// debt, and the user waits until it has refilled. Root is not limited.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

namespace aalayer::service {

class CostLimiter {
public:
    struct Limits {
        std::uint64_t burst_usec = 10'000'000;  // CPU time one user may spend at once
        std::uint32_t rate_percent = 10;        // then this share of one core, refilled continuously
    };
    explicit CostLimiter(Limits limits) : limits_(limits) {}

    // Empty when `uid` may start a request at `now_usec`; else how long
    // (microseconds) until it may.
    std::optional<std::uint64_t> admit(std::uint32_t uid, std::uint64_t now_usec);
    // What a request of `uid` cost, charged when it is done.
    void charge(std::uint32_t uid, std::uint64_t cost_usec, std::uint64_t now_usec);
    // How many users it holds a bucket for (bounded: full buckets are forgotten).
    [[nodiscard]] std::size_t users_tracked();

private:
    struct Bucket {
        std::int64_t tokens = 0;  // microseconds of CPU; negative: in debt
        std::uint64_t at = 0;     // when `tokens` was last brought up to date
    };
    Bucket& refilled(std::uint32_t uid, std::uint64_t now_usec);
    void forget_full(std::uint64_t now_usec);

    Limits limits_;
    std::mutex mutex_;
    std::map<std::uint32_t, Bucket> buckets_;  // only users that spent something lately
};

}  // namespace aalayer::service
