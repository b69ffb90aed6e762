// The bus thread's loop. sd-bus is not thread-safe, so everything that
// touches the connection (replies, signals, objects) runs on this thread:
// workers post closures here, and an eventfd wakes the loop for them.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <poll.h>
#include <sdbus-c++/IConnection.h>

namespace aalayer::service {

class BusLoop {
public:
    // `log` hears of anything a handler or a posted task let escape: the
    // loop logs it and goes on (one request must never stop the service).
    explicit BusLoop(sdbus::IConnection& connection, std::function<void(const std::string&)> log = {});
    BusLoop(const BusLoop&) = delete;
    BusLoop& operator=(const BusLoop&) = delete;
    ~BusLoop();

    // Thread-safe: runs `task` on the bus thread soon.
    void post(std::function<void()> task);
    // Thread-safe: runs `task` on the bus thread at `when` or soon after
    // (never, if the loop stops first).
    void post_at(std::chrono::steady_clock::time_point when, std::function<void()> task);
    // Calls `readable` on the bus thread whenever `fd` polls readable, until
    // the loop ends; it must read what is there (level-triggered: else the
    // loop spins) and must not block. Call before run() or on the bus thread;
    // the fd stays the caller's. A source of events this way costs no thread
    // (aalayerd: the directory watcher's inotify).
    void watch(int fd, std::function<void()> readable);
    // Runs until stop(), or until the connection to the bus is lost (then
    // false: nothing can reach the service any more, so it should exit).
    // Call on the bus thread.
    bool run();
    void stop();  // thread-safe, async-signal-safe

private:
    void run_posted();
    // A posted or timed task; what it throws is logged, never past the loop.
    void run_task(const std::function<void()>& task);
    // Runs the timed tasks that are due; the milliseconds until the next (-1: none).
    int run_due();

    sdbus::IConnection& connection_;
    int wake_fd_ = -1;
    std::mutex mutex_;
    std::vector<std::function<void()>> posted_;
    std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> timed_;
    std::vector<std::pair<int, std::function<void()>>> watched_;  // bus thread only
    std::vector<pollfd> poll_fds_;                                // run()'s, each round
    std::function<void(const std::string&)> log_;
    std::atomic<bool> stopping_{false};  // lock-free: set from a signal handler
    static_assert(std::atomic<bool>::is_always_lock_free);
};

}  // namespace aalayer::service
