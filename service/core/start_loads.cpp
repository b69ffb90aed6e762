#include "service/core/start_loads.h"

namespace aalayer::service {

void StartLoads::add(LayerKey key, std::unique_ptr<CompiledChild> child) {
    Pending full;
    {
        const std::lock_guard lock(mutex_);
        pending_.keys.push_back(std::move(key));
        pending_.children.push_back(std::move(child));
        if (pending_.children.size() < batch_) return;
        full = std::exchange(pending_, Pending{});
    }
    load(std::move(full));
}

std::vector<std::pair<LayerKey, ServiceError>> StartLoads::finish() {
    Pending rest;
    {
        const std::lock_guard lock(mutex_);
        rest = std::exchange(pending_, Pending{});
    }
    if (!rest.children.empty()) load(std::move(rest));
    const std::lock_guard lock(mutex_);
    return std::exchange(refused_, {});
}

StartLoadStats StartLoads::stats() const {
    const std::lock_guard lock(mutex_);
    return stats_;
}

void StartLoads::load(Pending pending) {
    TogetherLoad done = kernel_.load_together(pending.children);
    const std::lock_guard lock(mutex_);
    stats_.children += pending.children.size();
    stats_.parser_runs += done.parser_runs;
    for (auto& why : done.failed_runs)
        stats_.failed_runs.push_back(std::move(why));
    for (std::size_t i = 0; i < pending.keys.size(); ++i) {
        if (i < done.results.size() && done.results[i]) continue;
        refused_.emplace_back(
            pending.keys[i],
            i < done.results.size()
                ? done.results[i].error()
                : ServiceError{ServiceErrorKind::KernelRefused, "the loader gave no result for it", {}});
    }
}

}  // namespace aalayer::service
