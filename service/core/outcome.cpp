#include "service/core/outcome.h"

namespace aalayer::service {

const char* error_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::InvalidArgument: return "InvalidArgument";
        case ErrorKind::InvalidLayer: return "InvalidLayer";
        case ErrorKind::NotGranted: return "NotGranted";
        case ErrorKind::NoSuchBase: return "NoSuchBase";
        case ErrorKind::NoSuchLayer: return "NoSuchLayer";
        case ErrorKind::PermissionDenied: return "PermissionDenied";
        case ErrorKind::LimitExceeded: return "LimitExceeded";
        case ErrorKind::KernelRefused: return "KernelRefused";
        case ErrorKind::Busy: return "Busy";
        case ErrorKind::Internal: return "Internal";
    }
    return "Internal";
}

ServiceError from_engine(const policy::Error& error) {
    return fail(error.kind == policy::ErrorKind::Limit ? ErrorKind::LimitExceeded : ErrorKind::Internal,
                error.format());
}

}  // namespace aalayer::service
