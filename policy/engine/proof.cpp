#include "policy/engine/proof.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "policy/automaton/pair_map.h"
#include "policy/common/utf8.h"
#include "policy/engine/child_readback.h"

namespace aalayer::policy {

namespace {

// Whether two rules give the same paths the same access.
bool same_rule(const FileRuleInfo& a, const FileRuleInfo& b) {
    return a.deny == b.deny && a.audit == b.audit && a.owner == b.owner && a.bits == b.bits &&
           a.globs == b.globs;
}

// The rules' automaton, each state labelled label(what its rules allow and
// deny), minimised once: PermissionAutomaton::build minimises on the sets
// of rules first, which explanations need and the proof does not.
template <typename Fn>
Result<Dfa> rules_dfa(const std::vector<FileRuleInfo>& rules, const PermissionLimits& limits, Fn label) {
    Nfa nfa;
    for (std::uint32_t id = 0; id < rules.size(); ++id) {
        for (const auto& glob : rules[id].globs)
            AA_TRY(add_glob(nfa, glob, id, rules[id].where, limits.glob));
    }
    AA_ASSIGN(TaggedDfa tagged, determinize(nfa, limits.dfa));
    std::vector<Label> labels;
    labels.reserve(tagged.tag_sets.size());
    for (const auto& ids : tagged.tag_sets) {
        MatchPerms m;
        for (const auto id : ids) {
            PermPair& target = rules[id].deny ? m.deny : m.allow;
            target = target | rule_pair(rules[id]);
        }
        labels.push_back(label(m));
    }
    return minimize_relabelled(
        tagged.dfa, [&](Label l) { return labels[l]; }, limits.dfa);
}

// What the child's text allows each path (label: encode(pair)). The rules
// of the section outside the grant, when the text holds every one of them,
// come compiled with the bounds: the child allows the union of its allow
// rules minus the union of its deny rules, and that section holds allow
// rules only (prepare_bounds keeps it only then), so splitting the rules in
// two and combining the two automata gives the same answer on every path.
Result<Dfa> child_effective(const Bounds& bounds, const std::string& child_text, const DfaLimits& limits) {
    const PermissionLimits metered{GlobLimits{}, limits};
    AA_ASSIGN(std::vector<FileRuleInfo> rules, child_rules(child_text));
    const auto& known = bounds.outside_rules;
    const bool all_there = std::all_of(known.begin(), known.end(), [&](const FileRuleInfo& k) {
        return std::any_of(rules.begin(), rules.end(),
                           [&](const FileRuleInfo& r) { return same_rule(k, r); });
    });
    if (known.empty() || !all_there)
        return rules_dfa(rules, metered, [](const MatchPerms& m) { return encode(m.effective()); });
    std::erase_if(rules, [&](const FileRuleInfo& r) {
        return std::any_of(known.begin(), known.end(),
                           [&](const FileRuleInfo& k) { return same_rule(k, r); });
    });
    if (rules.empty()) return bounds.outside_dfa;
    AA_ASSIGN(const Dfa rest_dfa,
              rules_dfa(rules, metered, [](const MatchPerms& m) { return LayerLabel::of(m).pack(); }));
    // Not minimised here: prove_child minimises its product with the layer.
    return product(
        bounds.outside_dfa, rest_dfa,
        [](Label o, Label r) {
            const LayerLabel rest_label = LayerLabel::unpack(r);
            return encode(minus(decode(o) | rest_label.allow, rest_label.deny));
        },
        limits);
}

// What the proof asks of one path: base ∩ child is the formula, and the
// formula exceeds neither the base nor, in the region, the grant.
bool holds(const Bounds::Cell& cell, Label layer, Label child) {
    const PermPair e = formula(cell, layer);
    return (cell.base & decode(child)) == e && contains(cell.base, e) &&
           (!cell.in_region || contains(cell.grant, e));
}

// The states of `lc` that every byte a canonical path can hold (any but
// NUL) keeps in place. Globs' `**` stops at NUL, so "every byte" would find
// almost none.
std::vector<bool> stuck_states(const Dfa& lc) {
    std::vector<bool> path_class(lc.class_count, false);
    for (unsigned byte = 1; byte < 256; ++byte)
        path_class[lc.byte_class[byte]] = true;
    std::vector<bool> stuck(lc.state_count(), true);
    for (std::size_t y = 0; y < lc.state_count(); ++y) {
        for (std::size_t c = 0; c < lc.class_count && stuck[y]; ++c)
            stuck[y] = !path_class[c] || lc.next_state(static_cast<StateId>(y), c) == y;
    }
    return stuck;
}

// Joint classes of the two automata over the bytes of canonical paths.
struct Step {
    std::uint16_t b;
    std::uint16_t l;
    bool slash;
};

std::vector<Step> joint_steps(const Dfa& bp, const Dfa& lc) {
    std::vector<Step> steps;
    std::vector<bool> seen(static_cast<std::size_t>(bp.class_count) * lc.class_count * 2, false);
    for (unsigned byte = 1; byte < 256; ++byte) {
        const Step s{bp.byte_class[byte], lc.byte_class[byte], byte == '/'};
        const std::size_t key =
            (static_cast<std::size_t>(s.b) * lc.class_count + s.l) * 2 + (s.slash ? 1 : 0);
        if (seen[key]) continue;
        seen[key] = true;
        steps.push_back(s);
    }
    return steps;
}

// The proof's search: every canonical path, as a walk over (base-and-grant
// state, layer-and-child state, canonical context), checking `holds` at
// each. The walk stops where the layer and child are in a state no byte
// leaves: from there every path meets the same layer and child labels, and
// the cells ahead (Bounds::reach) are checked as a set, once per set and
// state. True when no path fails; the failing path itself is found by the
// full product (see prove_child), which is only ever built on a failure.
Result<bool> proved_by_walk(const Bounds& bounds, const Dfa& lc,
                            const std::vector<std::pair<Label, Label>>& pairs, const DfaLimits& limits) {
    const Dfa& bp = bounds.product;
    const std::vector<bool> stuck = stuck_states(lc);
    const std::vector<Step> steps = joint_steps(bp, lc);
    // Context 0: no byte yet; 1: after '/'; 2: after another byte.
    PairMap visited(bp.state_count());
    PairMap checked(64);  // (reach set, layer-and-child state) already checked
    std::vector<std::tuple<StateId, StateId, std::uint32_t>> todo;
    auto visit = [&](StateId x, StateId y, std::uint32_t z) {
        if (visited.emplace(x, y * 3 + z, 0).second) todo.emplace_back(x, y, z);
    };
    visit(bp.start, lc.start, 0);
    while (!todo.empty()) {
        if (visited.size() > 2 * limits.max_states) {
            return too_complex(Location{}, limits.max_states);
        }
        const auto [x, y, z] = todo.back();
        todo.pop_back();
        if (!charge(limits.work, steps.size())) return work_exhausted(Location{}, *limits.work);
        const auto [l, c] = pairs[lc.label[y]];
        if (z != 0 && !holds(bounds.cells[bp.label[x]], l, c)) return false;
        if (z != 0 && stuck[y]) {
            const std::uint32_t set = bounds.reach[2 * x + (z - 1)];
            if (!checked.emplace(set, y, 0).second) continue;
            if (!charge(limits.work, bounds.reach_sets[set].size())) {
                return work_exhausted(Location{}, *limits.work);
            }
            for (const auto cell : bounds.reach_sets[set])
                if (!holds(bounds.cells[cell], l, c)) return false;
            continue;
        }
        for (const auto& s : steps) {
            // Canonical paths start with '/' and never have two in a row.
            if (s.slash ? z == 1 : z == 0) continue;
            visit(bp.next_state(x, s.b), lc.next_state(y, s.l), s.slash ? 1 : 2);
        }
    }
    return true;
}

// A path fails: the effective policy and the flags as one product, for the
// shortest such path, named in the error.
Error name_failing_path(const Bounds& bounds, const Dfa& lc,
                        const std::vector<std::pair<Label, Label>>& pairs, const DfaLimits& limits) {
    AA_ASSIGN(Dfa joint, product(
                             bounds.product, lc,
                             [&](Label x, Label y) {
                                 const Bounds::Cell& cell = bounds.cells[x];
                                 const auto [l, c] = pairs[y];
                                 const PermPair e = formula(cell, l);
                                 return CheckedLabel{
                                     e, (cell.base & decode(c)) != e,
                                     !contains(cell.base, e) || (cell.in_region && !contains(cell.grant, e))}
                                     .pack();
                             },
                             limits));
    AA_ASSIGN(Dfa flagged,
              product(
                  joint, canonical_paths(),
                  [](Label j, Label c) { return c == 0 ? Label{0} : j & CheckedLabel::kFailures; }, limits));
    AA_ASSIGN(const std::optional<std::string> failing, shortest_witness(
                                                            flagged, [](Label l) { return l != 0; }, limits));
    if (const auto& p = failing) {
        const CheckedLabel j = CheckedLabel::unpack(joint.label_of(*p));
        if (j.exceeds)
            return child_failure("computed " + format_pair(j.policy) + " on " + printable(*p) +
                                 ", beyond the base or the grant");
        return child_failure("gives a different answer from the layer's policy on " + printable(*p) +
                             " (the policy is " + format_pair(j.policy) + ")");
    }
    // The walk and the product disagree: a fault of the engine, so the child is not trusted.
    return child_failure("could not be proved (the two checks disagree)");
}

}  // namespace

Status prove_child(const Bounds& bounds, const Dfa& layer, const std::string& child_text,
                   const DfaLimits& limits) {
    AA_ASSIGN(Dfa child, child_effective(bounds, child_text, limits));
    std::vector<std::pair<Label, Label>> pairs;
    std::unordered_map<std::uint64_t, Label> ids;
    AA_ASSIGN(Dfa layer_child, product(
                                   layer, child,
                                   [&](Label l, Label c) {
                                       auto [it, inserted] = ids.emplace(label_pair_key(l, c),
                                                                         static_cast<Label>(pairs.size()));
                                       if (inserted) pairs.emplace_back(l, c);
                                       return it->second;
                                   },
                                   limits));
    AA_ASSIGN(const Dfa lc, minimize(layer_child, limits));
    AA_ASSIGN(bool proved, proved_by_walk(bounds, lc, pairs, limits));
    if (proved) return {};
    return name_failing_path(bounds, lc, pairs, limits);
}

}  // namespace aalayer::policy
