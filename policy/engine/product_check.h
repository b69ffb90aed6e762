// The independent oracle for the proof, for tests and audits: not what
// compose() runs (compose() runs prove_child's walk, see Composition::prove),
// but the same question answered the plain way, one full product automaton
// per question, sharing no index with the proof. Tests compare the two on
// mutated children (tests/unit/compose_test.cpp) and on every corpus child.
#pragma once

#include <string>

#include "policy/engine/compose.h"

namespace aalayer::policy {

// base ∩ child (what the kernel computes under the stack, from the child's
// text) equals `effective` on every canonical path, `effective` never
// exceeds the base, and inside the grant region never exceeds the grant.
Status check_child_by_products(const BasePolicy& base, const CompiledGrant& grant,
                               const std::string& child_text, const Dfa& effective, const DfaLimits& limits);

}  // namespace aalayer::policy
