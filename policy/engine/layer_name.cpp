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

std::string child_name(const LayerId& id) {
    return "aalayer." + std::to_string(id.uid) + "." + id.name;
}

}  // namespace aalayer::policy
