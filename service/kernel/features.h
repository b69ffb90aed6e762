// AppArmor feature sets, as the kernel publishes them (a directory tree under
// securityfs: apparmor/features/namespaces/mask holds "userns_create") or as
// apparmor_parser reads them with -M (the same tree flattened into one file:
// "namespaces {mask {userns_create\n}\n}"), and what the system enforces
// beyond abi 3.0 from them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/syntax/model.h"

namespace aalayer::service {

// The words of the feature at `path` (e.g. {"namespaces", "mask"}) in a
// flattened feature file's text; empty when the feature is a group or has no
// words; nullopt when the file does not have it.
std::optional<std::vector<std::string>> flat_feature(std::string_view text,
                                                     const std::vector<std::string>& path);

// The same for a features directory or a flattened file; nullopt when it
// does not have the feature or cannot be read.
std::optional<std::vector<std::string>> read_feature(const std::string& features,
                                                     const std::vector<std::string>& path);

// The abi 4.0 classes both the parser's abi 4.0 file (`parser_abi4`, e.g.
// /etc/apparmor.d/abi/4.0) and `features` (what children are compiled for)
// mediate.
policy::SystemAbi detect_system_abi(const std::string& parser_abi4, const std::string& features);

}  // namespace aalayer::service
