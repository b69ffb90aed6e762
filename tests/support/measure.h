// What the benchmarks and the hostile-input tests measure: latencies as
// milliseconds, their percentiles, and a process's memory from /proc.
#pragma once

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace aalayer::test {

inline double ms(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

inline double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// A field of /proc/PID/status in KiB ("VmHWM:" the peak, "VmRSS:" now); -1 if absent.
inline long status_kib(pid_t pid, std::string_view field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(field)) return std::stol(line.substr(field.size()));
    return -1;
}

}  // namespace aalayer::test
