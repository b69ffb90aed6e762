#include "service/core/cost_limiter.h"

#include <algorithm>

namespace aalayer::service {

CostLimiter::Bucket& CostLimiter::refilled(std::uint32_t uid, std::uint64_t now_usec) {
    const auto burst = static_cast<std::int64_t>(limits_.burst_usec);
    auto [it, added] = buckets_.try_emplace(uid, Bucket{burst, now_usec});
    Bucket& b = it->second;
    if (!added && now_usec > b.at) {
        // A long idle time cannot overflow: it is capped at the burst first.
        const std::uint64_t idle = std::min<std::uint64_t>(now_usec - b.at, 1'000'000'000'000ULL);
        const auto gained = static_cast<std::int64_t>(idle * limits_.rate_percent / 100U);
        b.tokens = std::min(burst, b.tokens + gained);
        b.at = now_usec;
    }
    return b;
}

void CostLimiter::forget_full(std::uint64_t now_usec) {
    // A full bucket says nothing a new one would not: forget it, so the map
    // holds only users that spent something lately.
    if (buckets_.size() < 1024) return;
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        refilled(it->first, now_usec);
        it = it->second.tokens >= static_cast<std::int64_t>(limits_.burst_usec) ? buckets_.erase(it)
                                                                                : std::next(it);
    }
}

std::optional<std::uint64_t> CostLimiter::admit(std::uint32_t uid, std::uint64_t now_usec) {
    if (uid == 0) return std::nullopt;
    const std::lock_guard lock(mutex_);
    const Bucket& b = refilled(uid, now_usec);
    if (b.tokens > 0) return std::nullopt;
    const std::uint64_t rate = std::max<std::uint32_t>(limits_.rate_percent, 1);
    return (static_cast<std::uint64_t>(-b.tokens) + 1) * 100U / rate;
}

void CostLimiter::charge(std::uint32_t uid, std::uint64_t cost_usec, std::uint64_t now_usec) {
    if (uid == 0) return;
    const std::lock_guard lock(mutex_);
    Bucket& b = refilled(uid, now_usec);
    b.tokens -= static_cast<std::int64_t>(std::min<std::uint64_t>(cost_usec, 1'000'000'000'000ULL));
    forget_full(now_usec);
}

std::size_t CostLimiter::users_tracked() {
    const std::lock_guard lock(mutex_);
    return buckets_.size();
}

}  // namespace aalayer::service
