// A map whose values are computed once per key, on first use, by whichever
// thread asks first; threads asking for the same key meanwhile wait for that
// result instead of computing it again (a base's automaton takes tens of
// milliseconds, and at start every layer on it asks at once). Different keys
// compute concurrently. Failures are not kept: the next caller tries again.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace aalayer::service {

template <typename Key, typename Value>
class OnceCache {
public:
    // `make` returns an Outcome-like value (bool conversion: success).
    Value get(const Key& key, const std::function<Value()>& make) {
        std::shared_ptr<Slot> slot;
        {
            const std::lock_guard lock(mutex_);
            auto& s = slots_[key];
            if (!s) s = std::make_shared<Slot>();
            slot = s;
        }
        const std::lock_guard lock(slot->mutex);
        if (slot->value) return *slot->value;
        Value value = make();
        if (value) slot->value = value;
        return value;
    }

private:
    struct Slot {
        std::mutex mutex;
        std::optional<Value> value;
    };
    std::mutex mutex_;
    std::map<Key, std::shared_ptr<Slot>> slots_;
};

}  // namespace aalayer::service
