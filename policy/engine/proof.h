// Internal to policy/engine: the proof compose() runs after every emit
// (docs/layer-algebra.md, "Composition", step 4).
#pragma once

#include <string>

#include "policy/engine/bounds.h"

namespace aalayer::policy {

// For every canonical path, the formula's answer from base, grant and layer
// (`layer`: LayerLabel) against the kernel's answer from
// base and the child as its text parses back, and the formula within the
// base and, in the region, the grant. A walk over the product of (base ×
// grant) with (layer × child); the full product is built only when a path
// fails, to name the shortest one. An error when the child is wrong.
Status prove_child(const Bounds& bounds, const Dfa& layer, const std::string& child_text,
                   const DfaLimits& limits);

}  // namespace aalayer::policy
