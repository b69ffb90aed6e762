// The audit-log denial source on a real file: it starts where the file ended
// when the source was made, not when its thread got to run.
#include "service/system/denial_sources.h"

#include <chrono>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace aalayer::test {
namespace {

using namespace std::chrono_literals;

class Heard {
public:
    void add(std::string_view text) {
        const std::lock_guard lock(mutex_);
        lines_.emplace_back(text);
    }
    // Waits (at most 5 s) for `count` lines.
    std::vector<std::string> wait_for(std::size_t count) {
        for (int i = 0; i < 100; ++i) {
            {
                const std::lock_guard lock(mutex_);
                if (lines_.size() >= count) return lines_;
            }
            std::this_thread::sleep_for(50ms);
        }
        const std::lock_guard lock(mutex_);
        return lines_;
    }

private:
    std::mutex mutex_;
    std::vector<std::string> lines_;
};

TEST(AuditLogSource, ARecordWrittenBeforeItsThreadRunsIsRead) {
    const TempDir dir;
    const std::string log = dir.write("audit.log", "type=AVC msg=audit(1.0:1): apparmor=\"DENIED\" old\n");
    auto source = service::make_denial_source({"audit-log", log});
    // After the source was made (the service's start) and before its thread
    // runs (a busy machine): this record is after "now" and must be read.
    std::ofstream(log, std::ios::app) << "type=AVC msg=audit(2.0:2): apparmor=\"DENIED\" new\n";
    Heard heard;
    std::thread reader(
        [&] { (void)source->run([&](std::string_view text, std::uint64_t) { heard.add(text); }); });
    const auto lines = heard.wait_for(1);
    std::this_thread::sleep_for(200ms);  // a second line, the old one, would have come by now
    source->stop();
    reader.join();
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_NE(lines[0].find("new"), std::string::npos) << lines[0];
    EXPECT_EQ(heard.wait_for(2).size(), 1U);
}

}  // namespace
}  // namespace aalayer::test
