// A map whose values are computed once per key, on first use, by whichever
// thread asks first; threads asking for the same key meanwhile wait for that
// result instead of computing it again (a base's automaton takes tens of
// milliseconds, and at start every layer on it asks at once). Different keys
// compute concurrently. Failures are not kept: the next caller tries again.
// With a capacity, it keeps at most that many computed values, forgetting the
// least recently asked for (a user's bounds are a megabyte; a shared machine
// has hundreds of users, few of them asking at once).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace aalayer::service {

template <typename Key, typename Value>
class OnceCache {
public:
    // 0: keeps every value.
    explicit OnceCache(std::size_t capacity = 0) : capacity_(capacity) {}

    // `make` returns an Outcome-like value (bool conversion: success).
    Value get(const Key& key, const std::function<Value()>& make) {
        std::shared_ptr<Slot> slot;
        {
            const std::lock_guard lock(mutex_);
            auto& s = slots_[key];
            if (!s) s = std::make_shared<Slot>();
            s->last_used = ++clock_;
            slot = s;
        }
        {
            const std::lock_guard lock(slot->mutex);
            if (slot->value) return *slot->value;
        }
        Value value = computed(*slot, make);
        if (value) evict_beyond_capacity();
        return value;
    }

    // Values kept now (computed ones; not those being computed).
    [[nodiscard]] std::size_t size() {
        const std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& [key, slot] : slots_)
            n += slot->done ? 1 : 0;
        return n;
    }

private:
    struct Slot {
        std::mutex mutex;
        std::optional<Value> value;
        std::uint64_t last_used = 0;  // guarded by the cache's mutex
        bool done = false;            // guarded by the cache's mutex: `value` is set
    };

    Value computed(Slot& slot, const std::function<Value()>& make) {
        const std::lock_guard lock(slot.mutex);
        if (slot.value) return *slot.value;
        Value value = make();
        if (value) {
            slot.value = value;
            const std::lock_guard cache_lock(mutex_);
            slot.done = true;
        }
        return value;
    }

    // Forgets the least recently used computed values past the capacity. A
    // caller still holding a forgotten slot keeps its value; the next asks anew.
    void evict_beyond_capacity() {
        if (capacity_ == 0) return;
        const std::lock_guard lock(mutex_);
        for (;;) {
            std::size_t done = 0;
            auto oldest = slots_.end();
            for (auto it = slots_.begin(); it != slots_.end(); ++it) {
                if (!it->second->done) continue;
                ++done;
                if (oldest == slots_.end() || it->second->last_used < oldest->second->last_used) oldest = it;
            }
            if (done <= capacity_) return;
            slots_.erase(oldest);
        }
    }

    std::size_t capacity_;
    std::mutex mutex_;
    std::uint64_t clock_ = 0;
    std::map<Key, std::shared_ptr<Slot>> slots_;
};

}  // namespace aalayer::service
