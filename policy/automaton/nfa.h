// Byte-level NFA built from AppArmor globs. States live in a vector and refer
// to each other by index; the NFA is a value.
#pragma once

#include <bitset>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/common/result.h"

namespace aalayer::policy {

using ByteSet = std::bitset<256>;
using StateId = std::uint32_t;

struct NfaState {
    std::vector<std::pair<ByteSet, StateId>> edges;
    std::vector<StateId> epsilon;
    std::vector<std::uint32_t> tags;  // accepting: the rules (by id) a path ending here matches
};

struct Nfa {
    std::vector<NfaState> states{NfaState{}};  // state 0 is the start
    [[nodiscard]] StateId start() const { return 0; }
    StateId add_state() {
        states.emplace_back();
        return static_cast<StateId>(states.size() - 1);
    }
};

struct GlobLimits {
    std::size_t max_length = 16 * 1024;      // bytes of one glob after variable expansion
    std::size_t max_alternation_depth = 32;  // nested { }
    std::size_t max_nfa_states = 1'000'000;  // over all globs added to one NFA
};

// Adds one AppArmor glob to the NFA; a path that matches it reaches a state
// tagged `tag`. Semantics follow apparmor_parser (parser_regex.c):
//   *   any run of non-'/' bytes;  **  any run of bytes, '/' included;
//   ?   one non-'/' byte;  [..] [^..]  a byte class;  {a,b}  alternation (nested);
//   \c  the byte c;  runs of '/' collapse to one;
//   a run of '*' right after '/' and before '/' or the end must match at least
//   one non-'/' byte, so /dir/* and /dir/** do not match /dir/ itself.
// The glob must be expanded: @{VAR} is refused.
Status add_glob(Nfa& nfa, std::string_view glob, std::uint32_t tag, const Location& where,
                const GlobLimits& limits);

// Collapses runs of '/' (outside escapes) as apparmor_parser does before matching.
std::string collapse_slashes(std::string_view glob);

}  // namespace aalayer::policy
