// FNV-1a: over a vector of words, one word a step (not byte by byte), with
// the high bits folded into the low ones, the hash of the state sets,
// columns and bit sets the automata intern; over bytes, the service's file
// names and checksums. Not for anything an attacker must not collide.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aalayer::policy {

inline constexpr std::uint64_t kFnvOffsetBasis = 1469598103934665603ULL;
inline constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

template <typename Word>
std::size_t fnv1a_words(const std::vector<Word>& words) noexcept {
    std::uint64_t h = kFnvOffsetBasis;
    for (const auto x : words) {
        h ^= x;
        h *= kFnvPrime;
    }
    return static_cast<std::size_t>(h ^ (h >> 29U));
}

// The standard 64-bit FNV-1a of a byte string (stored on disk: never change it).
constexpr std::uint64_t fnv1a_bytes(std::string_view bytes) noexcept {
    std::uint64_t h = kFnvOffsetBasis;
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= kFnvPrime;
    }
    return h;
}

// 16 lowercase hex digits, as the service writes hashes in file names and checksums.
inline std::string hex64(std::uint64_t v) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4U)
        out[static_cast<std::size_t>(i)] = kDigits[v & 15U];
    return out;
}

// fnv1a_words as a hasher for unordered containers keyed by vectors.
struct WordsHash {
    template <typename Word>
    std::size_t operator()(const std::vector<Word>& words) const noexcept {
        return fnv1a_words(words);
    }
};

}  // namespace aalayer::policy
