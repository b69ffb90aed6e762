#include "service/bus/worker_pool.h"

#include <sys/resource.h>
#include <unistd.h>

namespace aalayer::service {

WorkerPool::WorkerPool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
    for (std::size_t i = 0; i < threads; ++i)
        threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_)
        t.join();
}

bool WorkerPool::post(std::function<void()> task) {
    {
        const std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= max_queued_) return false;
        queue_.push_back(std::move(task));
    }
    ready_.notify_one();
    return true;
}

void WorkerPool::run() {
    // Workers run a little below the bus thread (Linux keeps nice values per
    // thread, and the threads and apparmor_parser processes a worker starts
    // inherit its value): with every core compiling, the bus thread still
    // answers pings and property reads at once. Raising a nice value needs
    // no privilege; failing to is harmless.
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 5);
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and nothing left to do
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        task();
    }
}

}  // namespace aalayer::service
