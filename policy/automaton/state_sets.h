// The states of a subset construction: sets of NFA states, each kept once,
// numbered in the order they were added. A set is looked up right after
// its epsilon closure marked its members, so a candidate with the same
// hash and size is compared by reading its members' marks, and the hash
// does not depend on the members' order: no set is sorted, and none is
// copied unless it is new. All sets live in one array.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "policy/automaton/nfa.h"

namespace aalayer::policy {

class StateSets {
public:
    explicit StateSets(std::size_t expected) {
        std::size_t capacity = 64;
        while (capacity < expected * 2)
            capacity *= 2;
        slots_.assign(capacity, 0);
        offset_.reserve(expected + 1);
        hash_.reserve(expected);
    }

    // The number of the set whose members are `members` (no repeats, any
    // order, each with mark[member] == generation and no other state so
    // marked), storing it first when there is none; second is true when it
    // was stored now.
    std::pair<std::uint32_t, bool> intern(std::span<const StateId> members,
                                          const std::vector<std::uint32_t>& mark, std::uint32_t generation) {
        std::uint64_t h = members.size();
        for (const auto m : members)
            h += mix(m);
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            const std::uint32_t slot = slots_[i];
            if (slot == 0) break;
            const std::uint32_t id = slot - 1;
            if (hash_[id] == h && same(id, members.size(), mark, generation)) return {id, false};
        }
        const auto id = static_cast<std::uint32_t>(hash_.size());
        hash_.push_back(h);
        members_.insert(members_.end(), members.begin(), members.end());
        offset_.push_back(static_cast<std::uint32_t>(members_.size()));
        place(id);
        if (hash_.size() * 2 > slots_.size()) grow();
        return {id, true};
    }

    [[nodiscard]] std::span<const StateId> members(std::uint32_t id) const {
        return {members_.data() + offset_[id], members_.data() + offset_[id + 1]};
    }
    [[nodiscard]] std::size_t size() const { return hash_.size(); }

private:
    // A member's share of the hash (SplitMix64's finaliser): sums of these
    // tell sets apart whatever the members' order.
    static std::uint64_t mix(std::uint64_t x) {
        x += 0x9E3779B97F4A7C15ULL;
        x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
        x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
        return x ^ (x >> 31U);
    }

    [[nodiscard]] bool same(std::uint32_t id, std::size_t size, const std::vector<std::uint32_t>& mark,
                            std::uint32_t generation) const {
        if (offset_[id + 1] - offset_[id] != size) return false;
        for (std::uint32_t i = offset_[id]; i < offset_[id + 1]; ++i) {
            if (mark[members_[i]] != generation) return false;
        }
        return true;
    }

    void place(std::uint32_t id) {
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = hash_[id] & mask;
        while (slots_[i] != 0)
            i = (i + 1) & mask;
        slots_[i] = id + 1;
    }

    void grow() {
        slots_.assign(slots_.size() * 2, 0);
        for (std::uint32_t id = 0; id < hash_.size(); ++id)
            place(id);
    }

    std::vector<StateId> members_;
    std::vector<std::uint32_t> offset_{0};  // set i: members_[offset_[i] .. offset_[i + 1]]
    std::vector<std::uint64_t> hash_;       // per set
    std::vector<std::uint32_t> slots_;      // set number + 1; 0: empty
};

}  // namespace aalayer::policy
