#include "service/core/outcome.h"

namespace aalayer::service {

const char* error_name(ServiceErrorKind kind) {
    switch (kind) {
        case ServiceErrorKind::InvalidArgument: return "InvalidArgument";
        case ServiceErrorKind::InvalidLayer: return "InvalidLayer";
        case ServiceErrorKind::NotGranted: return "NotGranted";
        case ServiceErrorKind::NoSuchBase: return "NoSuchBase";
        case ServiceErrorKind::NoSuchLayer: return "NoSuchLayer";
        case ServiceErrorKind::PermissionDenied: return "PermissionDenied";
        case ServiceErrorKind::LimitExceeded: return "LimitExceeded";
        case ServiceErrorKind::KernelRefused: return "KernelRefused";
        case ServiceErrorKind::Busy: return "Busy";
        case ServiceErrorKind::Internal: return "Internal";
    }
    return "Internal";
}

ServiceError from_engine(const policy::Error& error) {
    return fail(
        error.kind == policy::ErrorKind::Limit ? ServiceErrorKind::LimitExceeded : ServiceErrorKind::Internal,
        error.format());
}

}  // namespace aalayer::service
