// The paths the kernel asks about, and path sets written back as globs.
#pragma once

#include <string>
#include <vector>

#include "policy/automaton/dfa.h"

namespace aalayer::policy {

// Canonical paths: '/' then any bytes but NUL, never two '/' in a row. The
// kernel mediates only such names, so two path sets that agree on them are
// the same policy (globs cannot even spell the others: "//" collapses).
Dfa canonical_paths();

// The set restricted to canonical paths, minimised.
Result<Dfa> canonical_part(const Dfa& set, const DfaLimits& limits);

// A canonical path in a and not in b, if there is one.
Result<std::optional<std::string>> canonical_difference_witness(const Dfa& a, const Dfa& b,
                                                                const DfaLimits& limits);

// The canonical path shortest_witness would give for the set of canonical
// paths p with accept(a.label_of(p), b.label_of(p)), found by a search on
// the product of a, b and the canonical paths that builds none of them.
Result<std::optional<std::string>> canonical_witness(const Dfa& a, const Dfa& b,
                                                     const std::function<bool(Label, Label)>& accept,
                                                     const DfaLimits& limits);

// Joint byte classes of a and b over the bytes of canonical paths (no NUL),
// '/' apart and, with `utf8`, apart by the byte's UTF-8 role (utf8_kind):
// each stands for its most readable byte and comes in that byte's witness
// order, so a breadth-first search over them finds the least shortest path.
struct JointStep {
    std::uint16_t ca;
    std::uint16_t cb;
    unsigned char byte;
};
std::vector<JointStep> joint_steps(const Dfa& a, const Dfa& b, bool utf8);

struct GlobRenderLimits {
    std::size_t max_globs = 4096;
    std::size_t max_bytes = 1U << 20;  // all globs together
    std::size_t max_length = 4096;     // one glob
};

// AppArmor globs whose union matches exactly the canonical paths of `set`.
// Expressible sets are those whose only loops are `*` (any non-'/' bytes)
// and `**` (anything) — subtrees, names with wildcards, alternatives; the
// error names the first repetition that is not. The result is checked by
// compiling it back and comparing automata, so a returned list is exact.
Result<std::vector<std::string>> render_globs(const Dfa& set, const Location& where,
                                              const GlobRenderLimits& limits, const DfaLimits& dfa_limits);

// One literal byte or a byte class as glob text ("a", "\*", "?", "[^o/]").
std::string glob_literal(unsigned char byte);

}  // namespace aalayer::policy
