// Whether two rules say the same, for the emitter's round trip (emit, parse
// back, compare): `allow` is what a rule without the keyword means, so the
// emitter may leave it out. Used by the unit tests and fuzz-layer alike.
#pragma once

#include <type_traits>
#include <variant>

#include "policy/syntax/model.h"

namespace aalayer::test {

inline policy::Node without_allow(policy::Node node) {
    std::visit(
        [](auto& n) {
            if constexpr (requires { n.qualifiers; }) {
                if (n.qualifiers.access == policy::AccessMode::Allow)
                    n.qualifiers.access = policy::AccessMode::Implicit;
            }
        },
        node);
    return node;
}

inline bool same_rule(const policy::Node& a, const policy::Node& b) {
    return without_allow(a) == without_allow(b);
}

}  // namespace aalayer::test
