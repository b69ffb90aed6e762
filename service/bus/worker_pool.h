// A fixed number of threads with bounded queues: compiles, compositions and
// polkit checks run here, never on the bus thread. A full queue refuses work
// at once (the caller gets Busy) instead of growing without bound.
//
// Fair by user: every task belongs to a uid, each uid has its own queue and
// a cap on what it may have waiting, and a free thread serves the uid with
// the fewest tasks running (then the one served longest ago). No uid ever
// runs on every thread while another uid has work waiting, so one user
// flooding the service slows the others by at most one task's length.
//
// Two lanes within a uid: quick work (a Check, an Explain: the engine alone)
// goes before that uid's slow work (an Apply: polkit, which may stall, and
// apparmor_parser), and slow work never takes the last thread, so queries
// find a thread however many applies are stuck waiting for polkit.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "service/core/ports.h"

namespace aalayer::service {

class WorkerPool final : public Executor {
public:
    struct Limits {
        std::size_t threads = 4;
        std::size_t max_queued = 64;           // waiting tasks, all users together
        std::size_t max_queued_per_user = 16;  // waiting tasks of one uid
    };
    explicit WorkerPool(Limits limits);
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;
    ~WorkerPool() override;  // shutdown()

    enum class Lane : std::uint8_t { Quick, Slow };
    enum class Posted : std::uint8_t { Queued, Full, UserFull, Stopped };

    // Queues `task` for `uid`; anything but Queued means it was not taken.
    Posted post(std::uint32_t uid, std::function<void()> task, Lane lane = Lane::Slow);

    // The items are the service's own work (uid 0, slow lane): helpers are
    // posted for at most threads - 1 of them, and whatever they have not
    // claimed by then the calling thread runs. An exception from fn is
    // rethrown here once every claimed item has returned.
    void for_each(std::size_t n, const std::function<void(std::size_t)>& fn) override;

    // Called on the worker that finished the last task when nothing is left
    // running or waiting (no lock held): aalayerd returns what a burst of
    // work freed to the kernel once the pool stays idle (main.cpp).
    void set_on_idle(std::function<void()> hook);
    // Nothing running or waiting now.
    [[nodiscard]] bool idle();

    // Takes no more work, drops what waits (unrun: a task must not rely on
    // running) and waits for the running tasks. Idempotent; call it before
    // anything the tasks use goes away.
    void shutdown();

private:
    struct UserQueue {
        std::deque<std::function<void()>> quick;
        std::deque<std::function<void()>> slow;
        std::size_t running = 0;
        std::uint64_t served = 0;  // when it last got a thread (a counter)
    };
    void run();
    // The next task a free thread may take, or nullptr; with the lock held.
    std::map<std::uint32_t, UserQueue>::iterator pick(bool& slow);

    Limits limits_;
    std::size_t slow_limit_;      // threads that may run slow work at once
    std::size_t per_user_limit_;  // threads one uid may hold at once
    std::mutex mutex_;
    std::condition_variable ready_;
    std::map<std::uint32_t, UserQueue> users_;
    std::size_t queued_ = 0;
    std::size_t running_slow_ = 0;
    std::size_t running_ = 0;  // tasks running, both lanes
    std::function<void()> on_idle_;
    std::uint64_t turns_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace aalayer::service
