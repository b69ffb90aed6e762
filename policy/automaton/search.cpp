// Searches on automata: the least shortest path to a label (witnesses, and
// the UTF-8 automaton they keep to whole characters with), and how two path
// sets meet. The constructions (determinize, minimize, product) are in
// dfa.cpp; both implement dfa.h.
#include <algorithm>
#include <deque>
#include <map>

#include "policy/automaton/dfa.h"
#include "policy/automaton/pair_map.h"
#include "policy/common/utf8.h"

namespace aalayer::policy {

std::optional<std::string> shortest_witness(const Dfa& dfa, const std::function<bool(Label)>& accept) {
    return shortest_witness(dfa, accept, DfaLimits{}).value();  // no meter: never fails
}

std::uint8_t utf8_step(std::uint8_t state, unsigned char b) {
    auto in = [b](unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
    switch (state) {
        case kUtf8Ready:
            if (b < 0x80) return kUtf8Ready;
            if (in(0xc2, 0xdf)) return 1;
            if (b == 0xe0) return 4;
            if (b == 0xed) return 5;
            if (in(0xe1, 0xef)) return 2;
            if (b == 0xf0) return 6;
            if (b == 0xf4) return 7;
            if (in(0xf1, 0xf3)) return 3;
            return kUtf8Dead;
        case 1: return in(0x80, 0xbf) ? kUtf8Ready : kUtf8Dead;  // one continuation byte to go
        case 2: return in(0x80, 0xbf) ? 1 : kUtf8Dead;           // two
        case 3: return in(0x80, 0xbf) ? 2 : kUtf8Dead;           // three
        case 4: return in(0xa0, 0xbf) ? 1 : kUtf8Dead;           // after E0: no overlong forms
        case 5: return in(0x80, 0x9f) ? 1 : kUtf8Dead;           // after ED: no surrogates
        case 6: return in(0x90, 0xbf) ? 2 : kUtf8Dead;           // after F0: no overlong forms
        case 7: return in(0x80, 0x8f) ? 2 : kUtf8Dead;           // after F4: nothing past U+10FFFF
        default: return kUtf8Dead;
    }
}

std::uint8_t utf8_kind(unsigned char byte) {
    static const std::array<std::uint8_t, 256> kKind = [] {
        std::array<std::uint8_t, 256> kind{};
        std::map<std::array<std::uint8_t, kUtf8States>, std::uint8_t> ids;
        for (unsigned b = 0; b < 256; ++b) {
            std::array<std::uint8_t, kUtf8States> column{};
            for (std::uint8_t s = 0; s < kUtf8States; ++s)
                column[s] = utf8_step(s, static_cast<unsigned char>(b));
            kind[b] = ids.emplace(column, static_cast<std::uint8_t>(ids.size())).first->second;
        }
        return kind;
    }();
    return kKind[byte];
}

namespace {

// Breadth-first search for the least shortest path to an accepted state.
// With `utf8`, over (state, UTF-8 state) pairs, accepting only between
// characters: the least shortest well-formed path.
Result<std::optional<std::string>> witness_search(const Dfa& dfa, const std::function<bool(Label)>& accept,
                                                  const DfaLimits& limits, bool utf8) {
    // Steps: a byte class (and with utf8 a byte kind), each standing for its
    // most readable byte, tried in that byte's order.
    struct Step {
        std::uint16_t cls;
        unsigned char byte;
    };
    std::vector<Step> steps;
    {
        std::vector<std::int32_t> seen(static_cast<std::size_t>(dfa.class_count) * 16, -1);
        for (unsigned c = 1; c < 256; ++c) {  // NUL never occurs in a path
            const auto byte = static_cast<unsigned char>(c);
            const std::size_t key =
                static_cast<std::size_t>(dfa.byte_class[byte]) * 16 + (utf8 ? utf8_kind(byte) : 0);
            if (seen[key] < 0) {
                seen[key] = static_cast<std::int32_t>(steps.size());
                steps.push_back(Step{dfa.byte_class[byte], byte});
            } else if (witness_rank(byte) < witness_rank(steps[static_cast<std::size_t>(seen[key])].byte)) {
                steps[static_cast<std::size_t>(seen[key])].byte = byte;
            }
        }
        std::stable_sort(steps.begin(), steps.end(), [](const Step& x, const Step& y) {
            return witness_rank(x.byte) < witness_rank(y.byte);
        });
    }
    const std::size_t width = utf8 ? kUtf8States : 1;
    auto node = [&](StateId s, std::uint8_t u) { return static_cast<std::size_t>(s) * width + u; };
    std::vector<std::int64_t> parent(dfa.state_count() * width, -2);
    std::vector<unsigned char> via(dfa.state_count() * width);
    std::deque<std::size_t> queue{node(dfa.start, kUtf8Ready)};
    parent[queue.front()] = -1;
    while (!queue.empty()) {
        const std::size_t n = queue.front();
        queue.pop_front();
        const auto s = static_cast<StateId>(n / width);
        const auto u = static_cast<std::uint8_t>(n % width);
        if (u == kUtf8Ready && accept(dfa.label[s])) {
            std::string path;
            for (std::size_t t = n; parent[t] >= 0; t = static_cast<std::size_t>(parent[t]))
                path += static_cast<char>(via[t]);
            std::reverse(path.begin(), path.end());
            return std::optional<std::string>(std::move(path));
        }
        if (!charge(limits.work, steps.size())) return work_exhausted(Location{}, *limits.work);
        for (const Step& step : steps) {
            const std::uint8_t next_u = utf8 ? utf8_step(u, step.byte) : kUtf8Ready;
            if (next_u == kUtf8Dead) continue;
            const std::size_t t =
                node(dfa.next[static_cast<std::size_t>(s) * dfa.class_count + step.cls], next_u);
            if (parent[t] == -2) {
                parent[t] = static_cast<std::int64_t>(n);
                via[t] = step.byte;
                queue.push_back(t);
            }
        }
    }
    return std::optional<std::string>();
}

}  // namespace

Result<std::optional<std::string>> shortest_witness(const Dfa& dfa, const std::function<bool(Label)>& accept,
                                                    const DfaLimits& limits) {
    // Any path first: when there is none, or the least is well-formed, it is
    // the answer (the least well-formed path too), and the search on the
    // product with the UTF-8 automaton is not needed. That keeps the common
    // cases (no witness, ASCII witness) at the cost of one search.
    AA_ASSIGN(std::optional<std::string> any, witness_search(dfa, accept, limits, false));
    if (!any || valid_utf8(*any)) return any;
    AA_ASSIGN(std::optional<std::string> whole, witness_search(dfa, accept, limits, true));
    return whole ? whole : any;
}

int witness_rank(unsigned char byte) {
    static const std::array<int, 256> kRank = [] {
        const std::string preferred =
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ._-/~+=@%:,";
        std::array<int, 256> rank{};
        for (unsigned c = 0; c < 256; ++c)
            rank[c] = 1000 + static_cast<int>(c);
        for (std::size_t i = 0; i < preferred.size(); ++i)
            rank[static_cast<unsigned char>(preferred[i])] = static_cast<int>(i);
        return rank;
    }();
    return kRank[byte];
}

Result<SetRelation> set_relation(const Dfa& a, const Dfa& b, const DfaLimits& limits) {
    std::vector<std::pair<std::uint16_t, std::uint16_t>> steps;
    {
        std::vector<bool> seen(static_cast<std::size_t>(a.class_count) * b.class_count, false);
        for (unsigned byte = 0; byte < 256; ++byte) {
            const std::size_t key =
                static_cast<std::size_t>(a.byte_class[byte]) * b.class_count + b.byte_class[byte];
            if (seen[key]) continue;
            seen[key] = true;
            steps.emplace_back(a.byte_class[byte], b.byte_class[byte]);
        }
    }
    SetRelation out;
    PairMap visited(std::max(a.state_count(), b.state_count()));
    std::vector<std::pair<StateId, StateId>> todo{{a.start, b.start}};
    visited.emplace(a.start, b.start, 0);
    while (!todo.empty()) {
        const auto [x, y] = todo.back();
        todo.pop_back();
        if (!charge(limits.work, steps.size())) return work_exhausted(Location{}, *limits.work);
        const bool in_a = a.label[x] != 0;
        const bool in_b = b.label[y] != 0;
        out.both = out.both || (in_a && in_b);
        out.only_a = out.only_a || (in_a && !in_b);
        out.only_b = out.only_b || (!in_a && in_b);
        if (out.both && out.only_a && out.only_b) break;
        for (const auto& [ca, cb] : steps) {
            const StateId nx = a.next[static_cast<std::size_t>(x) * a.class_count + ca];
            const StateId ny = b.next[static_cast<std::size_t>(y) * b.class_count + cb];
            if (!visited.emplace(nx, ny, 0).second) continue;
            if (visited.size() > limits.max_states) return too_complex(Location{}, limits.max_states);
            todo.emplace_back(nx, ny);
        }
    }
    return out;
}

bool set_is_empty(const Dfa& a) {
    // Any path will do: no need to look for a well-formed one first.
    return !witness_search(
                a, [](Label l) { return l != 0; }, DfaLimits{}, false)
                .value()
                .has_value();
}

Result<std::optional<std::string>> set_difference_witness(const Dfa& a, const Dfa& b,
                                                          const DfaLimits& limits) {
    AA_ASSIGN(Dfa p,
              product(
                  a, b, [](Label x, Label y) { return static_cast<Label>(x != 0 && y == 0); }, limits));
    return shortest_witness(
        p, [](Label l) { return l != 0; }, limits);
}

Result<bool> set_is_subset(const Dfa& a, const Dfa& b, const DfaLimits& limits) {
    AA_ASSIGN(std::optional<std::string> witness, set_difference_witness(a, b, limits));
    return !witness.has_value();
}

}  // namespace aalayer::policy
