// Watches the grant and base profile directories (inotify) and calls back
// once things settle, so an admin's edit recomputes the affected layers.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace aalayer::service {

class DirectoryWatcher {
public:
    DirectoryWatcher(const std::vector<std::string>& dirs, std::function<void()> on_change);
    DirectoryWatcher(const DirectoryWatcher&) = delete;
    DirectoryWatcher& operator=(const DirectoryWatcher&) = delete;
    ~DirectoryWatcher();

private:
    void run();

    int inotify_ = -1;
    int stop_ = -1;
    std::function<void()> on_change_;
    std::thread thread_;
};

}  // namespace aalayer::service
