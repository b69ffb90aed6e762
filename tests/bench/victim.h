// The victim of the benchmarks that attack aalayerd (hostile-bench,
// flood-bench): a user, in a process of its own with its own uid (the bench
// runs itself again with --client), who lists its layers, checks and
// applies, printing "KIND MS" per success and "error NAME" per failure; and
// the bench's side: starting it, reading what it printed, counting failures.
#pragma once

#include <future>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

#include "tests/support/process.h"

namespace aalayer::test {

// The victim's layer text: small, so its latencies are the service's.
inline constexpr const char* kVictimText = "owner @{HOME}/x/** r,\n";

// For `seconds`: GetManagedObjects ("list"), Check of `text` ("check") and,
// every fifth round, Apply of it to app/v0..v2 ("apply"), 200 ms between rounds.
int victim_loop(const std::string& address, double seconds, const std::string& text = kVictimText);
// For `seconds`: Check of `text` again and again, no pause (an attacker).
int check_loop(const std::string& address, double seconds, const std::string& text);

// What one victim process printed: KIND -> milliseconds, its errors.
struct VictimRun {
    std::map<std::string, std::vector<double>> latency;
    std::map<std::string, int> errors;
    int exit_code = -1;
};
VictimRun parse_victim(const ProcessResult& p);
// Prints each error ("victim error NAME: N") and counts them, plus a kind
// with no success and a failed exit.
int victim_failures(const VictimRun& run);

// This program's path (to run itself with --client as another uid).
std::string self_exe();
// Runs argv as uid (its primary group) on a thread; the timeout is
// `seconds` and two minutes more.
std::future<ProcessResult> start_as(uid_t uid, std::vector<std::string> argv, double seconds);

}  // namespace aalayer::test
