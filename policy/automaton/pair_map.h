// A map from a pair of state ids to a number, for product constructions and
// searches over pairs. Open addressing over one flat array: with
// std::unordered_map, a node allocation and a pointer chase per pair were
// most of the time of every product.
#pragma once

#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

namespace aalayer::policy {

class PairMap {
public:
    explicit PairMap(std::size_t expected = 64) {
        std::size_t capacity = 64;
        while (capacity < expected * 2)
            capacity *= 2;
        slots_.assign(capacity, Slot{});
        shift_ = 64U - static_cast<unsigned>(std::countr_zero(capacity));
    }

    // The value stored for (x, y), storing `value` first when there is none;
    // second is true when it was stored now.
    std::pair<std::uint32_t, bool> emplace(std::uint32_t x, std::uint32_t y, std::uint32_t value) {
        const std::uint64_t key = (static_cast<std::uint64_t>(x) << 32U) | y;
        for (std::size_t i = index(key);; i = (i + 1) & (slots_.size() - 1)) {
            Slot& slot = slots_[i];
            if (slot.key == key) return {slot.value, false};
            if (slot.key == kEmpty) {
                slot = Slot{key, value};
                if (++size_ * 2 > slots_.size()) grow();
                return {value, true};
            }
        }
    }

    [[nodiscard]] std::size_t size() const { return size_; }

private:
    // No state id reaches 2^32 - 1 (the DFA budgets are far below).
    static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
    struct Slot {
        std::uint64_t key = kEmpty;
        std::uint32_t value = 0;
    };

    [[nodiscard]] std::size_t index(std::uint64_t key) const {
        return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> shift_);
    }

    void grow() {
        std::vector<Slot> old(slots_.size() * 2);
        old.swap(slots_);
        --shift_;
        for (const Slot& s : old) {
            if (s.key == kEmpty) continue;
            std::size_t i = index(s.key);
            while (slots_[i].key != kEmpty)
                i = (i + 1) & (slots_.size() - 1);
            slots_[i] = s;
        }
    }

    std::vector<Slot> slots_;
    unsigned shift_ = 58;
    std::size_t size_ = 0;
};

}  // namespace aalayer::policy
