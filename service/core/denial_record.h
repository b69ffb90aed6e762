// One denial record as a layer's ring keeps it: what the kernel denied,
// when first and last, and how often. Its own header so the ports
// (service/core/ports.h) can persist it without the log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace aalayer::service {

// Who the record says denied it: the layer's child, the base alone, or the
// stack as a whole (resolved by the engine when the record is read).
enum class DenialOrigin : std::uint8_t { Layer, Base, Stack };

struct Denial {
    std::uint64_t first_usec = 0;
    std::uint64_t last_usec = 0;
    std::uint64_t count = 0;
    std::uint64_t seq = 0;  // the log's change counter when this last changed
    std::string operation;
    std::string klass;
    std::string path;
    std::string peer;
    std::string detail;
    std::string requested;
    std::string denied;
    std::optional<std::uint32_t> fsuid;
    std::optional<std::uint32_t> ouid;
    std::uint32_t pid = 0;
    std::string comm;
    std::string info;
    bool complain = false;
    DenialOrigin origin = DenialOrigin::Layer;
    // The kernel saw the task's fsuid own the file.
    [[nodiscard]] bool owner() const { return fsuid && ouid && *fsuid == *ouid; }
};

}  // namespace aalayer::service
