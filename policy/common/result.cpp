#include "policy/common/result.h"

namespace aalayer::policy {

std::string to_string(const Location& where) {
    std::string out = where.file.empty() ? std::string("<input>") : where.file;
    if (where.line != 0) {
        out += ':' + std::to_string(where.line);
        if (where.column != 0) {
            out += ':' + std::to_string(where.column);
        }
    }
    return out;
}

const char* to_string(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Syntax: return "syntax";
        case ErrorKind::Invalid: return "invalid";
        case ErrorKind::Include: return "include";
        case ErrorKind::Variable: return "variable";
        case ErrorKind::Unsupported: return "unsupported";
        case ErrorKind::Limit: return "limit";
        case ErrorKind::Io: return "io";
    }
    return "unknown";
}

std::string Error::format() const {
    return to_string(where) + ": error: " + message;
}

}  // namespace aalayer::policy
