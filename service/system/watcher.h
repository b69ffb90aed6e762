// Watches the grant and base profile directories, and the account list
// (inotify), and calls back once things settle: an admin's edit recomputes
// the affected layers, a new account gets the admin's default layers.
#pragma once

#include <functional>
#include <string>
#include <thread>
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
    // Each action runs on the watcher's thread, 300 ms after the last event
    // of a burst that touched one of its watches.
    DirectoryWatcher(std::vector<std::function<void()>> actions, std::vector<Watch> watches);
    DirectoryWatcher(const DirectoryWatcher&) = delete;
    DirectoryWatcher& operator=(const DirectoryWatcher&) = delete;
    ~DirectoryWatcher();

private:
    void run();

    int inotify_ = -1;
    int stop_ = -1;
    std::vector<std::function<void()>> actions_;
    std::vector<Watch> watches_;
    // Adds dir (and, for a watch with subdirs, its subdirectories) as watch i.
    void add(std::size_t i);
    std::vector<std::pair<int, std::size_t>> descriptors_;  // inotify's descriptor, the watch
    std::thread thread_;
};

}  // namespace aalayer::service
