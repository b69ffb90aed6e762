// Runs a program with input on stdin and a time bound: apparmor_parser must
// never hang the service.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace aalayer::service {

struct CommandResult {
    int exit_code = -1;  // -1: did not run, or killed
    bool timed_out = false;
    std::string out;
    std::string err;
};

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input,
                          std::chrono::milliseconds timeout);

}  // namespace aalayer::service
