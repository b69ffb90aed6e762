// Failing closed (docs/layer-algebra.md, "When the admin widens a layer"):
// an admin's change to a base, grant or exclusion recomputes a layer, and
// the new child may allow what the child its owner accepted did not (a
// grant that shrinks turns part of an allow-list into "the base decides").
// Until the owner accepts the new meaning, the kernel gets the new child
// with deny rules for exactly those paths and permissions:
//
//   base ∩ held = effective_new ∩ accepted_child
//
// never wider than what was accepted, never wider than the new base.
#pragma once

#include <string>
#include <vector>

#include "policy/engine/compose.h"

namespace aalayer::policy {

struct Widening {
    // One example path per distinct widening, shortest first: `a` what the
    // accepted child allowed there under the new base, `b` the new policy.
    std::vector<Difference> regions;
    // The new child with the held-back paths denied; the new child itself
    // when nothing widened.
    std::string held_child;
};

// Compares `next` (a valid composition) with the child text the owner last
// accepted. Fails (a Limit or Unsupported error) when the widened paths
// cannot be written as globs; the caller then keeps the accepted child.
Result<Widening> hold_back(const Composition& next, const std::string& accepted_child,
                           const PermissionLimits& limits, const GlobRenderLimits& render,
                           std::size_t max_regions = 16);

}  // namespace aalayer::policy
