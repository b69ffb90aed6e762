// aalayer's exit codes, stable for scripts (aalayer(1) lists them).
#pragma once

#include <string>

namespace aalayer::cli {

enum ExitCode : int {
    kOk = 0,
    kLayerErrors = 1,         // the layer has errors (findings printed)
    kUsage = 2,               // bad command line
    kNotPermitted = 3,        // polkit said no
    kServiceUnavailable = 4,  // aalayerd cannot be reached
    kNotFound = 5,            // no such layer or base, or no grant for the base
    kRefused = 6,             // a limit, the kernel, a busy service, or no AppArmor to run under
    kInternal = 7,            // anything else
};

// The exit code for a D-Bus error name.
int exit_code_for(const std::string& error_name);

}  // namespace aalayer::cli
