#include "service/bus/bus_loop.h"

#include <algorithm>
#include <cerrno>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dbus/sdbus_compat.h"

namespace aalayer::service {

namespace {
constexpr std::size_t kOwnFds = 3;  // the bus's, sdbus-c++'s event fd, the wake-up
}  // namespace

BusLoop::BusLoop(sdbus::IConnection& connection, std::function<void(const std::string&)> log)
    : connection_(connection), wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), log_(std::move(log)) {}

BusLoop::~BusLoop() {
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

void BusLoop::post(std::function<void()> task) {
    {
        const std::lock_guard lock(mutex_);
        posted_.push_back(std::move(task));
    }
    (void)::eventfd_write(wake_fd_, 1);  // EAGAIN: already awake
}

void BusLoop::post_at(std::chrono::steady_clock::time_point when, std::function<void()> task) {
    {
        const std::lock_guard lock(mutex_);
        timed_.emplace(when, std::move(task));
    }
    (void)::eventfd_write(wake_fd_, 1);  // the poll's timeout is recomputed
}

void BusLoop::watch(int fd, std::function<void()> readable) {
    watched_.emplace_back(fd, std::move(readable));
}

void BusLoop::stop() {
    stopping_ = true;
    (void)::eventfd_write(wake_fd_, 1);  // EAGAIN: already awake
}

void BusLoop::run_posted() {
    std::vector<std::function<void()>> tasks;
    {
        const std::lock_guard lock(mutex_);
        tasks.swap(posted_);
    }
    for (auto& t : tasks)
        run_task(t);
}

void BusLoop::run_task(const std::function<void()>& task) {
    try {
        task();
    } catch (const std::exception& e) {
        if (log_) log_(std::string("unexpected error on the bus thread: ") + e.what());
    }
}

int BusLoop::run_due() {
    for (;;) {
        std::function<void()> task;
        {
            const std::lock_guard lock(mutex_);
            if (timed_.empty()) return -1;
            const auto now = std::chrono::steady_clock::now();
            const auto next = timed_.begin();
            if (next->first > now) {
                // Rounded up: woken early, poll would spin until it is due.
                return static_cast<int>(
                    std::chrono::ceil<std::chrono::milliseconds>(next->first - now).count());
            }
            task = std::move(next->second);
            timed_.erase(next);
        }
        run_task(task);
    }
}

bool BusLoop::run() {
    while (!stopping_) {
        for (;;) {
            try {
                if (!sdbus_compat::process_pending(connection_)) break;
            } catch (const sdbus::Error& e) {
                // sdbus-c++ answers a handler's sdbus::Error itself: one that
                // gets here is the connection's (the bus went away). Retrying
                // would spin, logging this line as fast as the disk takes it.
                if (log_) log_(std::string("lost the connection to the bus: ") + e.what());
                run_posted();
                return false;
            } catch (const std::exception& e) {
                // sdbus-c++ lets a handler's non-sdbus exception through.
                if (log_) log_(std::string("unexpected error in a bus handler: ") + e.what());
            }
        }
        run_posted();
        const int timed = run_due();
        const auto poll_data = connection_.getEventLoopPollData();
        // The bus's fd, sdbus-c++ 2.x's own event fd (none on 1.x), ours,
        // then the watched ones; in a member, so no allocation a round.
        auto& fds = poll_fds_;
        fds.clear();
        fds.push_back(pollfd{poll_data.fd, poll_data.events, 0});
        fds.push_back(pollfd{sdbus_compat::event_fd(poll_data), POLLIN, 0});
        fds.push_back(pollfd{wake_fd_, POLLIN, 0});
        for (const auto& [fd, readable] : watched_)
            fds.push_back(pollfd{fd, POLLIN, 0});
        const int bus_timeout = poll_data.getPollTimeout();  // ms, rounded up; -1: none
        const int timeout =
            bus_timeout < 0 ? timed : (timed < 0 ? bus_timeout : std::min(bus_timeout, timed));
        const int n = ::poll(fds.data(), fds.size(), timeout);
        if (n < 0 && errno != EINTR) break;
        if ((fds[2].revents & POLLIN) != 0) {
            eventfd_t count = 0;
            (void)::eventfd_read(wake_fd_, &count);
        }
        for (std::size_t i = 0; n > 0 && i < watched_.size(); ++i) {
            if ((fds[kOwnFds + i].revents & (POLLIN | POLLERR | POLLHUP)) != 0) run_task(watched_[i].second);
        }
    }
    run_posted();
    return true;
}

}  // namespace aalayer::service
