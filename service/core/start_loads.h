// At start, the children are compiled together (KernelLoader::
// compile_together) and their binaries go to the kernel together
// (KernelLoader::load_together), a bounded batch at a time, while other
// layers are still being composed: a few parser runs for a few hundred
// layers instead of one or two each.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <utility>
#include <vector>

#include "service/core/layer_key.h"
#include "service/core/ports.h"

namespace aalayer::service {

// What a start compiled and put in the kernel together, in how many parser runs.
struct StartLoadStats {
    std::size_t compiled = 0;  // children not in the binary cache
    std::size_t compile_runs = 0;
    std::size_t children = 0;  // children loaded together
    std::size_t parser_runs = 0;
    std::vector<std::string> failed_runs;  // TogetherLoad::failed_runs of every batch
};

class StartLoads {
public:
    // At most `batch` children in a run: a failed run is retried child by
    // child, so a bound keeps that cost (and one run's input) bounded.
    StartLoads(KernelLoader& kernel, std::size_t batch) : kernel_(kernel), batch_(batch) {}

    // Any thread. A full batch is compiled and loaded on the calling thread,
    // no lock held.
    void add(LayerKey key, ChildText child);
    // Compiles and loads what is left. The children the parser or the kernel
    // refused, each with the error its own compile or load would have given.
    std::vector<std::pair<LayerKey, ServiceError>> finish();
    [[nodiscard]] StartLoadStats stats() const;

private:
    struct Pending {
        std::vector<LayerKey> keys;
        std::vector<ChildText> children;
    };
    void load(Pending pending);

    KernelLoader& kernel_;
    std::size_t batch_;
    static constexpr std::ptrdiff_t kRunsAtOnce = 2;
    std::counting_semaphore<kRunsAtOnce> runs_{kRunsAtOnce};  // batches being compiled and loaded
    mutable std::mutex mutex_;
    Pending pending_;
    std::vector<std::pair<LayerKey, ServiceError>> refused_;
    StartLoadStats stats_;
};

}  // namespace aalayer::service
