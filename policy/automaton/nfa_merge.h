// Merging an NFA's states that have the same future: the same tags, and
// edges on the same bytes and epsilon edges to states already merged. Every
// glob is a chain of its own from the start, so rules that end alike (the
// same "/**" after different directories, the values of one variable
// followed by the same path) leave copies of one tail; the subset
// construction keeps such copies apart, state by state, and only a
// minimisation afterwards brings them together again. Merged first, they
// never part. The language and every path's tags stay as they were.
#pragma once

#include "policy/automaton/nfa.h"
#include "policy/automaton/work.h"

namespace aalayer::policy {

// The NFA with each set of such states as one (the start stays state 0).
// Its graph must be acyclic but for self-loops, as add_glob builds it.
// Charges a step per state and edge, and fails once the meter runs out.
Result<Nfa> merge_alike_tails(const Nfa& nfa, WorkMeter* meter);

}  // namespace aalayer::policy
