#include "client/cli/messages.h"

#include <string_view>

#include "client/cli/exit_codes.h"

namespace aalayer::cli {

namespace {

// How the service ends "not authorized for ACTION" when polkit would let the
// caller in after authenticating (service/core/layer_manager.cpp).
constexpr std::string_view kAuthenticationRequired = ": authentication is required";

}  // namespace

std::string error_message(const std::string& name, const std::string& message, bool interactive) {
    const int code = exit_code_for(name);
    if (code == kServiceUnavailable) return "the aalayer service is not available (" + message + ")";
    const auto at = message.find(kAuthenticationRequired);
    if (code != kNotPermitted || at == std::string::npos) return message;
    const std::string said = message.substr(0, at + kAuthenticationRequired.size());
    // With --interactive polkit was allowed to ask and still wanted authentication: nobody
    // could ask, as no authentication agent runs in the caller's session.
    if (interactive)
        return said +
               ", and no polkit authentication agent answered: run it from a session where one is "
               "running (a desktop session has one; in a terminal, pkttyagent)";
    return said +
           ": run it again with --interactive, from a session where a polkit authentication agent "
           "is running";
}

}  // namespace aalayer::cli
