// Internal to policy/engine: clipping every allow rule of a layer in one
// walk (step 2 of compose(), docs/layer-algebra.md "Composition"). The
// per-rule way compiles each rule on its own and runs two witness searches
// and a set relation per grant rule on it: linear in rules with a large
// constant. The walk goes once over the canonical paths of the layer's
// automaton (whose states know which rules match) beside the grant's, and
// answers for every rule what the per-rule searches would:
// - the witnesses: breadth-first in witness order, the first path reached
//   that a rule's search accepts is that search's answer, whatever the
//   automaton (the least shortest path of a set depends on the set alone);
// - how the rule meets each grant rule (set_relation on its paths).
// A rule whose witness is not well-formed UTF-8 (canonical_witness then
// searches again), or that meets a grant rule partly (its overlap must be
// rendered), still takes the per-rule way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/engine/bounds.h"

namespace aalayer::policy {

struct RuleClip {
    // The shortest canonical path of the rule outside the region, and (when
    // there is none) one in it with more than the bound; as Clipper::check finds them.
    std::optional<std::string> outside;
    std::optional<std::string> beyond;
    // set_relation(rule's canonical paths, grant rule j's region) for each j.
    std::vector<SetRelation> meets;
    // False: the rule must take the per-rule way (see above).
    bool settled = true;
};

// One entry per layer rule (deny rules' entries are empty). An error is a
// budget: a Limit past the work meter, or a walk larger than the state
// budget (the per-rule way may still fit then).
Result<std::vector<RuleClip>> scan_clipping(const Bounds& bounds, const PermissionAutomaton& layer,
                                            const DfaLimits& limits);

}  // namespace aalayer::policy
