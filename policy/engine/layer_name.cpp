// Layer names and the child's name under its base (compose.h).
#include <algorithm>

#include "policy/engine/compose.h"

namespace aalayer::policy {

Status validate_layer_name(const std::string& name) {
    const bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-';
    });
    if (ok) return {};
    return make_error(ErrorKind::Invalid, Location{},
                      "layer name '" + name + "' must be 1-64 letters, digits, '_' or '-'");
}

std::string transient_layer_name(std::uint64_t serial) {
    return "run." + std::to_string(serial);
}

std::optional<std::uint64_t> transient_serial(std::string_view name) {
    if (!name.starts_with("run.")) return std::nullopt;
    const std::string_view digits = name.substr(4);
    if (digits.empty() || digits.size() > 19 || (digits.size() > 1 && digits.front() == '0'))
        return std::nullopt;
    std::uint64_t n = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

std::string child_name(const LayerId& id) {
    return "aalayer." + std::to_string(id.uid) + "." + id.name;
}

}  // namespace aalayer::policy
