#include "service/core/start_loads.h"

namespace aalayer::service {

namespace {

// One of a semaphore's slots, held for a scope.
template <typename Semaphore>
class SlotHeld {
public:
    explicit SlotHeld(Semaphore& semaphore) : semaphore_(&semaphore) { semaphore_->acquire(); }
    SlotHeld(const SlotHeld&) = delete;
    SlotHeld& operator=(const SlotHeld&) = delete;
    ~SlotHeld() { semaphore_->release(); }

private:
    Semaphore* semaphore_;
};

}  // namespace

void StartLoads::add(LayerKey key, ChildText child) {
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
    // Two batches at a time at most: apparmor_parser compiles a run on
    // every core already, so more runs side by side would only multiply its
    // processes and their memory; a second one fills the cores while the
    // first starts up or waits for its last, slowest child.
    const SlotHeld running(runs_);
    TogetherCompile compiled = kernel_.compile_together(pending.children);
    std::vector<std::pair<LayerKey, ServiceError>> refused;
    std::vector<LayerKey> keys;
    std::vector<std::unique_ptr<CompiledChild>> together;
    // A backend that answers for fewer children than it was given fails the
    // rest: none of them may pass for loaded.
    const ServiceError no_result{ServiceErrorKind::KernelRefused, "the loader gave no result for it", {}};
    for (std::size_t i = 0; i < pending.keys.size(); ++i) {
        LayerKey& key = pending.keys[i];
        if (i >= compiled.results.size()) {
            refused.emplace_back(std::move(key), no_result);
            continue;
        }
        auto& child = compiled.results[i];
        if (!child) {
            refused.emplace_back(std::move(key), child.error());
        } else if (child.value()->loads_together()) {
            keys.push_back(std::move(key));
            together.push_back(std::move(child.value()));
        } else if (auto st = child.value()->load(); !st) {  // compile-only: nothing to load
            refused.emplace_back(std::move(key), st.error());
        }
    }
    TogetherLoad done;
    if (!together.empty()) done = kernel_.load_together(together);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (i >= done.results.size())
            refused.emplace_back(std::move(keys[i]), no_result);
        else if (!done.results[i])
            refused.emplace_back(std::move(keys[i]), done.results[i].error());
    }
    const std::lock_guard lock(mutex_);
    stats_.compiled += compiled.compiled;
    stats_.compile_runs += compiled.parser_runs;
    stats_.children += together.size();
    stats_.parser_runs += done.parser_runs;
    for (auto& why : done.failed_runs)
        stats_.failed_runs.push_back(std::move(why));
    for (auto& r : refused)
        refused_.push_back(std::move(r));
}

}  // namespace aalayer::service
