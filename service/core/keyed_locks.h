// One mutex per key, made on demand and dropped when nobody holds or waits
// for it, so the set stays as small as the work in flight. The service uses
// it to order everything that writes one layer (apply, remove, recompute)
// while different layers proceed in parallel.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>

namespace aalayer::service {

template <typename Key>
class KeyedLocks {
    struct Slot {
        std::mutex mutex;
        std::size_t users = 0;
    };

public:
    class Guard {
    public:
        Guard(KeyedLocks& owner, const Key& key) : owner_(&owner), key_(key) {
            Slot* slot = nullptr;
            {
                const std::lock_guard lock(owner_->mutex_);
                slot = &owner_->slots_[key_];
                ++slot->users;
            }
            // std::map nodes do not move, and the slot lives while users > 0.
            slot->mutex.lock();
            slot_ = slot;
        }
        ~Guard() {
            slot_->mutex.unlock();
            const std::lock_guard lock(owner_->mutex_);
            if (--slot_->users == 0) owner_->slots_.erase(key_);
        }
        Guard(const Guard&) = delete;
        Guard& operator=(const Guard&) = delete;
        Guard(Guard&&) = delete;
        Guard& operator=(Guard&&) = delete;

    private:
        KeyedLocks* owner_;
        Key key_;
        Slot* slot_ = nullptr;
    };

    [[nodiscard]] std::size_t size() const {
        const std::lock_guard lock(mutex_);
        return slots_.size();
    }

private:
    mutable std::mutex mutex_;
    std::map<Key, Slot> slots_;
};

}  // namespace aalayer::service
