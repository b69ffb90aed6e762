// prepare_bounds(): the product of base and grant, once per base and user,
// with what the proof needs from it: the cells every canonical path can
// reach on from each state (Bounds::reach) and the child's section outside
// the grant, compiled (docs/layer-algebra.md, "Composition").
#include "policy/engine/bounds.h"

#include <algorithm>
#include <unordered_map>

#include "policy/common/hash.h"
#include "policy/engine/child_profile.h"
#include "policy/engine/child_readback.h"
#include "policy/engine/removal_notes.h"

namespace aalayer::policy {

PermPair formula(const Bounds::Cell& cell, Label layer) {
    const LayerLabel l = LayerLabel::unpack(layer);
    PermPair e = cell.base;
    if (cell.in_region) e = e & cell.grant & l.allow;
    return minus(e, l.deny);
}

namespace {

// The byte kinds a canonical path distinguishes after its first '/': the
// canonical automaton steps to "after '/'" on '/' (never twice in a row),
// to "after another byte" on anything but NUL.
struct ClassKinds {
    std::vector<bool> slash;  // the class holds '/'
    std::vector<bool> other;  // the class holds a byte that is neither NUL nor '/'
};

ClassKinds class_kinds(const Dfa& dfa) {
    ClassKinds k{std::vector<bool>(dfa.class_count), std::vector<bool>(dfa.class_count)};
    for (unsigned b = 1; b < 256; ++b) {
        if (b == '/') {
            k.slash[dfa.byte_class[b]] = true;
        } else {
            k.other[dfa.byte_class[b]] = true;
        }
    }
    return k;
}

constexpr std::uint32_t kUnset = ~std::uint32_t{0};
constexpr std::uint32_t kPending = kUnset - 1;

// The graph of (state, context) the reach is found on. Node 2 * state + 0
// is entered by '/', + 1 by another byte. Successors without repeats (most
// classes lead to the same few states), in rows: node v's are
// succ[row[v]] to succ[row[v + 1]].
struct CanonicalGraph {
    std::vector<std::uint32_t> row;
    std::vector<std::uint32_t> succ;
};

CanonicalGraph canonical_graph(const Dfa& dfa) {
    const std::size_t k = dfa.class_count;
    const ClassKinds kinds = class_kinds(dfa);
    const std::size_t nodes = dfa.state_count() * 2;
    CanonicalGraph g;
    g.row.assign(nodes + 1, 0);
    std::vector<std::uint32_t> stamp(nodes, kUnset);
    for (std::uint32_t v = 0; v < nodes; ++v) {
        const std::size_t state = v / 2;
        for (std::size_t c = 0; c < k; ++c) {
            const std::uint32_t to = dfa.next_state(static_cast<StateId>(state), c) * 2;
            // '/' never follows '/' on a canonical path.
            if (kinds.slash[c] && v % 2 == 1 && stamp[to] != v) {
                stamp[to] = v;
                g.succ.push_back(to);
            }
            if (kinds.other[c] && stamp[to + 1] != v) {
                stamp[to + 1] = v;
                g.succ.push_back(to + 1);
            }
        }
        g.row[v + 1] = static_cast<std::uint32_t>(g.succ.size());
    }
    return g;
}

// The distinct sets of cells of the components, as bit sets, each kept once.
class CellSets {
public:
    explicit CellSets(std::size_t cells) : words_((cells + 63) / 64), bits_(words_) {}

    // The set of a finished component: its members' cells and the sets of
    // every component it leads to (finished before it: Tarjan's order).
    std::uint32_t add(const Dfa& dfa, const CanonicalGraph& g, const std::vector<std::uint32_t>& members,
                      const std::vector<std::uint32_t>& reach) {
        std::fill(bits_.begin(), bits_.end(), 0);
        for (const auto member : members) {
            const Label cell = dfa.label[member / 2];
            bits_[cell / 64] |= std::uint64_t{1} << (cell % 64);
            for (std::uint32_t i = g.row[member]; i < g.row[member + 1]; ++i) {
                const std::uint32_t set = reach[g.succ[i]];
                if (set == kPending) continue;
                for (std::size_t word = 0; word < words_; ++word)
                    bits_[word] |= sets_[set][word];
            }
        }
        auto it = ids_.find(bits_);
        if (it == ids_.end()) {
            it = ids_.emplace(bits_, static_cast<std::uint32_t>(sets_.size())).first;
            sets_.push_back(bits_);
        }
        return it->second;
    }

