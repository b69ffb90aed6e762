// Messages about a layer or grant, located in its text.
#pragma once

#include <string>
#include <vector>

#include "policy/common/result.h"

namespace aalayer::policy {

enum class Severity : std::uint8_t { Error, Warning, Note };

const char* to_string(Severity severity);

struct Finding {
    Severity severity = Severity::Error;
    Location where;
    std::string message;

    // FILE:LINE:COL: severity: MESSAGE
    [[nodiscard]] std::string format() const;
    friend bool operator==(const Finding&, const Finding&) = default;
};

inline Finding to_finding(const Error& e) {
    return Finding{Severity::Error, e.where, e.message};
}

bool has_errors(const std::vector<Finding>& findings);

}  // namespace aalayer::policy
