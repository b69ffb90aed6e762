#include "policy/automaton/nfa_merge.h"

#include <algorithm>
#include <span>
#include <unordered_map>

#include "policy/common/hash.h"

namespace aalayer::policy {

namespace {

constexpr std::uint32_t kNone = ~std::uint32_t{0};
constexpr std::uint32_t kSelf = kNone - 1;  // an edge back to the state itself

// The states reachable from the start, each after every state it leads to
// (self-loops aside); empty when some other cycle is found.
std::vector<StateId> tails_first(const Nfa& nfa) {
    const std::size_t n = nfa.states.size();
    constexpr std::uint8_t kOpen = 1;
    constexpr std::uint8_t kDone = 2;
    std::vector<std::uint8_t> seen(n, 0);
    std::vector<StateId> order;
    order.reserve(n);
    std::vector<std::pair<StateId, std::uint32_t>> path{{nfa.start(), 0}};
    seen[nfa.start()] = kOpen;
    while (!path.empty()) {
        auto& [s, next] = path.back();
        const NfaState& st = nfa.states[s];
        if (next < st.edges.size() + st.epsilon.size()) {
            const StateId to =
                next < st.edges.size() ? st.edges[next].second : st.epsilon[next - st.edges.size()];
            ++next;
            if (to == s || seen[to] == kDone) continue;
            if (seen[to] == kOpen) return {};
            seen[to] = kOpen;
            path.emplace_back(to, 0);  // invalidates s and next
            continue;
        }
        seen[s] = kDone;
        order.push_back(s);
        path.pop_back();
    }
    return order;
}

// States by their keys (lists of words), each key stored once in one array.
class KeyTable {
public:
    explicit KeyTable(std::size_t expected) {
        std::size_t capacity = 64;
        while (capacity < expected * 2)
            capacity *= 2;
        slots_.assign(capacity, kNone);
    }

    // The state first added with this key, or `state` when it is the first.
    StateId find_or_add(std::span<const std::uint32_t> key, StateId state) {
        std::uint64_t h = kFnvOffsetBasis;
        for (const auto w : key)
            h = (h ^ w) * kFnvPrime;
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = (h ^ (h >> 29U)) & mask;
        for (; slots_[i] != kNone; i = (i + 1) & mask) {
            const std::uint32_t e = slots_[i];
            if (hash_[e] == h && std::ranges::equal(key, stored(e))) return state_[e];
        }
        const auto e = static_cast<std::uint32_t>(state_.size());
        slots_[i] = e;
        hash_.push_back(h);
        state_.push_back(state);
        words_.insert(words_.end(), key.begin(), key.end());
        offset_.push_back(static_cast<std::uint32_t>(words_.size()));
        if (state_.size() * 2 > slots_.size()) grow();
        return state;
    }

private:
    [[nodiscard]] std::span<const std::uint32_t> stored(std::uint32_t e) const {
        return {words_.data() + offset_[e], words_.data() + offset_[e + 1]};
    }

    void grow() {
        slots_.assign(slots_.size() * 2, kNone);
        const std::size_t mask = slots_.size() - 1;
        for (std::uint32_t e = 0; e < state_.size(); ++e) {
            std::size_t i = (hash_[e] ^ (hash_[e] >> 29U)) & mask;
            while (slots_[i] != kNone)
                i = (i + 1) & mask;
            slots_[i] = e;
        }
    }

    std::vector<std::uint32_t> slots_;  // entry number, or kNone
    std::vector<std::uint64_t> hash_;   // per entry
    std::vector<StateId> state_;        // per entry
    std::vector<std::uint32_t> words_;
    std::vector<std::uint32_t> offset_{0};  // entry e: words_[offset_[e] .. offset_[e + 1]]
};

}  // namespace

Result<Nfa> merge_alike_tails(const Nfa& nfa, WorkMeter* meter) {
    const std::size_t n = nfa.states.size();
    if (!charge(meter, n)) return work_exhausted(Location{}, *meter);
    const std::vector<StateId> order = tails_first(nfa);
    if (order.empty()) return nfa;  // not as add_glob builds it: left alone
    // Byte sets by number, so a state's key is a list of words.
    std::unordered_map<ByteSet, std::uint32_t> byte_set_ids;
    std::vector<ByteSet> byte_sets;
    // Per state, its edges as (byte set << 32) | target, in order and
    // without repeats: read again below to write the merged NFA.
    std::vector<std::vector<std::uint64_t>> edges_of(n);
    std::vector<StateId> same(n, kNone);  // the state standing for each
    KeyTable keys(order.size());
    std::vector<std::uint32_t> key;
    std::vector<std::uint32_t> epsilon;
    for (const auto s : order) {
        const NfaState& st = nfa.states[s];
        if (!charge(meter, st.edges.size() + st.epsilon.size())) return work_exhausted(Location{}, *meter);
        auto& edges = edges_of[s];
        for (const auto& [bytes, to] : st.edges) {
            const auto [it, added] =
                byte_set_ids.emplace(bytes, static_cast<std::uint32_t>(byte_sets.size()));
            if (added) byte_sets.push_back(bytes);
            edges.push_back(std::uint64_t{it->second} << 32U | (to == s ? kSelf : same[to]));
        }
        std::sort(edges.begin(), edges.end());
        edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
        epsilon.clear();
        for (const auto to : st.epsilon)
            epsilon.push_back(to == s ? kSelf : same[to]);
        std::sort(epsilon.begin(), epsilon.end());
        epsilon.erase(std::unique(epsilon.begin(), epsilon.end()), epsilon.end());
        // The start is never merged into another: it stays state 0.
        if (s == nfa.start()) {
            same[s] = s;
            continue;
        }
        // Appended word by word: GCC 14 warns (wrongly) of an overflow in
        // vector::insert of a range here.
        key.clear();
        key.push_back(static_cast<std::uint32_t>(st.tags.size()));
        for (const auto tag : st.tags)
            key.push_back(tag);
        std::sort(key.begin() + 1, key.end());
        key.push_back(static_cast<std::uint32_t>(epsilon.size()));
        for (const auto to : epsilon)
            key.push_back(to);
        for (const auto e : edges) {
            key.push_back(static_cast<std::uint32_t>(e >> 32U));
            key.push_back(static_cast<std::uint32_t>(e));
        }
        same[s] = keys.find_or_add(key, s);
    }
    // The states that stand for others, renumbered with the start first.
    std::vector<StateId> number(n, kNone);
    Nfa out;
    number[nfa.start()] = 0;
    for (const auto s : order) {
        if (same[s] == s && s != nfa.start()) number[s] = out.add_state();
    }
    for (const auto s : order) {
        if (same[s] != s) continue;
        const NfaState& st = nfa.states[s];
        NfaState& into = out.states[number[s]];
        const StateId self = number[s];
        into.edges.reserve(edges_of[s].size());
        for (const auto e : edges_of[s]) {
            const auto to = static_cast<std::uint32_t>(e);
            into.edges.emplace_back(byte_sets[e >> 32U], to == kSelf ? self : number[to]);
        }
        for (const auto to : st.epsilon)
            into.epsilon.push_back(to == s ? self : number[same[to]]);
        std::sort(into.epsilon.begin(), into.epsilon.end());
        into.epsilon.erase(std::unique(into.epsilon.begin(), into.epsilon.end()), into.epsilon.end());
        into.tags = st.tags;
    }
    return out;
}

}  // namespace aalayer::policy
