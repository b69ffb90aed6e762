// Errors of the service, as the D-Bus edge names them (org.aalayer.Error.*).
// Every message is written for the person who has to act on it.
//
// Not the engine's vocabulary: policy::ErrorKind says what is wrong with
// policy text (Syntax, Include, Limit ...) and policy::Status carries a
// located policy::Error; ServiceErrorKind says what a caller of the service
// is told (NoSuchLayer, PermissionDenied ...) and ServiceStatus carries a
// ServiceError. The service maps the one to the other where it calls the
// engine (from_engine below, and the catalog's own choices of kind).
#pragma once

#include <string>
#include <utility>

#include "policy/common/result.h"
#include "policy/engine/finding.h"

namespace aalayer::service {

// What went wrong for the caller of a service request.
enum class ServiceErrorKind : std::uint8_t {
    InvalidArgument,   // a malformed argument (name, path, option)
    InvalidLayer,      // the layer text has errors (the message lists them)
    NotGranted,        // no grant for this base: users cannot layer on it
    NoSuchBase,        // no such base profile
    NoSuchLayer,       // no such layer of the caller's (or not visible to the caller)
    PermissionDenied,  // polkit said no, or polkit could not be asked
    LimitExceeded,     // a quota, rate limit or size limit
    KernelRefused,     // apparmor_parser or the kernel refused the child
    Busy,              // too many requests in flight
    Internal,          // anything unexpected: details only in the log
};

// "InvalidLayer" etc.: the last element of the D-Bus error name.
const char* error_name(ServiceErrorKind kind);

struct ServiceError {
    ServiceErrorKind kind = ServiceErrorKind::Internal;
    std::string message;
    // InvalidLayer of an Apply: the findings that refused it, so the D-Bus
    // edge can hand them over as values (option refusal_as_reply) and no
    // client has to parse them back out of `message`.
    std::vector<policy::Finding> findings;
};

inline ServiceError fail(ServiceErrorKind kind, std::string message) {
    return ServiceError{kind, std::move(message), {}};
}

// An engine error that is not about the layer's text: past its work budget
// (LimitExceeded), or anything else (Internal).
ServiceError from_engine(const policy::Error& error);

// A value or a ServiceError.
template <typename T>
using Outcome = policy::BasicResult<T, ServiceError>;

struct Done {};  // the value of an Outcome that has nothing to return
// Done, or the ServiceError of a request step that produces nothing.
using ServiceStatus = Outcome<Done>;

}  // namespace aalayer::service
