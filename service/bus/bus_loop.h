// The bus thread's loop. sd-bus is not thread-safe, so everything that
// touches the connection (replies, signals, objects) runs on this thread:
// workers post closures here, and an eventfd wakes the loop for them.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include <sdbus-c++/IConnection.h>

namespace aalayer::service {

class BusLoop {
public:
    explicit BusLoop(sdbus::IConnection& connection);
    BusLoop(const BusLoop&) = delete;
    BusLoop& operator=(const BusLoop&) = delete;
    ~BusLoop();

    // Thread-safe: runs `task` on the bus thread soon.
    void post(std::function<void()> task);
    // Runs until stop(); call on the bus thread.
    void run();
    void stop();  // thread-safe, async-signal-safe

private:
    void run_posted();

    sdbus::IConnection& connection_;
    int wake_fd_ = -1;
    std::mutex mutex_;
    std::vector<std::function<void()>> posted_;
    volatile bool stopping_ = false;
};

}  // namespace aalayer::service
