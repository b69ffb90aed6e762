#include "service/system/watcher.h"

#include <array>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace aalayer::service {

DirectoryWatcher::DirectoryWatcher(const std::vector<std::string>& dirs, std::function<void()> on_change)
    : inotify_(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)),
      stop_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      on_change_(std::move(on_change)) {
    for (const auto& d : dirs) {
        (void)::inotify_add_watch(inotify_, d.c_str(),
                                  IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE);
    }
    thread_ = std::thread([this] { run(); });
}

DirectoryWatcher::~DirectoryWatcher() {
    (void)::eventfd_write(stop_, 1);
    thread_.join();
    ::close(inotify_);
    ::close(stop_);
}

void DirectoryWatcher::run() {
    bool pending = false;
    for (;;) {
        std::array<pollfd, 2> fds{pollfd{inotify_, POLLIN, 0}, pollfd{stop_, POLLIN, 0}};
        // Debounce: an editor's save is several events; act 300 ms after the last.
        const int n = ::poll(fds.data(), fds.size(), pending ? 300 : -1);
        if (n < 0) continue;
        if ((fds[1].revents & POLLIN) != 0) return;
        if (n == 0) {
            pending = false;
            on_change_();
            continue;
        }
        if ((fds[0].revents & POLLIN) != 0) {
            alignas(inotify_event) std::array<char, 4096> buf{};
            while (::read(inotify_, buf.data(), buf.size()) > 0) {
            }
            pending = true;
        }
    }
}

}  // namespace aalayer::service
