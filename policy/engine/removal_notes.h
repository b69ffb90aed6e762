// Internal to policy/engine: notes on what a layer takes away without
// saying so (docs/layer-algebra.md, "What a layer takes away"). Inside the
// grant a layer is an allow-list, so a path the base allows and the layer
// neither allows nor denies loses its access; and where the base allows
// nothing in a grant rule's paths (a home the base does not cover), the
// layer's allow rules there give nothing. Notes, not warnings: the layer
// may mean it, and Check does not fail.
#pragma once

#include <vector>

#include "policy/engine/bounds.h"
#include "policy/engine/layer.h"

namespace aalayer::policy {

// At most this many regions are named; the rest are counted in one more note.
inline constexpr std::size_t kMaxRemovalNotes = 8;

// Bounds::region and region_cells, once per base and user (prepare_bounds).
Status prepare_region_cells(Bounds& bounds, const DfaLimits& limits);

// Appends the notes to `findings`, located on the layer (`layer.source`).
// `layer_dfa`: the layer's automaton (label: LayerLabel). An error is a
// budget (limits.work).
Status add_removal_notes(const Bounds& bounds, const Dfa& layer_dfa, const LayerRules& layer,
                         const DfaLimits& limits, std::vector<Finding>& findings);

}  // namespace aalayer::policy