    // Each set as its sorted cells.
    [[nodiscard]] std::vector<std::vector<std::uint32_t>> cell_lists(std::size_t cells) const {
        std::vector<std::vector<std::uint32_t>> out;
        for (const auto& set : sets_) {
            std::vector<std::uint32_t> list;
            for (std::uint32_t c = 0; c < cells; ++c) {
                if ((set[c / 64] >> (c % 64) & 1U) != 0) list.push_back(c);
            }
            out.push_back(std::move(list));
        }
        return out;
    }

private:
    std::size_t words_;
    std::vector<std::uint64_t> bits_;
    std::vector<std::vector<std::uint64_t>> sets_;
    std::unordered_map<std::vector<std::uint64_t>, std::uint32_t, WordsHash> ids_;
};

// Bounds::reach: Tarjan's strongly connected components over (state,
// context), iteratively (paths are long), each component's set of cells
// finished once every component it leads to is.
void find_reach(Bounds& bounds) {
    const Dfa& dfa = bounds.product;
    const CanonicalGraph g = canonical_graph(dfa);
    const std::size_t nodes = dfa.state_count() * 2;
    std::vector<std::uint32_t> order(nodes, kUnset);
    std::vector<std::uint32_t> low(nodes, 0);
    std::vector<std::uint8_t> on_stack(nodes, 0);
    bounds.reach.assign(nodes, kUnset);
    CellSets sets(bounds.cells.size());
    std::vector<std::uint32_t> stack;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> frames;  // node, next successor in succ
    std::vector<std::uint32_t> members;
    std::uint32_t counter = 0;
    auto enter = [&](std::uint32_t v) {
        order[v] = low[v] = counter++;
        stack.push_back(v);
        on_stack[v] = 1;
        frames.emplace_back(v, g.row[v]);
    };
    for (std::uint32_t root = 0; root < nodes; ++root) {
        if (order[root] != kUnset) continue;
        enter(root);
        while (!frames.empty()) {
            auto& [v, at] = frames.back();
            if (at < g.row[v + 1]) {
                const std::uint32_t w = g.succ[at++];
                if (order[w] == kUnset) {
                    enter(w);  // invalidates v and at
                } else if (on_stack[w] != 0) {
                    low[v] = std::min(low[v], order[w]);
                }
                continue;
            }
            const std::uint32_t done = v;
            frames.pop_back();
            if (!frames.empty()) low[frames.back().first] = std::min(low[frames.back().first], low[done]);
            if (low[done] != order[done]) continue;
            members.clear();
            std::uint32_t m = 0;
            do {
                m = stack.back();
                stack.pop_back();
                on_stack[m] = 0;
                bounds.reach[m] = kPending;
                members.push_back(m);
            } while (m != done);
            const std::uint32_t set = sets.add(dfa, g, members, bounds.reach);
            for (const auto member : members)
                bounds.reach[member] = set;
        }
    }
    bounds.reach_sets = sets.cell_lists(bounds.cells.size());
}

// The child's section outside the grant, as a layer without rules gets it,
// parsed back and compiled (Bounds::outside_rules, outside_dfa).
void compile_outside(Bounds& bounds, const BasePolicy& base, const CompiledGrant& grant,
                     const DfaLimits& limits) {
    // The child of a layer without rules holds only the outside section.
    const LayerId id{0, "outside"};
    const ComposeOptions options;
    const ChildProfileBuilder empty(base, grant, id, options);
    auto rules = child_rules(empty.text());
    // The proof's split of the child (child_effective) is exact only for
    // allow rules: a deny in this section would also take from the other
    // rules' allows.
    const bool allows_only =
        rules && std::none_of(rules->begin(), rules->end(), [](const FileRuleInfo& r) { return r.deny; });
    if (allows_only) {
        auto compiled = PermissionAutomaton::build(*rules, PermissionLimits{GlobLimits{}, limits});
        auto effective = compiled ? compiled->effective_dfa(limits) : Result<Dfa>(compiled.error());
        if (effective) {
            bounds.outside_rules = std::move(*rules);
            bounds.outside_dfa = std::move(*effective);
        }
    }
}

Status prepare_clip_side(Bounds& bounds, const DfaLimits& limits) {
    std::unordered_map<std::uint64_t, Label> ids;
    AA_ASSIGN(Dfa side, product(
                            bounds.grant->bound.dfa(), bounds.grant->bound_dfa,
                            [&](Label rules, Label g) {
                                auto [it, inserted] = ids.emplace(
                                    label_pair_key(rules, g), static_cast<Label>(bounds.clip_cells.size()));
                                if (inserted) bounds.clip_cells.push_back(Bounds::ClipCell{rules, g});
                                return it->second;
                            },
                            limits));
    AA_ASSIGN(bounds.clip_side, minimize(side, limits));
    return {};
}

}  // namespace

Result<std::shared_ptr<const Bounds>> prepare_bounds(std::shared_ptr<const BasePolicy> base,
                                                     std::shared_ptr<const CompiledGrant> grant,
                                                     const DfaLimits& limits) {
    auto out = std::make_shared<Bounds>();
    std::unordered_map<std::uint64_t, Label> ids;
    AA_ASSIGN(
        Dfa product_dfa,
        product(
            base->effective, grant->bound_dfa,
            [&](Label b, Label g) {
                auto [it, inserted] =
                    ids.emplace(label_pair_key(b, g), static_cast<Label>(out->cells.size()));
                if (inserted) {
                    const GrantLabel grant_label = GrantLabel::unpack(g);
                    out->cells.push_back(Bounds::Cell{decode(b), grant_label.bound, grant_label.in_region});
                }
                return it->second;
            },
            limits));
    AA_ASSIGN(out->product, minimize(product_dfa, limits));
    find_reach(*out);
    compile_outside(*out, *base, *grant, limits);
    out->base = std::move(base);
    out->grant = std::move(grant);
    AA_TRY(prepare_region_cells(*out, limits));
    AA_TRY(prepare_clip_side(*out, limits));
    return std::shared_ptr<const Bounds>(std::move(out));
}

}  // namespace aalayer::policy
