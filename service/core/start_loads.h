// At start, the children's binaries (from the service's cache or compiled
// now) go to the kernel together (KernelLoader::load_together), a bounded
// batch at a time, while other layers are still being composed and
// compiled: one parser run for a few hundred layers instead of one each.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "service/core/layer_key.h"
#include "service/core/ports.h"

namespace aalayer::service {

// How many children a start put in the kernel together, in how many parser runs.
struct StartLoadStats {
    std::size_t children = 0;
    std::size_t parser_runs = 0;
    std::vector<std::string> failed_runs;  // TogetherLoad::failed_runs of every batch
};

class StartLoads {
public:
    // At most `batch` children in a run: a failed run is retried child by
    // child, so a bound keeps that cost (and one run's input) bounded.
    StartLoads(KernelLoader& kernel, std::size_t batch) : kernel_(kernel), batch_(batch) {}

    // Any thread. A full batch is loaded on the calling thread, no lock held.
    void add(LayerKey key, std::unique_ptr<CompiledChild> child);
    // Loads what is left. The children the kernel refused, each with the
    // error its own load would have given.
    std::vector<std::pair<LayerKey, ServiceError>> finish();
    [[nodiscard]] StartLoadStats stats() const;

private:
    struct Pending {
        std::vector<LayerKey> keys;
        std::vector<std::unique_ptr<CompiledChild>> children;
    };
    void load(Pending pending);

    KernelLoader& kernel_;
    std::size_t batch_;
    mutable std::mutex mutex_;
    Pending pending_;
    std::vector<std::pair<LayerKey, ServiceError>> refused_;
    StartLoadStats stats_;
};

}  // namespace aalayer::service
