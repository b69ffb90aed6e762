#include "policy/engine/finding.h"

#include <algorithm>

namespace aalayer::policy {

const char* to_string(Severity severity) {
    switch (severity) {
        case Severity::Error: return "error";
        case Severity::Warning: return "warning";
        case Severity::Note: return "note";
    }
    return "error";
}

std::string Finding::format() const {
    return to_string(where) + ": " + to_string(severity) + ": " + message;
}

bool has_errors(const std::vector<Finding>& findings) {
    return std::any_of(findings.begin(), findings.end(),
                       [](const Finding& f) { return f.severity == Severity::Error; });
}

}  // namespace aalayer::policy
