// The kernel's profile list, read once when first asked and not before: a
// recompute asks only for layers whose child text is unchanged (was it
// removed by hand meanwhile?), so an apply or a reload that reloads or skips
// every layer never pays for the list (it is a read of every profile name in
// securityfs). Shared by the threads of one start, reload or apply.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "service/core/ports.h"

namespace aalayer::service {

class ProfileSnapshot {
public:
    explicit ProfileSnapshot(KernelLoader& kernel) : kernel_(kernel) {}
    // Whether the kernel holds the profile; always yes where the backend
    // cannot list profiles (compile-only), as nothing is loaded there to lose.
    bool holds(const std::string& name) {
        std::call_once(read_, [this] { names_ = kernel_.loaded_profiles(); });
        return !names_ || names_->contains(name);
    }

private:
    KernelLoader& kernel_;
    std::once_flag read_;
    std::optional<std::unordered_set<std::string>> names_;
};

}  // namespace aalayer::service
