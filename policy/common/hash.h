// FNV-1a over a vector of words, one word a step (not byte by byte), with
// the high bits folded into the low ones: the hash of the state sets,
// columns and bit sets the automata intern.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace aalayer::policy {

template <typename Word>
std::size_t fnv1a_words(const std::vector<Word>& words) noexcept {
    std::uint64_t h = 1469598103934665603ULL;  // the FNV offset basis
    for (const auto x : words) {
        h ^= x;
        h *= 1099511628211ULL;  // the FNV prime
    }
    return static_cast<std::size_t>(h ^ (h >> 29U));
}

// fnv1a_words as a hasher for unordered containers keyed by vectors.
struct WordsHash {
    template <typename Word>
    std::size_t operator()(const std::vector<Word>& words) const noexcept {
        return fnv1a_words(words);
    }
};

}  // namespace aalayer::policy
