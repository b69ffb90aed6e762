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
    friend auto operator<=>(const LayerKey&, const LayerKey&) = default;
};

}  // namespace aalayer::service
