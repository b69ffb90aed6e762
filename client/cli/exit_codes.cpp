#include "client/cli/exit_codes.h"

namespace aalayer::cli {

int exit_code_for(const std::string& name) {
    const std::string prefix = "org.aalayer.Error.";
    if (name.starts_with(prefix)) {
        const std::string e = name.substr(prefix.size());
        if (e == "InvalidLayer") return kLayerErrors;
        if (e == "InvalidArgument") return kUsage;
        if (e == "PermissionDenied") return kNotPermitted;
        if (e == "NoSuchLayer" || e == "NoSuchBase" || e == "NotGranted") return kNotFound;
        if (e == "LimitExceeded" || e == "KernelRefused" || e == "Busy") return kRefused;
        return kInternal;
    }
    for (const char* unavailable : {"ServiceUnknown", "NoReply", "FileNotFound", "Disconnected", "NoServer",
                                    "Timeout", "TimedOut", "NameHasNoOwner", "Spawn."}) {
        if (name.find(unavailable) != std::string::npos) return kServiceUnavailable;
    }
    return kInternal;
}

}  // namespace aalayer::cli
