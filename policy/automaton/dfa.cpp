// The constructions of dfa.h: determinize, minimize, product, the set
// algebra and compile_globs. The searches (witnesses, set_relation) are in
// search.cpp.
#include "policy/automaton/dfa.h"

#include <algorithm>
#include <bit>
#include <deque>
#include <map>
#include <memory>
#include <numeric>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "policy/automaton/pair_map.h"
#include "policy/automaton/state_sets.h"
#include "policy/common/hash.h"

namespace aalayer::policy {

namespace {

// Partitions the 256 bytes so that no byte set in `sets` splits a class.
void compute_classes(const std::vector<ByteSet>& sets, std::array<std::uint16_t, 256>& byte_class,
                     std::uint16_t& class_count) {
    // Signature of a byte: which sets contain it. Bytes with equal signatures share a class.
    std::map<std::vector<bool>, std::uint16_t> ids;
    for (unsigned b = 0; b < 256; ++b) {
        std::vector<bool> sig(sets.size());
        for (std::size_t i = 0; i < sets.size(); ++i)
            sig[i] = sets[i].test(b);
        auto [it, inserted] = ids.emplace(std::move(sig), static_cast<std::uint16_t>(ids.size()));
        byte_class[b] = it->second;
    }
    class_count = static_cast<std::uint16_t>(ids.size());
}

// Per class, the number of the first class whose column (its target in
// every state) is the same, numbered in order of first appearance. The
// columns are compared through hashes taken row by row and then checked
// row by row: reading a column at a time strides through the whole table
// once per class.
std::vector<std::uint16_t> alike_classes(const Dfa& dfa) {
    const std::size_t k = dfa.class_count;
    const std::size_t n = dfa.state_count();
    std::vector<std::uint64_t> hash(k, kFnvOffsetBasis);
    for (std::size_t s = 0; s < n; ++s) {
        const StateId* row = &dfa.next[s * k];
        for (std::size_t c = 0; c < k; ++c)
            hash[c] = (hash[c] ^ row[c]) * kFnvPrime;
    }
    std::vector<std::uint16_t> same(k);  // the first class with the same hash
    for (std::size_t c = 0; c < k; ++c) {
        same[c] = static_cast<std::uint16_t>(c);
        for (std::size_t d = 0; d < c; ++d) {
            if (hash[d] == hash[c]) {
                same[c] = static_cast<std::uint16_t>(d);
                break;
            }
        }
    }
    // Equal hashes of different columns: split them off as classes of their own.
    std::vector<std::uint16_t> merging;
    for (std::size_t c = 0; c < k; ++c) {
        if (same[c] != c) merging.push_back(static_cast<std::uint16_t>(c));
    }
    for (std::size_t s = 0; s < n && !merging.empty(); ++s) {
        const StateId* row = &dfa.next[s * k];
        for (const auto c : merging) {
            if (row[c] != row[same[c]]) same[c] = c;
        }
    }
    std::vector<std::uint16_t> remap(k);
    std::uint16_t count = 0;
    for (std::size_t c = 0; c < k; ++c)
        remap[c] = same[c] == c ? count++ : remap[same[c]];
    return remap;
}

// Hopcroft's partition refinement: the coarsest partition, compatible with
// the labels, that every transition respects. O(k n log n) for k classes.
// False when the meter runs out first. A predecessor is one word,
// (state << 8) | class: Pred is 32 bits wide when the states fit in 24
// (every automaton the budgets allow), which halves what the predecessor
// rows write and read against a state and a class apart.
template <typename Pred>
bool coarsest_partition(const Dfa& dfa, const std::vector<Label>& label, std::size_t& block_count,
                        std::vector<std::uint32_t>& block, WorkMeter* meter) {
    const std::size_t n = dfa.state_count();
    const std::size_t k = dfa.class_count;
    if (!charge(meter, 2 * n * k)) return false;  // the predecessor rows
    // Predecessors per state: a splitter visits only the transitions into
    // it, not every class of every state in it (most classes of most states
    // lead to the dead state).
    // Neighbouring classes of a row mostly share a target: counting and
    // filling run by run spares a store and a reload of the same counter
    // per class.
    std::vector<std::uint32_t> pred_start(n + 1, 0);
    for (std::size_t s = 0; s < n; ++s) {
        const StateId* row = &dfa.next[s * k];
        for (std::size_t c = 0; c < k;) {
            const StateId to = row[c];
            const std::size_t from = c;
            while (++c < k && row[c] == to) {
            }
            pred_start[to + 1] += static_cast<std::uint32_t>(c - from);
        }
    }
    for (std::size_t i = 1; i < pred_start.size(); ++i)
        pred_start[i] += pred_start[i - 1];
    // Every slot is written below: no zeroing first.
    const auto preds = std::make_unique_for_overwrite<Pred[]>(n * k);
    {
        std::vector<std::uint32_t> fill(pred_start.begin(), pred_start.end() - 1);
        for (std::size_t s = 0; s < n; ++s) {
            const Pred from = static_cast<Pred>(static_cast<Pred>(s) << 8U);
            const StateId* row = &dfa.next[s * k];
            for (std::size_t c = 0; c < k;) {
                const StateId to = row[c];
                std::uint32_t at = fill[to];
                do {
                    preds[at++] = static_cast<Pred>(from | c);
                } while (++c < k && row[c] == to);
                fill[to] = at;
            }
        }
    }
    // Blocks are ranges of `elems`; a block's marked states sit at its front.
    std::vector<std::uint32_t> elems(n);
    std::vector<std::uint32_t> loc(n);
    block.assign(n, 0);
    std::vector<std::uint32_t> first;
    std::vector<std::uint32_t> end;
    std::vector<std::uint32_t> marked_end;
    {
        std::unordered_map<Label, std::uint32_t> by_label;
        std::vector<std::uint32_t> sizes;
        for (std::size_t s = 0; s < n; ++s) {
            auto [it, inserted] = by_label.emplace(label[s], static_cast<std::uint32_t>(sizes.size()));
            if (inserted) sizes.push_back(0);
            block[s] = it->second;
            ++sizes[it->second];
        }
        std::uint32_t at = 0;
        for (const auto size : sizes) {
            first.push_back(at);
            marked_end.push_back(at);
            at += size;
            end.push_back(at);
        }
        std::vector<std::uint32_t> fill(first);
        for (std::size_t s = 0; s < n; ++s) {
            loc[s] = fill[block[s]]++;
            elems[loc[s]] = static_cast<std::uint32_t>(s);
        }
    }
    // Every block but the largest starts as a splitter: a partition stable
    // under all the others is stable under it too (each state has one
    // successor per class, so the rest of the states is what the others
    // leave). The largest is usually the dead state's, whose predecessors
    // are most of the transitions.
    std::vector<std::uint32_t> work;
    std::vector<bool> in_work(first.size(), true);
    std::uint32_t largest = 0;
    for (std::uint32_t b = 1; b < first.size(); ++b)
        if (end[b] - first[b] > end[largest] - first[largest]) largest = b;
    for (std::uint32_t b = 0; b < first.size(); ++b) {
        if (b == largest) {
            in_work[b] = false;
        } else {
            work.push_back(b);
        }
    }
    // A splitter's predecessors, grouped by class (a counting sort into
    // one array): by_class[class_at[c] .. class_end[c]].
    std::vector<std::uint32_t> by_class;
    std::vector<std::uint32_t> class_at(k, 0);
    std::vector<std::uint32_t> class_end(k, 0);
    std::vector<std::uint64_t> bucket_hash(k, 0);  // of the states in each class's part, in order
    std::vector<std::uint16_t> classes;            // the classes with any, in order of first appearance
    std::vector<std::uint32_t> touched;
    while (!work.empty()) {
        const std::uint32_t a = work.back();
        work.pop_back();
        in_work[a] = false;
        classes.clear();
        std::uint64_t gathered = end[a] - first[a];
        for (std::uint32_t e = first[a]; e < end[a]; ++e) {
            const std::uint32_t t = elems[e];
            gathered += pred_start[t + 1] - pred_start[t];
            for (std::uint32_t i = pred_start[t]; i < pred_start[t + 1]; ++i) {
                const auto c = static_cast<std::uint16_t>(preds[i] & 0xffU);
                if (class_end[c]++ == 0) classes.push_back(c);
            }
        }
        if (by_class.size() < gathered) by_class.resize(gathered);
        {
            std::uint32_t at = 0;
            for (const auto c : classes) {
                class_at[c] = at;
                at += class_end[c];
                class_end[c] = class_at[c];
            }
        }
        for (const auto c : classes)
            bucket_hash[c] = kFnvOffsetBasis;
        for (std::uint32_t e = first[a]; e < end[a]; ++e) {
            const std::uint32_t t = elems[e];
            for (std::uint32_t i = pred_start[t]; i < pred_start[t + 1]; ++i) {
                const auto c = static_cast<std::uint16_t>(preds[i] & 0xffU);
                const auto s = static_cast<std::uint32_t>(preds[i] >> 8U);
                by_class[class_end[c]++] = s;
                bucket_hash[c] = (bucket_hash[c] ^ s) * kFnvPrime;
            }
        }
        if (!charge(meter, gathered)) return false;
        for (std::size_t ci = 0; ci < classes.size(); ++ci) {
            const auto c = classes[ci];
            std::uint64_t steps = class_end[c] - class_at[c];
            // Most classes of a splitter lead into it from the same states
            // as another (every letter, say): once one of them split the
            // blocks, every block is wholly in that set or wholly out of
            // it, and the others would mark whole blocks and split none.
            const auto same_states = [&](std::uint16_t d) {
                return bucket_hash[d] == bucket_hash[c] && class_end[d] - class_at[d] == steps &&
                       std::equal(&by_class[class_at[d]], &by_class[class_end[d]], &by_class[class_at[c]]);
            };
            if (std::any_of(classes.begin(), classes.begin() + static_cast<std::ptrdiff_t>(ci),
                            same_states)) {
                if (!charge(meter, steps)) return false;
                continue;
            }
            touched.clear();
            for (std::uint32_t at = class_at[c]; at < class_end[c]; ++at) {
                const std::uint32_t s = by_class[at];
                const std::uint32_t b = block[s];
                if (loc[s] < marked_end[b]) continue;  // already marked
                if (marked_end[b] == first[b]) touched.push_back(b);
                const std::uint32_t other = elems[marked_end[b]];
                std::swap(elems[loc[s]], elems[marked_end[b]]);
                loc[other] = loc[s];
                loc[s] = marked_end[b]++;
            }
            if (!charge(meter, steps)) return false;
            for (const auto b : touched) {
                if (marked_end[b] == end[b]) {  // every state marked: no split
                    marked_end[b] = first[b];
                    continue;
                }
                // Split off the marked front as a new block.
                const auto nb = static_cast<std::uint32_t>(first.size());
                first.push_back(first[b]);
                end.push_back(marked_end[b]);
                marked_end.push_back(first[b]);
                first[b] = marked_end[b];
                marked_end[b] = first[b];
                for (std::uint32_t i = first[nb]; i < end[nb]; ++i)
                    block[elems[i]] = nb;
                const bool new_smaller = end[nb] - first[nb] <= end[b] - first[b];
                in_work.push_back(false);
                if (in_work[b] || new_smaller) {
                    work.push_back(nb);
                    in_work[nb] = true;
                } else {
                    work.push_back(b);
                    in_work[b] = true;
                }
            }
        }
        for (const auto c : classes)
            class_end[c] = 0;
    }
    block_count = first.size();
    return true;
}

}  // namespace

StateId Dfa::run(std::string_view input) const {
    StateId s = start;
    for (const char c : input)
        s = step(s, static_cast<unsigned char>(c));
    return s;
}

Dfa Dfa::empty() {
    Dfa d;
    d.next = {0};
    d.label = {0};
    return d;
}

Dfa Dfa::everything() {
    Dfa d;
    d.next = {0};
    d.label = {1};
    return d;
}

Result<TaggedDfa> determinize(const Nfa& nfa, const DfaLimits& limits, const Location& where) {
    TaggedDfa out;
    Dfa& dfa = out.dfa;
    {
        // Distinct edge sets only: identical sets do not refine further.
        std::unordered_set<ByteSet> distinct;
        for (const auto& s : nfa.states) {
            for (const auto& [bytes, to] : s.edges)
                distinct.insert(bytes);
        }
        const std::vector<ByteSet> sets(distinct.begin(), distinct.end());
        if (!charge(limits.work, 256 * (sets.size() + 1))) return work_exhausted(where, *limits.work);
        compute_classes(sets, dfa.byte_class, dfa.class_count);
    }
    // Bytes of each class, to test edges once per class.
    std::vector<unsigned char> rep(dfa.class_count);
    for (unsigned b = 0; b < 256; ++b)
        rep[dfa.byte_class[b]] = static_cast<unsigned char>(b);

    // Which classes each NFA edge covers, computed once rather than per DFA
    // state, and once per distinct byte set (a pattern's states mostly
    // repeat a few): class_lists[edge_list[edge_offset[state] + edge]].
    std::unordered_map<ByteSet, std::uint32_t> list_of_set;
    std::vector<std::vector<std::uint16_t>> class_lists;
    std::vector<std::uint32_t> list_size;  // class_lists[i].size(), beside the edges' lists
    // The edges' targets and the epsilon edges are copied beside them, in
    // flat arrays: the construction then reads no NfaState.
    std::vector<std::uint32_t> edge_offset(nfa.states.size() + 1, 0);
    std::vector<std::uint32_t> edge_list;
    std::vector<StateId> edge_to;
    std::vector<std::uint32_t> epsilon_offset(nfa.states.size() + 1, 0);
    std::vector<StateId> epsilon_to;
    for (std::size_t i = 0; i < nfa.states.size(); ++i) {
        if (!charge(limits.work, 1 + nfa.states[i].edges.size() * dfa.class_count))
            return work_exhausted(where, *limits.work);
        for (const auto& [bytes, to] : nfa.states[i].edges) {
            auto [it, inserted] = list_of_set.emplace(bytes, static_cast<std::uint32_t>(class_lists.size()));
            if (inserted) {
                std::vector<std::uint16_t> classes;
                for (std::uint16_t cls = 0; cls < dfa.class_count; ++cls)
                    if (bytes.test(rep[cls])) classes.push_back(cls);
                list_size.push_back(static_cast<std::uint32_t>(classes.size()));
                class_lists.push_back(std::move(classes));
            }
            edge_list.push_back(it->second);
            edge_to.push_back(to);
        }
        edge_offset[i + 1] = static_cast<std::uint32_t>(edge_list.size());
        epsilon_to.insert(epsilon_to.end(), nfa.states[i].epsilon.begin(), nfa.states[i].epsilon.end());
        epsilon_offset[i + 1] = static_cast<std::uint32_t>(epsilon_to.size());
    }
    // Epsilon closure with a generation-stamped marker: no per-call
    // allocation. It leaves the closed set in `closed`, in no order, its
    // members (and only they) marked with the current generation, which is
    // what StateSets compares against. A state is marked once per closure,
    // so the closure and its stack fit in arrays of the NFA's size, written
    // without a capacity check per state.
    std::vector<std::uint32_t> mark(nfa.states.size(), 0);
    std::uint32_t generation = 0;
    std::vector<StateId> stack(nfa.states.size());
    std::vector<StateId> closed_states(nfa.states.size());
    std::span<const StateId> closed;
    auto closure = [&](std::span<const StateId> set) {
        ++generation;
        std::size_t size = 0;
        std::size_t depth = 0;
        for (const auto s : set) {
            if (mark[s] != generation) {
                mark[s] = generation;
                closed_states[size++] = s;
                // Most states have no epsilon edge to follow.
                if (epsilon_offset[s] != epsilon_offset[s + 1]) stack[depth++] = s;
            }
        }
        while (depth > 0) {
            const StateId s = stack[--depth];
            for (std::uint32_t e = epsilon_offset[s]; e < epsilon_offset[s + 1]; ++e) {
                const StateId t = epsilon_to[e];
                if (mark[t] != generation) {
                    mark[t] = generation;
                    closed_states[size++] = t;
                    stack[depth++] = t;
                }
            }
        }
        closed = std::span<const StateId>(closed_states.data(), size);
    };

    std::unordered_map<std::vector<std::uint32_t>, Label, WordsHash> tag_ids{{{}, 0}};
    out.tag_sets.emplace_back();
    std::vector<std::uint32_t> tags;
    auto label_for = [&](std::span<const StateId> set) {
        tags.clear();
        for (const auto s : set)
            tags.insert(tags.end(), nfa.states[s].tags.begin(), nfa.states[s].tags.end());
        std::sort(tags.begin(), tags.end());
        tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
        auto [it, inserted] = tag_ids.emplace(tags, static_cast<Label>(out.tag_sets.size()));
        if (inserted) out.tag_sets.push_back(tags);
        return it->second;
    };

    // About as many states as the NFA has is the usual size: reserving it
    // spares the copies (and fresh pages) of growing the table by doubling.
    const std::size_t expected = std::min(nfa.states.size() + 1, limits.max_states);
    StateSets sets(expected);  // set i is DFA state i
    dfa.label.reserve(expected);
    dfa.next.reserve(expected * dfa.class_count);
    // The DFA state of the set in `closed`, added when new.
    auto intern = [&]() -> Result<StateId> {
        const auto [id, added] = sets.intern(closed, mark, generation);
        if (!added) return id;
        if (dfa.label.size() >= limits.max_states) return too_complex(where, limits.max_states);
        dfa.label.push_back(label_for(closed));
        dfa.next.resize(dfa.next.size() + dfa.class_count, 0);
        return id;
    };
    // State 0 is the dead state (the empty set), so unset transitions lead there.
    closure({});
    AA_TRY(intern());
    const StateId start = nfa.start();
    closure({&start, 1});
    AA_ASSIGN(dfa.start, intern());
    // A state's NFA edges, grouped by the classes they cover (most of a
    // set's edges share a few class lists: the same literal byte, or
    // "anything but '/'"): each class's target set is the union of the
    // groups whose list holds it, so classes in the same groups share it.
    // Group g's targets: group_targets[group_at[groups[g]] .. group_end[groups[g]]],
    // filed by a counting sort over the set's edges.
    std::vector<StateId> group_targets;
    std::vector<std::uint32_t> group_at(class_lists.size(), 0);
    std::vector<std::uint32_t> group_end(class_lists.size(), 0);
    std::vector<std::uint32_t> groups;                      // the class lists this state's edges use
    std::vector<std::uint64_t> in_groups(dfa.class_count);  // per class: bit i, in groups[i]
    std::vector<std::pair<std::uint64_t, StateId>> resolved;
    std::vector<StateId> target;
    for (std::size_t done = 1; done < sets.size(); ++done) {
        // Read before the first intern below, which may move the sets' array.
        const auto set = sets.members(static_cast<std::uint32_t>(done));
        const auto from = static_cast<StateId>(done);
        // Steps: the row, each NFA state of the set, each class an edge
        // covers, and (below) each class's lookup and each target set's
        // closing, sorting (twice), hashing and comparing.
        std::uint64_t steps = dfa.class_count + set.size();
        groups.clear();
        for (const auto s : set) {
            for (std::uint32_t e = edge_offset[s]; e < edge_offset[s + 1]; ++e) {
                const std::uint32_t list = edge_list[e];
                steps += list_size[list];
                if (group_end[list]++ == 0) groups.push_back(list);
            }
        }
        {
            std::uint32_t at = 0;
            for (const auto list : groups) {
                group_at[list] = at;
                at += group_end[list];
                group_end[list] = group_at[list];
            }
            if (group_targets.size() < at) group_targets.resize(at);
        }
        for (const auto s : set) {
            for (std::uint32_t e = edge_offset[s]; e < edge_offset[s + 1]; ++e)
                group_targets[group_end[edge_list[e]]++] = edge_to[e];
        }
        // Groups past the 63rd share the last bit of the masks (rare).
        std::fill(in_groups.begin(), in_groups.end(), 0);
        for (std::size_t g = 0; g < groups.size(); ++g) {
            const std::uint64_t bit = std::uint64_t{1} << std::min<std::size_t>(g, 63);
            for (const auto cls : class_lists[groups[g]])
                in_groups[cls] |= bit;
        }
        resolved.clear();
        for (std::uint16_t cls = 0; cls < dfa.class_count; ++cls) {
            const std::uint64_t mask = in_groups[cls];
            if (mask == 0) continue;
            StateId to = 0;
            bool found = false;
            // With more than 64 groups the last bit stands for several: such
            // classes are not shared, each gets its own exact target set.
            const bool exact = groups.size() <= 64 || (mask >> 63U) == 0;
            ++steps;
            if (exact) {
                for (const auto& [other, state] : resolved) {
                    if (other == mask) {
                        to = state;
                        found = true;
                        break;
                    }
                }
            }
            if (!found) {
                target.clear();
                for (std::size_t g = 0; g < groups.size(); ++g) {
                    const std::uint64_t bit = std::uint64_t{1} << std::min<std::size_t>(g, 63);
                    if ((mask & bit) == 0) continue;
                    const auto& list = class_lists[groups[g]];
                    if (g >= 63 && !std::binary_search(list.begin(), list.end(), cls)) continue;
                    target.insert(target.end(), group_targets.begin() + group_at[groups[g]],
                                  group_targets.begin() + group_end[groups[g]]);
                }
                closure(target);
                steps += (target.size() + closed.size()) * (4 + std::bit_width(closed.size()));
                AA_ASSIGN(to, intern());
                if (exact) resolved.emplace_back(mask, to);
            }
            dfa.next[static_cast<std::size_t>(from) * dfa.class_count + cls] = to;
        }
        for (const auto g : groups)
            group_end[g] = 0;
        if (!charge(limits.work, steps)) return work_exhausted(where, *limits.work);
    }
    return out;
}

Dfa minimize(const Dfa& dfa) {
    return minimize(dfa, DfaLimits{}).value();  // no meter: never fails
}

namespace {

// minimize() with `label` in place of dfa.label.
Result<Dfa> minimize_labelled(const Dfa& dfa, const std::vector<Label>& label, const DfaLimits& limits) {
    std::size_t blocks = 0;
    std::vector<std::uint32_t> block;
    // Predecessors as (state << 8) | class: classes number at most 256 (one per byte).
    const bool narrow = dfa.state_count() < (std::size_t{1} << 24U) && dfa.class_count <= 256;
    if (!(narrow ? coarsest_partition<std::uint32_t>(dfa, label, blocks, block, limits.work)
                 : coarsest_partition<std::uint64_t>(dfa, label, blocks, block, limits.work)))
        return work_exhausted(Location{}, *limits.work);
    // Renumbering and merging classes look at every transition twice.
    if (!charge(limits.work, 2 * dfa.state_count() * dfa.class_count))
        return work_exhausted(Location{}, *limits.work);
    // Renumber blocks in breadth-first order from the start, dropping the
    // unreachable, and write each row as its block is reached.
    constexpr std::uint32_t kUnset = ~std::uint32_t{0};
    const std::size_t k = dfa.class_count;
    std::vector<std::uint32_t> order(blocks, kUnset);
    std::vector<StateId> representative{dfa.start};
    order[block[dfa.start]] = 0;
    Dfa out;
    out.byte_class = dfa.byte_class;
    out.class_count = dfa.class_count;
    out.start = 0;
    out.label.reserve(blocks);
    out.next.resize(blocks * k);
    for (std::size_t i = 0; i < representative.size(); ++i) {
        const StateId s = representative[i];
        out.label.push_back(label[s]);
        const StateId* row = &dfa.next[static_cast<std::size_t>(s) * k];
        StateId* out_row = &out.next[i * k];
        for (std::size_t c = 0; c < k; ++c) {
            std::uint32_t& to = order[block[row[c]]];
            if (to == kUnset) {
                to = static_cast<std::uint32_t>(representative.size());
                representative.push_back(row[c]);
            }
            out_row[c] = to;
        }
    }
    out.next.resize(representative.size() * k);
    // Merge byte classes that now behave alike everywhere.
    const std::vector<std::uint16_t> remap = alike_classes(out);
    const auto merged = static_cast<std::uint16_t>(*std::max_element(remap.begin(), remap.end()) + 1);
    if (merged < out.class_count) {
        std::vector<StateId> next(out.state_count() * merged);
        for (std::size_t s = 0; s < out.state_count(); ++s) {
            for (std::uint16_t c = 0; c < out.class_count; ++c)
                next[s * merged + remap[c]] = out.next[s * out.class_count + c];
        }
        for (auto& bc : out.byte_class)
            bc = remap[bc];
        out.class_count = merged;
        out.next = std::move(next);
    }
    return out;
}

}  // namespace

Result<Dfa> minimize(const Dfa& dfa, const DfaLimits& limits) {
    return minimize_labelled(dfa, dfa.label, limits);
}

Result<Dfa> minimize_relabelled(const Dfa& dfa, const std::function<Label(Label)>& fn,
                                const DfaLimits& limits) {
    std::vector<Label> label(dfa.label.size());
    for (std::size_t s = 0; s < label.size(); ++s)
        label[s] = fn(dfa.label[s]);
    return minimize_labelled(dfa, label, limits);
}

Result<Dfa> product(const Dfa& a, const Dfa& b, const std::function<Label(Label, Label)>& combine,
                    const DfaLimits& limits, const Location& where) {
    return product(a, b, combine, DeadSide::neither, limits, where);
}

namespace {

// Which states of an automaton are dead, found as they are asked about.
class DeadStates {
public:
    DeadStates(const Dfa& dfa, bool wanted) : dfa_(dfa), known_(wanted ? dfa.state_count() : 0, kUnknown) {}

