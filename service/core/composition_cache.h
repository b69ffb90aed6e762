// The compositions of the layers being asked about now (Explain, Diff, the
// denials' explanations, Learn), at most `capacity`, the least recently used
// forgotten. A composition holds its automata and its user's bounds (about a
// megabyte with a base like Firefox's): the layers nobody asks about keep
// only what a reload needs (their text and their child's), and are composed
// again when asked. Not locked: the manager holds its own lock around each call.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>

#include "policy/engine/compose.h"
#include "service/core/layer_key.h"

namespace aalayer::service {

class CompositionCache {
public:
    explicit CompositionCache(std::size_t capacity) : capacity_(capacity) {}

    // The layer's composition if kept and computed for `version` of its entry.
    std::shared_ptr<const policy::Composition> find(const LayerKey& key, std::uint64_t version) {
        const auto it = index_.find(key);
        if (it == index_.end()) return nullptr;
        if (it->second->version != version) {
            order_.erase(it->second);
            index_.erase(it);
            return nullptr;
        }
        order_.splice(order_.begin(), order_, it->second);
        return it->second->composition;
    }
    void put(const LayerKey& key, std::uint64_t version, std::shared_ptr<const policy::Composition> c) {
        erase(key);
        if (capacity_ == 0) return;
        order_.push_front(Kept{key, version, std::move(c)});
        index_[key] = order_.begin();
        while (order_.size() > capacity_) {
            index_.erase(order_.back().key);
            order_.pop_back();
        }
    }
    void erase(const LayerKey& key) {
        const auto it = index_.find(key);
        if (it == index_.end()) return;
        order_.erase(it->second);
        index_.erase(it);
    }
    [[nodiscard]] std::size_t size() const { return order_.size(); }

private:
    struct Kept {
        LayerKey key;
        std::uint64_t version = 0;
        std::shared_ptr<const policy::Composition> composition;
    };
    std::size_t capacity_;
    std::list<Kept> order_;  // most recently used first
    std::map<LayerKey, std::list<Kept>::iterator> index_;
};

}  // namespace aalayer::service
