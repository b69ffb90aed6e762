// Runs a real program (apparmor_parser, aalayer-policy) from a test.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace aalayer::test {

struct ProcessResult {
    int exit_code = -1;  // -1: killed by a signal or timed out
    bool timed_out = false;
    std::string out;
    std::string err;
};

// Runs argv[0] (searched in PATH) with the arguments, stdin from /dev/null,
// capturing stdout and stderr; kills it after `timeout`.
ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A directory removed with everything in it when the object goes away.
class TempDir {
public:
    TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();
    [[nodiscard]] const std::string& path() const { return path_; }
    // Writes a file below the directory and returns its full path.
    std::string write(const std::string& name, const std::string& contents) const;

private:
    std::string path_;
};

// A whole file; "" when it cannot be read.
std::string read_all(const std::string& path);

// Value of an environment variable the test build sets, or the fallback.
std::string env_or(const char* name, const std::string& fallback);

}  // namespace aalayer::test
