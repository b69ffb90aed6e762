// Deciding `if` blocks (syntax/model.h, Conditional) the way apparmor_parser
// does: where they stand in the text, with the booleans and variables
// defined before them, every condition of a chain evaluated, so a boolean
// that was never defined is an error even in a branch not taken.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "policy/common/result.h"
#include "policy/load/variables.h"
#include "policy/syntax/model.h"

namespace aalayer::policy {

// The index of the branch taken, or nullopt when none is. apparmor_parser
// 3.0's meanings: `${B}` is B's value, `defined @{V}` and `defined ${B}`
// whether V or B is defined; @{profile_name} is not defined yet where
// conditions are decided.
Result<std::optional<std::size_t>> choose_branch(const Conditional& c, const VariableTable& vars);

// The branch taken by each conditional, where the loader decided it.
using BranchChoices = std::map<const Conditional*, std::optional<std::size_t>>;

// Replaces every conditional in the items by the items of the branch taken,
// in place and recursively; a conditional with no choice is dropped (the
// loader never reached it: it stood in a branch not taken).
void splice_conditionals(std::vector<Item>& items, const BranchChoices& choices);

}  // namespace aalayer::policy
