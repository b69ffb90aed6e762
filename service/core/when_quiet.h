// Runs an action once things have been quiet for a while: each poke()
// pushes the moment back, and only a single timer is ever pending however
// often it is poked. aalayerd pokes it whenever the worker pool goes idle
// and returns freed memory to the kernel (malloc_trim) once the pool has
// stayed idle: after a burst of applies the allocator otherwise kept what
// they freed, about as much again as the service held (docs/PERFORMANCE.md).
// The timer is the caller's (aalayerd: the bus loop's), so no thread of its own.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>

namespace aalayer::service {

class WhenQuiet {
public:
    using TimePoint = std::chrono::steady_clock::time_point;
    // Runs its task at the time given or soon after, on one thread.
    using Schedule = std::function<void(TimePoint, std::function<void()>)>;

    struct Hooks {
        Schedule schedule;
        std::function<TimePoint()> now = [] { return std::chrono::steady_clock::now(); };
        // Asked when the time comes: false (busy again) runs nothing; the
        // next poke starts over.
        std::function<bool()> still_quiet = [] { return true; };
        std::function<void()> action;
    };

    WhenQuiet(std::chrono::milliseconds quiet, Hooks hooks) : quiet_(quiet), hooks_(std::move(hooks)) {}

    // Thread-safe.
    void poke() {
        TimePoint due;
        {
            const std::lock_guard lock(mutex_);
            due_ = hooks_.now() + quiet_;
            if (armed_) return;
            armed_ = true;
            due = due_;
        }
        hooks_.schedule(due, [this] { fire(); });
    }

private:
    void fire() {
        {
            const std::lock_guard lock(mutex_);
            if (hooks_.now() < due_) {
                const TimePoint due = due_;
                hooks_.schedule(due, [this] { fire(); });
                return;
            }
            armed_ = false;
        }
        if (hooks_.still_quiet()) hooks_.action();
    }

    std::chrono::milliseconds quiet_;
    Hooks hooks_;
    std::mutex mutex_;
    TimePoint due_{};
    bool armed_ = false;
};

}  // namespace aalayer::service
