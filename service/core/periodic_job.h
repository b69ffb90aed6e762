// Work repeated every interval with no thread of its own: a timer on the
// caller's loop (aalayerd: the bus loop's post_at) starts each round, and the
// round's work runs where `run` puts it (aalayerd: the worker pool), so a
// slow save never holds up the bus thread. aalayerd saves the kept denial
// records this way (keep_denials) and sweeps one-run layers whose client left.
//
// One round at a time: the next timer is set when a round ends, so a round
// that outlasts the interval is never run twice at once. A round the pool
// refuses (full, stopping) is skipped; the next comes an interval later.
// Every thread that is not the pool's gets a malloc arena of its own (issue
// 21), which is why this is not a thread that sleeps.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

namespace aalayer::service {

class PeriodicJob {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    struct Hooks {
        // Runs its task at the time given or soon after; thread-safe. A task
        // it never runs (the loop stopped) is fine.
        std::function<void(TimePoint, std::function<void()>)> schedule;
        // Runs its task soon, elsewhere; false: refused (never runs).
        std::function<bool(std::function<void()>)> run;
        std::function<TimePoint()> now = [] { return std::chrono::steady_clock::now(); };
    };

    // The first round an interval from now; `last`, if any, runs once on the
    // thread that stops the job, after the rounds have ended (with
    // keep_denials: the last save, once the collector has stopped).
    PeriodicJob(std::chrono::milliseconds interval, std::function<void()> work, Hooks hooks,
                std::function<void()> last = {})
        : state_(std::make_shared<State>(interval, std::move(work), std::move(hooks))),
          last_(std::move(last)) {
        arm(state_);
    }
    PeriodicJob(const PeriodicJob&) = delete;
    PeriodicJob& operator=(const PeriodicJob&) = delete;
    PeriodicJob(PeriodicJob&&) = delete;
    PeriodicJob& operator=(PeriodicJob&&) = delete;
    ~PeriodicJob() { stop(); }

    // No round starts after this returns, and one that was running has
    // ended; then `last`. Idempotent. Timers and queued rounds left behind
    // hold the shared state, not this, and do nothing when they come.
    void stop() {
        {
            std::unique_lock lock(state_->mutex);
            if (state_->stopped) return;
            state_->stopped = true;
            state_->ended.wait(lock, [this] { return !state_->running; });
        }
        if (last_) last_();
    }

private:
    struct State {
        State(std::chrono::milliseconds i, std::function<void()> w, Hooks h)
            : interval(i), work(std::move(w)), hooks(std::move(h)) {}
        std::chrono::milliseconds interval;
        std::function<void()> work;
        Hooks hooks;
        std::mutex mutex;
        std::condition_variable ended;
        bool stopped = false;
        bool running = false;
    };

    static void arm(const std::shared_ptr<State>& s) {
        s->hooks.schedule(s->hooks.now() + s->interval, [s] { tick(s); });
    }

    // On the loop: hands the round to `run`.
    static void tick(const std::shared_ptr<State>& s) {
        {
            const std::lock_guard lock(s->mutex);
            if (s->stopped) return;
        }
        if (!s->hooks.run([s] { round(s); })) arm(s);
    }

    // Where `run` put it: the work, then the next timer.
    static void round(const std::shared_ptr<State>& s) {
        {
            const std::lock_guard lock(s->mutex);
            if (s->stopped) return;
            s->running = true;
        }
        // Reset however the work ends: stop() waits for it.
        const struct Ended {
            State& s;
            ~Ended() {
                {
                    const std::lock_guard lock(s.mutex);
                    s.running = false;
                }
                s.ended.notify_all();
            }
        } ended{*s};
        s->work();
        arm(s);
    }

    std::shared_ptr<State> state_;
    std::function<void()> last_;
};

}  // namespace aalayer::service
