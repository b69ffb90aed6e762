#include "policy/engine/removal_notes.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "policy/automaton/paths.h"
#include "policy/common/utf8.h"

namespace aalayer::policy {

namespace {

// The label of the search below: what a canonical path of the grant region
// tells about the layer there.
struct RemovalLabel {
    static constexpr Label kPairMask = 0xffffU;  // encode(B(p)) where the layer takes it all away
    static constexpr unsigned kRuleShift = 16U;  // the first grant rule holding p, plus one
    static constexpr Label kRuleMask = 0xffU << kRuleShift;
    static constexpr Label kBaseSome = 1U << 24U;     // B(p) ∩ G(p) is not empty
    static constexpr Label kLayerAllows = 1U << 25U;  // A(p) is not empty

    static std::size_t rule_of(Label l) { return ((l & kRuleMask) >> kRuleShift) - 1; }
};

// Which grant rule a path falls under first (its index plus one; 0: none),
// so that each region is named once, under the rule the admin wrote for it.
Result<Dfa> first_rule(const CompiledGrant& grant, const DfaLimits& limits) {
    const std::size_t n = std::min<std::size_t>(grant.rule_regions.size(), 255);
    Dfa acc = map_labels(grant.rule_regions[0], [](Label r) { return static_cast<Label>(r != 0 ? 1 : 0); });
    for (std::size_t i = 1; i < n; ++i) {
        const auto index = static_cast<Label>(i + 1);
        AA_ASSIGN(
            acc, product(
                     acc, grant.rule_regions[i],
                     [index](Label a, Label r) { return a != 0 ? a : (r != 0 ? index : Label{0}); }, limits));
    }
    return minimize(acc, limits);
}

// "rw" when owner and others get the same, else "owner=rw other=r".
std::string describe(PermPair p) {
    if (p.owner == p.other) return perm_letters(p.owner);
    const auto letters = [](PermBits b) { return b == 0 ? std::string("-") : perm_letters(b); };
    return "owner=" + letters(p.owner) + " other=" + letters(p.other);
}

struct Region {
    std::size_t rule;
    std::string example;
    PermPair base;
};

}  // namespace

Status prepare_region_cells(Bounds& bounds, const DfaLimits& limits) {
    bounds.region_cells.assign(1, Bounds::RegionCell{});
    bounds.region = Dfa::empty();
    const CompiledGrant& grant = *bounds.grant;
    if (grant.rule_regions.empty()) return {};
    AA_ASSIGN(const Dfa rules, first_rule(grant, limits));
    AA_ASSIGN(const Dfa directories, compile_globs({"/", "/**/"}, Location{}, GlobLimits{}, limits));
    // Label: 0 off canonical paths, 1 a canonical file, 2 a canonical directory.
    AA_ASSIGN(const Dfa kinds,
              product(
                  canonical_paths(), directories,
                  [](Label c, Label d) { return c == 0 ? Label{0} : (d != 0 ? 2U : 1U); }, limits));
    // (base-and-grant cell, rule) first, then the kind of path.
    std::unordered_map<std::uint64_t, Label> pairs;
    std::vector<std::pair<Label, Label>> pair_of{{0, 0}};
    AA_ASSIGN(Dfa ruled, product(
                             bounds.product, rules,
                             [&](Label x, Label r) {
                                 if (r == 0 || !bounds.cells[x].in_region) return Label{0};
                                 auto [it, inserted] =
                                     pairs.emplace(label_pair_key(x, r), static_cast<Label>(pair_of.size()));
                                 if (inserted) pair_of.emplace_back(x, r);
                                 return it->second;
                             },
                             DeadSide::b, limits));
    std::unordered_map<std::uint64_t, Label> ids;
    AA_ASSIGN(Dfa region, product(
                              ruled, kinds,
                              [&](Label p, Label k) {
                                  if (p == 0 || k == 0) return Label{0};
                                  auto [it, inserted] = ids.emplace(
                                      label_pair_key(p, k), static_cast<Label>(bounds.region_cells.size()));
                                  if (inserted) {
                                      const Bounds::Cell& cell = bounds.cells[pair_of[p].first];
                                      bounds.region_cells.push_back(Bounds::RegionCell{
                                          cell.base, cell.grant, pair_of[p].second - 1, k == 2});
                                  }
                                  return it->second;
                              },
                              DeadSide::either, limits));
    AA_ASSIGN(bounds.region, minimize(region, limits));
    return {};
}

Status add_removal_notes(const Bounds& bounds, const Dfa& layer_dfa, const LayerRules& layer,
                         const DfaLimits& limits, std::vector<Finding>& findings) {
    const CompiledGrant& grant = *bounds.grant;
    if (grant.rule_regions.empty()) return {};
    // Per canonical path of the region: its grant rule, what the base
    // allows when the layer allows none of what base and grant leave it and
    // denies not all of it, and whether base and layer allow a file there.
    // Directories do not count as files: bases often let a program list
    // every directory (`/**/ r`), which says nothing about a home's files.
    AA_ASSIGN(Dfa joint, product(
                             bounds.region, layer_dfa,
                             [&](Label x, Label l) {
                                 if (x == 0) return Label{0};
                                 const Bounds::RegionCell& cell = bounds.region_cells[x];
                                 const LayerLabel layer_label = LayerLabel::unpack(l);
                                 const PermPair open = cell.base & cell.grant;
                                 Label out = static_cast<Label>(std::min<std::size_t>(cell.rule + 1, 255))
                                             << RemovalLabel::kRuleShift;
                                 if (!cell.directory && open != PermPair{}) out |= RemovalLabel::kBaseSome;
                                 if (!cell.directory && layer_label.allow != PermPair{})
                                     out |= RemovalLabel::kLayerAllows;
                                 const PermPair kept = minus(open & layer_label.allow, layer_label.deny);
                                 const bool not_denied = minus(open, layer_label.deny) != PermPair{};
                                 if (kept == PermPair{} && not_denied) out |= encode(cell.base);
                                 return out;
                             },
                             limits));
    // Not minimised: the product holds only reachable states, so its labels
    // are the minimal automaton's, and a witness depends on the set alone.
    const std::set<Label> labels(joint.label.begin(), joint.label.end());

    // Grant rules where the base allows no file at all, yet the layer allows one.
    std::set<std::size_t> base_some;
    std::set<std::size_t> layer_allows;
    std::set<std::size_t> removed;  // grant rules where the layer takes something away; one note each
    for (const Label l : labels) {
        if (l == 0) continue;
        const std::size_t rule = RemovalLabel::rule_of(l);
        if ((l & RemovalLabel::kBaseSome) != 0) base_some.insert(rule);
        if ((l & RemovalLabel::kLayerAllows) != 0) layer_allows.insert(rule);
        if ((l & RemovalLabel::kPairMask) != 0) removed.insert(rule);
    }
    const Location where{layer.source, 0, 0};
    for (const std::size_t rule : layer_allows) {
        if (base_some.contains(rule)) continue;
        removed.erase(rule);  // one note for the rule: this one says more
        const Label key = static_cast<Label>(rule + 1) << RemovalLabel::kRuleShift;
        AA_ASSIGN(const std::optional<std::string> example,
                  shortest_witness(
                      joint,
                      [key](Label v) {
                          return (v & RemovalLabel::kRuleMask) == key &&
                                 (v & RemovalLabel::kLayerAllows) != 0;
                      },
                      limits));
        if (!example) continue;
        const FileRuleInfo& r = grant.grant.rules[rule];
        findings.push_back(
            Finding{Severity::Note, where,
                    to_valid_utf8(
                        "the base " + grant.grant.base +
                        " allows no file (directories at most) anywhere in the grant's '" + r.text + "' (" +
                        to_string(r.where) + "), so this layer's allow rules give no file there (e.g. " +
                        printable(*example) +
                        "); a home directory outside the homes the base covers (its @{HOMEDIRS}) looks like "
                        "this")});
    }

    std::vector<Region> regions;
    for (const std::size_t rule : removed) {
        if (regions.size() == kMaxRemovalNotes) break;
        const Label key = static_cast<Label>(rule + 1) << RemovalLabel::kRuleShift;
        AA_ASSIGN(const std::optional<std::string> example,
                  shortest_witness(
                      joint,
                      [key](Label v) {
                          return (v & RemovalLabel::kRuleMask) == key && (v & RemovalLabel::kPairMask) != 0;
                      },
                      limits));
        if (example)
            regions.push_back(Region{rule, printable(*example),
                                     decode(joint.label_of(*example) & RemovalLabel::kPairMask)});
    }
    for (const Region& r : regions) {
        const FileRuleInfo& granted = grant.grant.rules[r.rule];
        findings.push_back(Finding{
            Severity::Note, where,
            to_valid_utf8("inside the grant this layer allows nothing on " + r.example +
                          " (the base allows " + describe(r.base) +
                          " there), nor on any other path of the grant's '" + granted.text + "' (" +
                          to_string(granted.where) +
                          ") it neither allows nor denies: inside the grant a layer is an allow-list")});
    }
    if (removed.size() > regions.size()) {
        findings.push_back(Finding{Severity::Note, where,
                                   "and " + std::to_string(removed.size() - regions.size()) +
                                       " more grant rule(s) where this layer allows nothing of what the "
                                       "base allows"});
    }
    return {};
}

}  // namespace aalayer::policy
