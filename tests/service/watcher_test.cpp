// The directory watcher with real inotify on temporary directories: one
// action per settled burst, however many of its watches fired.
#include "service/system/watcher.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <poll.h>

#include "tests/support/process.h"

namespace aalayer::test {
namespace {

using service::DirectoryWatcher;
using namespace std::chrono_literals;

// The watcher driven as its owner drives it (aalayerd: the bus loop): poll
// its fd, drain() when readable, settle() once quiet for kQuiet; here on a
// thread of the test's.
class Driven {
public:
    Driven(std::vector<std::function<void()>> actions, std::vector<DirectoryWatcher::Watch> watches)
        : watcher_(std::move(actions), std::move(watches)), thread_([this] { run(); }) {}
    Driven(const Driven&) = delete;
    Driven& operator=(const Driven&) = delete;
    ~Driven() {
        stop_ = true;
        thread_.join();
    }

private:
    void run() {
        using Clock = std::chrono::steady_clock;
        std::optional<Clock::time_point> last;
        while (!stop_) {
            pollfd p{watcher_.fd(), POLLIN, 0};
            (void)::poll(&p, 1, 20);
            if ((p.revents & POLLIN) != 0 && watcher_.drain()) last = Clock::now();
            if (last && Clock::now() - *last >= DirectoryWatcher::kQuiet) {
                watcher_.settle();
                last.reset();
            }
        }
    }
    DirectoryWatcher watcher_;
    std::atomic<bool> stop_{false};
    std::thread thread_;  // last: starts once the watcher is there
};

void touch(const std::string& path) {
    std::ofstream(path) << "x\n";
}

// Waits for a count to reach `want` and then a little past the debounce, so a
// second call that should not come would have come.
int settled(const std::atomic<int>& count, int want) {
    for (int i = 0; i < 100 && count.load() < want; ++i)
        std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(700ms);
    return count.load();
}

TEST(DirectoryWatcher, ABurstOverTwoWatchesOfOneActionRunsItOnce) {
    const TempDir grants;
    const TempDir profiles;
    std::atomic<int> reloads{0};
    std::atomic<int> accounts{0};
    const Driven watcher({[&] { ++reloads; }, [&] { ++accounts; }},
                         {{grants.path(), {}, 0, true}, {profiles.path(), {}, 0, false}});
    touch(grants.path() + "/app");
    touch(profiles.path() + "/app");
    EXPECT_EQ(settled(reloads, 1), 1);
    EXPECT_EQ(accounts.load(), 0);
    touch(profiles.path() + "/other");
    EXPECT_EQ(settled(reloads, 2), 2);
}

TEST(DirectoryWatcher, AFileWatchIgnoresItsNeighbours) {
    const TempDir etc;
    std::atomic<int> calls{0};
    const Driven watcher({[&] { ++calls; }}, {{etc.path(), "passwd", 0, false}});
    touch(etc.path() + "/group");
    EXPECT_EQ(settled(calls, 1), 0);
    // useradd writes a new file and renames it over the old one.
    touch(etc.path() + "/passwd+");
    std::filesystem::rename(etc.path() + "/passwd+", etc.path() + "/passwd");
    EXPECT_EQ(settled(calls, 1), 1);
}

TEST(DirectoryWatcher, ASubdirectoryMadeLaterIsWatchedToo) {
    const TempDir grants;
    std::atomic<int> calls{0};
    const Driven watcher({[&] { ++calls; }}, {{grants.path(), {}, 0, true}});
    std::filesystem::create_directory(grants.path() + "/app.defaults");
    EXPECT_EQ(settled(calls, 1), 1);
    touch(grants.path() + "/app.defaults/banking");
    EXPECT_EQ(settled(calls, 2), 2);
}

}  // namespace
}  // namespace aalayer::test
