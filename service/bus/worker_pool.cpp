#include "service/bus/worker_pool.h"

#include <algorithm>
#include <exception>
#include <memory>

#include <sys/resource.h>
#include <unistd.h>

namespace aalayer::service {

WorkerPool::WorkerPool(Limits limits)
    : limits_(limits),
      slow_limit_(limits.threads > 1 ? limits.threads - 1 : 1),
      per_user_limit_(limits.threads > 1 ? limits.threads - 1 : 1) {
    for (std::size_t i = 0; i < limits_.threads; ++i)
        threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() {
    shutdown();
}

void WorkerPool::shutdown() {
    std::map<std::uint32_t, UserQueue> dropped;
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& [uid, q] : users_) {
            dropped[uid].quick.swap(q.quick);
            dropped[uid].slow.swap(q.slow);
        }
        queued_ = 0;
    }
    ready_.notify_all();
    dropped.clear();  // outside the lock: a task's captures may take time to destroy
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
}

WorkerPool::Posted WorkerPool::post(std::uint32_t uid, std::function<void()> task, Lane lane) {
    {
        const std::lock_guard lock(mutex_);
        if (stopping_) return Posted::Stopped;
        if (queued_ >= limits_.max_queued) return Posted::Full;
        UserQueue& q = users_[uid];
        if (q.quick.size() + q.slow.size() >= limits_.max_queued_per_user) return Posted::UserFull;
        (lane == Lane::Quick ? q.quick : q.slow).push_back(std::move(task));
        ++queued_;
    }
    // All: the one woken might be a thread that may not take this work now.
    ready_.notify_all();
    return Posted::Queued;
}

void WorkerPool::for_each(std::size_t n, const std::function<void(std::size_t)>& fn) {
    // Items are claimed one at a time, by the caller and by helpers on the
    // pool. A helper that starts after every item is claimed finds nothing
    // and returns, so the caller waits only for items already running, never
    // for a thread to come free: for_each from a worker cannot deadlock.
    struct Job {
        std::mutex mutex;
        std::condition_variable finished;
        std::size_t next = 0;
        std::size_t done = 0;
        std::size_t total = 0;
        const std::function<void(std::size_t)>* fn = nullptr;  // used only while items are left
        std::exception_ptr error;
    };
    auto job = std::make_shared<Job>();
    job->total = n;
    job->fn = &fn;
    const auto drain = [job] {
        for (;;) {
            std::size_t i = 0;
            {
                const std::lock_guard lock(job->mutex);
                if (job->next == job->total) return;
                i = job->next++;
            }
            std::exception_ptr error;
            try {
                (*job->fn)(i);
            } catch (...) {
                error = std::current_exception();
            }
            {
                const std::lock_guard lock(job->mutex);
                if (error && !job->error) job->error = error;
                ++job->done;
            }
            job->finished.notify_all();
        }
    };
    const std::size_t helpers = std::min(n, limits_.threads) > 0 ? std::min(n, limits_.threads) - 1 : 0;
    for (std::size_t h = 0; h < helpers; ++h) {
        if (post(0, drain, Lane::Slow) != Posted::Queued) break;
    }
    drain();
    std::unique_lock lock(job->mutex);
    job->finished.wait(lock, [&] { return job->done == job->total; });
    if (job->error) std::rethrow_exception(job->error);
}

void WorkerPool::set_on_idle(std::function<void()> hook) {
    const std::lock_guard lock(mutex_);
    on_idle_ = std::move(hook);
}

bool WorkerPool::idle() {
    const std::lock_guard lock(mutex_);
    return running_ == 0 && queued_ == 0;
}

std::map<std::uint32_t, WorkerPool::UserQueue>::iterator WorkerPool::pick(bool& slow) {
    auto best = users_.end();
    bool best_slow = false;
    for (auto it = users_.begin(); it != users_.end(); ++it) {
        const UserQueue& q = it->second;
        if (q.running >= per_user_limit_) continue;
        const bool may_slow = !q.slow.empty() && running_slow_ < slow_limit_;
        if (q.quick.empty() && !may_slow) continue;
        if (best == users_.end() || q.running < best->second.running ||
            (q.running == best->second.running && q.served < best->second.served)) {
            best = it;
            best_slow = q.quick.empty();
        }
    }
    slow = best_slow;
    return best;
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
        std::uint32_t uid = 0;
        {
            std::unique_lock lock(mutex_);
            auto it = users_.end();
            ready_.wait(lock, [&] {
                if (stopping_) return true;
                it = pick(slow);
                return it != users_.end();
            });
            if (stopping_) return;
            UserQueue& q = it->second;
            auto& lane = slow ? q.slow : q.quick;
            task = std::move(lane.front());
            lane.pop_front();
            --queued_;
            ++q.running;
            q.served = ++turns_;
            if (slow) ++running_slow_;
            ++running_;
            uid = it->first;
        }
        task();
        task = nullptr;  // its captures go before the next task is taken
        std::function<void()> idle;
        {
            const std::lock_guard lock(mutex_);
            UserQueue& q = users_[uid];
            --q.running;
            if (slow) --running_slow_;
            --running_;
            if (q.running == 0 && q.quick.empty() && q.slow.empty()) users_.erase(uid);
            if (running_ == 0 && queued_ == 0 && !stopping_) idle = on_idle_;
        }
        ready_.notify_all();
        if (idle) idle();
    }
}

}  // namespace aalayer::service
