// Watches the grant and base profile directories, and the account list
// (inotify), and calls back once things settle: an admin's edit recomputes
// the affected layers, a new account gets the admin's default layers.
//
// No thread of its own (issue 21: each thread outside the worker pool gets
// a malloc arena): its owner polls fd(), calls drain() when it is readable,
// and settle() once kQuiet has passed since the last drain() that returned
// true. aalayerd does this on the bus loop (BusLoop::watch, and a WhenQuiet
// on the loop's timers for the debounce).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace aalayer::service {

class DirectoryWatcher {
public:
    struct Watch {
        std::string dir;
        std::string file;  // only this entry of dir; empty: any
        // Index into the actions: watches that share one run it once for a
        // burst that touched several of them (a reload per settled change).
        std::size_t action = 0;
        // Also the entries of its subdirectories, those made later included
        // (grants.d's NAME.defaults/ of default layers).
        bool subdirs = false;
    };
    // Debounce: an editor's save is several events; act this long after the last.
    static constexpr std::chrono::milliseconds kQuiet{300};

    DirectoryWatcher(std::vector<std::function<void()>> actions, std::vector<Watch> watches);
    DirectoryWatcher(const DirectoryWatcher&) = delete;
    DirectoryWatcher& operator=(const DirectoryWatcher&) = delete;
    ~DirectoryWatcher();

    // inotify's descriptor (non-blocking): readable when something changed.
    [[nodiscard]] int fd() const { return inotify_; }
    // Reads every event there is; true when one concerned a watch.
    bool drain();
    // Runs, on the calling thread, each action whose watches fired since the
    // last settle(), once however many of them did.
    void settle();

private:
    int inotify_ = -1;
    std::vector<std::function<void()>> actions_;
    std::vector<Watch> watches_;
    std::vector<bool> pending_;  // by watch: fired since the last settle()
    // Adds dir (and, for a watch with subdirs, its subdirectories) as watch i.
    void add(std::size_t i);
    std::vector<std::pair<int, std::size_t>> descriptors_;  // inotify's descriptor, the watch
};

}  // namespace aalayer::service
