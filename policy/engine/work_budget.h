// Internal to policy/engine: the errors of a composition past its work
// budget (LayerRules::max_work), pinned on the rule that cost the most.
// docs/layer-algebra.md ("Budgets").
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "policy/engine/compose.h"

namespace aalayer::policy {

// The layer ran out of steps (LayerRules::max_work): the error names the
// rule that cost the most, so the user knows which pattern to simplify.
Error too_much_work(const LayerRules& layer, std::optional<std::size_t> costliest, const WorkMeter& meter);

// The rule with the largest cost, if any rule cost anything.
std::optional<std::size_t> costliest_rule(const std::vector<std::uint64_t>& cost);

// When the automaton of all the rules ran out of steps: each rule compiled
// on its own, on a second budget at most, to find the costliest. A rule that
// spends that budget alone is the one.
std::optional<std::size_t> locate_costliest(const LayerRules& layer, const ComposeOptions& options);

// A budget error of the whole rule set, pinned on the first rule that is
// over budget on its own (else on the layer as a whole).
Error locate_budget_error(Error error, const LayerRules& layer, const ComposeOptions& options);

}  // namespace aalayer::policy
