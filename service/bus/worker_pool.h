// A fixed number of threads with a bounded queue: compiles and polkit checks
// run here, never on the bus thread. A full queue refuses work at once
// (the caller gets Busy) instead of growing without bound.
#pragma once

#include <condition_variable>
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

    // False when the queue is full or the pool is stopping.
    bool post(std::function<void()> task);

private:
    void run();

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> queue_;
    std::size_t max_queued_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace aalayer::service
