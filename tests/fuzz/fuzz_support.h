// Shared setup for the libFuzzer targets: a small policy tree in memory (a
// base, tunables, two abstractions) and the bounds a layer composes with.
#pragma once

#include <memory>
#include <string>

#include "policy/engine/compose.h"
#include "policy/engine/identity.h"
#include "policy/source/memory_reader.h"

namespace aalayer::fuzz {

struct World {
    policy::MemoryReader reader;
    std::unique_ptr<policy::Loader> system;
    std::unique_ptr<policy::Loader> user;  // layer text: user variables predefined
    std::shared_ptr<const policy::Bounds> bounds;
};

// Built once per process.
const World& world();

// Small budgets: a fuzzer must find crashes, not spend its time on big automata.
policy::ComposeOptions small_options();

}  // namespace aalayer::fuzz
