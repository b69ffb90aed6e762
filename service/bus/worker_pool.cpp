#include "service/bus/worker_pool.h"

#include <sys/resource.h>
#include <unistd.h>

namespace aalayer::service {

WorkerPool::WorkerPool(std::size_t threads, std::size_t max_queued)
    : max_queued_(max_queued), slow_limit_(threads > 1 ? threads - 1 : 1) {
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

bool WorkerPool::post(std::function<void()> task, Lane lane) {
    {
        const std::lock_guard lock(mutex_);
        if (stopping_ || quick_.size() + slow_.size() >= max_queued_) return false;
        (lane == Lane::Quick ? quick_ : slow_).push_back(std::move(task));
    }
    // All: the one woken might be a thread that may not take slow work now.
    ready_.notify_all();
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
        bool slow = false;
        {
            std::unique_lock lock(mutex_);
            const auto slow_ready = [this] { return !slow_.empty() && running_slow_ < slow_limit_; };
            ready_.wait(lock, [&] { return stopping_ || !quick_.empty() || slow_ready(); });
            if (!quick_.empty()) {
                task = std::move(quick_.front());
                quick_.pop_front();
            } else if (slow_ready()) {
                task = std::move(slow_.front());
                slow_.pop_front();
                slow = true;
                ++running_slow_;
            } else {
                return;  // stopping, and nothing this thread may do is left
            }
        }
        task();
        if (slow) {
            {
                const std::lock_guard lock(mutex_);
                --running_slow_;
            }
            ready_.notify_all();
        }
    }
}

}  // namespace aalayer::service
