// What aalayer says about an error the service returned: the service words
// its messages for any D-Bus caller ("interactive=true"); a CLI user needs
// the option to type (--interactive).
#pragma once

#include <string>

namespace aalayer::cli {

// The message for D-Bus error `name` with the service's `message`, for a
// command given --interactive or not.
std::string error_message(const std::string& name, const std::string& message, bool interactive);

}  // namespace aalayer::cli
