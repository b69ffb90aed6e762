// A layer's identity, shared by the layer manager and the denial log.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace aalayer::service {

// A layer's identity: its owner, its base profile and its name.
struct LayerKey {
    std::uint32_t uid = 0;
    std::string base;
    std::string name;
    // clang-tidy 14 reads the defaulted comparison's 0 as a null pointer.
    friend auto operator<=>(const LayerKey&, const LayerKey&) = default;  // NOLINT(modernize-use-nullptr)
};

}  // namespace aalayer::service
