// Object paths of layers: /org/aalayer/layers/<uid>/<base>/<name>, each
// element escaped to D-Bus's [A-Za-z0-9_]: any other byte becomes _XX (hex).
#pragma once

#include <cstdint>
#include <string>

namespace aalayer::service {

inline constexpr const char* kManagerPath = "/org/aalayer/Manager1";
inline constexpr const char* kObjectManagerPath = "/org/aalayer";
inline constexpr const char* kBusName = "org.aalayer.Manager1";

std::string escape_path_element(const std::string& s);
std::string layer_object_path(std::uint32_t uid, const std::string& base, const std::string& name);

}  // namespace aalayer::service
