// Base, grant and layer read from files for one user, as the service
// would read them: the compose, explain and diff commands share this.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/engine/compose.h"
#include "policy/engine/identity.h"

namespace aalayer::tool {

struct LayerInputs {
    std::string base_file;
    std::string grant_file;
    std::vector<std::string> layer_files;
    std::vector<std::string> include_dirs;
    std::string profile;  // the base profile's name, when the grant file does not settle it
    std::string name;     // the layer's name; the layer file's stem by default
    policy::UserIdentity user;
    policy::LayerLimits layer_limits;  // what a layer is read under: the service's defaults
    policy::ComposeOptions options;
};

struct Composed {
    std::string layer_file;
    policy::Composition composition;
};

// Composes every layer file; findings of all of them are printed on stderr.
// An error that stops the engine is returned as a finding-formatted string.
std::optional<std::vector<Composed>> compose_all(const LayerInputs& in, std::string& error);

}  // namespace aalayer::tool
