// The automaton labels the engine packs from permission pairs. encode()
// (file_permissions.h) writes one pair in 16 bits; these labels put a
// second pair, or flags, beside it. They are laid out here and only here:
// elsewhere a label is made with pack() and read with unpack().
#pragma once

#include <cstdint>

#include "policy/engine/file_permissions.h"

namespace aalayer::policy {

namespace label_layout {
inline constexpr Label kPairMask = 0xffffU;  // encode(PermPair), the low half
inline constexpr unsigned kHighShift = 16U;  // where a second pair starts
}  // namespace label_layout

// The layer's automaton (Composition, the proof): A(p), what its allow rules
// allow, and D(p), what its deny rules deny.
struct LayerLabel {
    PermPair allow;
    PermPair deny;

    [[nodiscard]] static LayerLabel of(const MatchPerms& m) { return {m.allow, m.deny}; }
    [[nodiscard]] static LayerLabel unpack(Label l) {
        return {decode(l & label_layout::kPairMask), decode(l >> label_layout::kHighShift)};
    }
    [[nodiscard]] Label pack() const { return encode(allow) | (encode(deny) << label_layout::kHighShift); }
};

// A grant's automaton (CompiledGrant::bound_dfa): the bound G(p), and whether
// the path is in the region. Label 0 outside the region.
struct GrantLabel {
    static constexpr Label kInRegion = 1U << label_layout::kHighShift;

    PermPair bound;
    bool in_region = false;

    [[nodiscard]] static GrantLabel unpack(Label l) {
        return {decode(l & label_layout::kPairMask), (l & kInRegion) != 0};
    }
    [[nodiscard]] Label pack() const { return in_region ? encode(bound) | kInRegion : Label{0}; }
};

// diff(): two effective policies' labels (each encode(pair)) side by side,
// 0 where they agree.
struct DiffLabel {
    PermPair a;
    PermPair b;

    [[nodiscard]] static Label between(Label a, Label b) {
        return a == b ? Label{0} : a | (b << label_layout::kHighShift);
    }
    [[nodiscard]] static DiffLabel unpack(Label l) {
        return {decode(l & label_layout::kPairMask), decode(l >> label_layout::kHighShift)};
    }
};

// The proof's failure search: the formula's pair, and what fails on the path.
struct CheckedLabel {
    static constexpr Label kMismatch = 1U << 30U;  // base ∩ child differs from the formula
    static constexpr Label kExceeds = 1U << 29U;   // the formula's answer exceeds the base or the grant
    static constexpr Label kFailures = kMismatch | kExceeds;

    PermPair policy;
    bool mismatch = false;
    bool exceeds = false;

    [[nodiscard]] static CheckedLabel unpack(Label l) {
        return {decode(l & label_layout::kPairMask), (l & kMismatch) != 0, (l & kExceeds) != 0};
    }
    [[nodiscard]] Label pack() const {
        return encode(policy) | (mismatch ? kMismatch : Label{0}) | (exceeds ? kExceeds : Label{0});
    }
};

// Two labels as one key, to number the pairs a product meets.
[[nodiscard]] inline std::uint64_t label_pair_key(Label a, Label b) {
    return (static_cast<std::uint64_t>(a) << 32U) | b;
}

}  // namespace aalayer::policy