    bool operator()(StateId s) {
        if (known_.empty()) return false;
        if (known_[s] == kUnknown) {
            bool dead = dfa_.label[s] == 0;
            for (std::size_t c = 0; dead && c < dfa_.class_count; ++c)
                dead = dfa_.next_state(s, c) == s;
            known_[s] = dead ? kDead : kLive;
        }
        return known_[s] == kDead;
    }

private:
    static constexpr std::uint8_t kUnknown = 0;
    static constexpr std::uint8_t kDead = 1;
    static constexpr std::uint8_t kLive = 2;
    const Dfa& dfa_;
    std::vector<std::uint8_t> known_;
};

}  // namespace

Result<Dfa> product(const Dfa& a, const Dfa& b, const std::function<Label(Label, Label)>& combine,
                    DeadSide dead, const DfaLimits& limits, const Location& where) {
    Dfa out;
    // Joint byte classes: a byte's class in the product is its pair of classes.
    std::vector<std::int32_t> pair_class(static_cast<std::size_t>(a.class_count) * b.class_count, -1);
    std::vector<std::pair<std::uint16_t, std::uint16_t>> class_pairs;
    for (unsigned byte = 0; byte < 256; ++byte) {
        const std::uint16_t ca = a.byte_class[byte];
        const std::uint16_t cb = b.byte_class[byte];
        auto& id = pair_class[static_cast<std::size_t>(ca) * b.class_count + cb];
        if (id < 0) {
            id = static_cast<std::int32_t>(class_pairs.size());
            class_pairs.emplace_back(ca, cb);
        }
        out.byte_class[byte] = static_cast<std::uint16_t>(id);
    }
    out.class_count = static_cast<std::uint16_t>(class_pairs.size());

    PairMap ids(std::max(a.state_count(), b.state_count()));
    std::vector<std::pair<StateId, StateId>> states;
    DeadStates dead_a(a, dead == DeadSide::a || dead == DeadSide::either);
    DeadStates dead_b(b, dead == DeadSide::b || dead == DeadSide::either);
    constexpr StateId kNoState = ~StateId{0};
    StateId dead_pair = kNoState;  // the one state of every dead pair, once there is one
    auto intern = [&](StateId x, StateId y) -> Result<StateId> {
        const bool pair_dead = dead_a(x) || dead_b(y);
        if (pair_dead && dead_pair != kNoState) return dead_pair;
        const auto [id, inserted] = ids.emplace(x, y, static_cast<StateId>(states.size()));
        if (pair_dead) dead_pair = id;
        if (!inserted) return id;
        if (states.size() >= limits.max_states) return too_complex(where, limits.max_states);
        states.emplace_back(x, y);
        out.label.push_back(combine(a.label[x], b.label[y]));
        return id;
    };
    AA_ASSIGN(out.start, intern(a.start, b.start));
    for (std::size_t i = 0; i < states.size(); ++i) {
        if (!charge(limits.work, out.class_count)) return work_exhausted(where, *limits.work);
        const auto [x, y] = states[i];
        out.next.resize(out.next.size() + out.class_count);
        const StateId* row_a = &a.next[static_cast<std::size_t>(x) * a.class_count];
        const StateId* row_b = &b.next[static_cast<std::size_t>(y) * b.class_count];
        for (std::uint16_t c = 0; c < out.class_count; ++c) {
            const auto [ca, cb] = class_pairs[c];
            AA_ASSIGN(StateId to, intern(row_a[ca], row_b[cb]));
            out.next[i * out.class_count + c] = to;
        }
    }
    return out;
}

Dfa map_labels(const Dfa& dfa, const std::function<Label(Label)>& fn) {
    Dfa out = dfa;
    for (auto& l : out.label)
        l = fn(l);
    return out;
}

Result<Dfa> set_intersection(const Dfa& a, const Dfa& b, const DfaLimits& limits) {
    AA_ASSIGN(Dfa p,
              product(
                  a, b, [](Label x, Label y) { return static_cast<Label>(x != 0 && y != 0); }, limits));
    return minimize(p, limits);
}

Result<Dfa> set_union(const Dfa& a, const Dfa& b, const DfaLimits& limits) {
    AA_ASSIGN(Dfa p,
              product(
                  a, b, [](Label x, Label y) { return static_cast<Label>(x != 0 || y != 0); }, limits));
    return minimize(p, limits);
}

Result<Dfa> set_difference(const Dfa& a, const Dfa& b, const DfaLimits& limits) {
    AA_ASSIGN(Dfa p,
              product(
                  a, b, [](Label x, Label y) { return static_cast<Label>(x != 0 && y == 0); }, limits));
    return minimize(p, limits);
}

Dfa set_complement(const Dfa& a) {
    return minimize(map_labels(a, [](Label l) { return static_cast<Label>(l == 0); }));
}

Result<Dfa> compile_globs(const std::vector<std::string>& globs, const Location& where,
                          const GlobLimits& glob_limits, const DfaLimits& dfa_limits) {
    Nfa nfa;
    for (const auto& g : globs)
        AA_TRY(add_glob(nfa, g, 1, where, glob_limits));
    AA_ASSIGN(TaggedDfa tagged, determinize(nfa, dfa_limits, where));
    AA_ASSIGN(Dfa min, minimize_relabelled(
                           tagged.dfa, [](Label l) { return static_cast<Label>(l != 0); }, dfa_limits));
    return min;
}

}  // namespace aalayer::policy
