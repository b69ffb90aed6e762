// Walks the rules of one profile the way apparmor_parser sees them:
// includes followed where they stand (each file once per profile),
// qualifier blocks applied to the rules inside them.
#pragma once

#include <functional>
#include <vector>

#include "policy/load/loader.h"

namespace aalayer::policy {

struct WalkedItem {
    const Item& item;
    const Qualifiers& outer;  // from the enclosing qualifier blocks
    bool included;            // reached through an include
};

// Calls visit for every item that is neither an include nor a qualifier
// block (those are followed); stops at the first error visit returns.
Status walk_profile(const Loader& loader, const LoadedPolicy& policy, const std::vector<Item>& items,
                    const std::function<Status(const WalkedItem&)>& visit);

}  // namespace aalayer::policy
