#include "service/system/watcher.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>

#include <sys/inotify.h>
#include <unistd.h>

namespace aalayer::service {

DirectoryWatcher::DirectoryWatcher(std::vector<std::function<void()>> actions, std::vector<Watch> watches)
    : inotify_(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)),
      actions_(std::move(actions)),
      watches_(std::move(watches)),
      pending_(watches_.size(), false) {
    for (std::size_t i = 0; i < watches_.size(); ++i)
        add(i);
}

void DirectoryWatcher::add(std::size_t i) {
    const auto watch = [&](const std::string& dir) {
        // Adding a directory again gives its descriptor again (inotify's rule).
        const int wd = ::inotify_add_watch(
            inotify_, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE);
        const std::pair<int, std::size_t> entry{wd, i};
        if (wd >= 0 && std::find(descriptors_.begin(), descriptors_.end(), entry) == descriptors_.end())
            descriptors_.push_back(entry);
    };
    watch(watches_[i].dir);
    if (!watches_[i].subdirs) return;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(watches_[i].dir, ec), end; !ec && it != end;
         it.increment(ec)) {
        if (it->is_directory(ec)) watch(it->path().string());
    }
}

DirectoryWatcher::~DirectoryWatcher() {
    if (inotify_ >= 0) ::close(inotify_);
}

bool DirectoryWatcher::drain() {
    bool any = false;
    alignas(inotify_event) std::array<char, 4096> buf{};
    ssize_t len = 0;
    while ((len = ::read(inotify_, buf.data(), buf.size())) > 0) {
        for (ssize_t at = 0; at < len;) {
            inotify_event event{};
            std::memcpy(&event, buf.data() + at, sizeof event);
            const char* name = buf.data() + at + sizeof event;
            for (const auto& [wd, i] : descriptors_) {
                if (wd != event.wd) continue;
                if (!watches_[i].file.empty() && (event.len == 0 || watches_[i].file != name)) continue;
                pending_[i] = true;
                any = true;
            }
            at += static_cast<ssize_t>(sizeof event + event.len);
        }
    }
    return any;
}

void DirectoryWatcher::settle() {
    std::vector<bool> due(actions_.size(), false);
    for (std::size_t i = 0; i < watches_.size(); ++i) {
        if (pending_[i] && watches_[i].action < due.size()) due[watches_[i].action] = true;
        pending_[i] = false;
    }
    for (std::size_t a = 0; a < actions_.size(); ++a)
        if (due[a]) actions_[a]();
    for (std::size_t i = 0; i < watches_.size(); ++i)
        if (watches_[i].subdirs) add(i);  // a subdirectory made meanwhile
}

}  // namespace aalayer::service
