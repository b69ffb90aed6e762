// A fixed number of threads with a bounded queue: compiles and polkit checks
// run here, never on the bus thread. A full queue refuses work at once
// (the caller gets Busy) instead of growing without bound.
//
// Two lanes: quick work (a Check, an Explain: the engine alone, about a
// millisecond) goes before slow work (an Apply: polkit, which may stall,
// and apparmor_parser, tens of milliseconds), and slow work never takes
// the last thread, so queries are answered promptly however many applies
// are queued or stuck waiting for polkit.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace aalayer::service {

class WorkerPool {
public:
    WorkerPool(std::size_t threads, std::size_t max_queued);
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;
    ~WorkerPool();

    enum class Lane : std::uint8_t { Quick, Slow };

    // False when the queue is full or the pool is stopping.
    bool post(std::function<void()> task, Lane lane = Lane::Slow);

private:
    void run();

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> quick_;
    std::deque<std::function<void()>> slow_;
    std::size_t max_queued_;
    std::size_t slow_limit_;  // threads that may run slow work at once
    std::size_t running_slow_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace aalayer::service
