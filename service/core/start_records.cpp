#include "service/core/start_records.h"

#include "policy/common/hash.h"

namespace aalayer::service {

std::uint64_t stored_layer_sum(const StoredLayer& layer) {
    // Each field length-prefixed, so no two layers' fields run together alike.
    std::string all;
    const auto add = [&all](std::string_view s) {
        all += std::to_string(s.size());
        all += ':';
        all += s;
    };
    add(std::to_string(layer.uid));
    add(layer.base);
    add(layer.name);
    add(layer.text);
    add(layer.strict ? "strict" : "");
    add(layer.complain ? "complain" : "");
    add(layer.accepted_child);
    add(std::to_string(static_cast<int>(layer.origin)));
    return policy::fnv1a_bytes(all);
}

}  // namespace aalayer::service
