#include "policy/engine/widening.h"

#include <algorithm>
#include <map>
#include <set>

#include "policy/automaton/paths.h"
#include "policy/common/utf8.h"
#include "policy/engine/child_profile.h"
#include "policy/engine/child_readback.h"
#include "policy/engine/labels.h"
#include "policy/syntax/emitter.h"

namespace aalayer::policy {

namespace {

// `deny [owner|other] GLOB PERMS,` for one pair of held-back permissions.
void add_denies(std::string& out, const std::string& glob, PermPair held) {
    const PermBits both = held.owner & held.other;
    const auto add = [&](PermBits bits, OwnerMode owner) {
        if (bits == 0) return;
        FileRule rule;
        rule.path = glob_word(glob);
        rule.qualifiers.access = AccessMode::Deny;
        rule.qualifiers.owner = owner;
        rule.perms = child_file_perms(bits, true);
        out += "  " + emit_rule(Node{std::move(rule)}) + "\n";
    };
    add(both, OwnerMode::Any);
    add(held.owner & ~both, OwnerMode::Owner);
    add(held.other & ~both, OwnerMode::Other);
}

// The new child's text with `rules` before its profile's closing brace.
Result<std::string> with_rules(const std::string& child, const std::string& rules) {
    const auto close = child.rfind("\n}");
    if (close == std::string::npos) return child_failure("has no closing brace");
    return child.substr(0, close + 1) +
           "\n  # Held back: the admin's change would allow these; the owner has not accepted it.\n" + rules +
           child.substr(close + 1);
}

}  // namespace

Result<Widening> hold_back(const Composition& next, const std::string& accepted_child,
                           const PermissionLimits& limits, const GlobRenderLimits& render,
                           std::size_t max_regions) {
    Widening out;
    out.held_child = next.child_text;
    const DfaLimits& dl = limits.dfa;
    AA_ASSIGN(const Dfa effective, next.effective_dfa(dl));
    AA_ASSIGN(const PermissionAutomaton accepted, parse_child(accepted_child, limits));
    AA_ASSIGN(const Dfa accepted_dfa, accepted.effective_dfa(dl));
    // Label: encode(widened) | encode(what the accepted child allows within the new policy) << 16.
    AA_ASSIGN(Dfa joint, product(
                             effective, accepted_dfa,
                             [](Label e, Label a) {
                                 const PermPair now = decode(e);
                                 const PermPair was = decode(a);
                                 const PermPair widened = minus(now, was);
                                 if (widened == PermPair{}) return Label{0};
                                 return encode(widened) | (encode(now & was) << label_layout::kHighShift);
                             },
                             dl));
    AA_ASSIGN(joint,
              product(
                  joint, canonical_paths(), [](Label j, Label c) { return c != 0 ? j : Label{0}; }, dl));
    AA_ASSIGN(joint, minimize(joint, dl));
    const std::set<Label> labels(joint.label.begin(), joint.label.end());
    std::map<Label, Dfa> by_widening;  // encode(widened) -> its paths, whatever was kept
    for (const Label l : labels) {
        if (l == 0) continue;
        AA_ASSIGN(const std::optional<std::string> example, shortest_witness(
                                                                joint, [&](Label v) { return v == l; }, dl));
        if (example && out.regions.size() < max_regions) {
            const PermPair widened = decode(l & label_layout::kPairMask);
            const PermPair kept = decode(l >> label_layout::kHighShift);
            out.regions.push_back(Difference{printable(*example), kept, kept | widened});
        }
        const Label w = l & label_layout::kPairMask;
        if (!by_widening.contains(w)) {
            by_widening.emplace(w, map_labels(joint, [w](Label v) {
                                    return static_cast<Label>((v & label_layout::kPairMask) == w);
                                }));
        }
    }
    if (by_widening.empty()) return out;
    std::sort(out.regions.begin(), out.regions.end(), [](const Difference& x, const Difference& y) {
        return x.example.size() != y.example.size() ? x.example.size() < y.example.size()
                                                    : x.example < y.example;
    });
    std::string rules;
    for (const auto& [w, paths] : by_widening) {
        AA_ASSIGN(const std::vector<std::string> globs, render_globs(paths, Location{}, render, dl));
        for (const auto& g : globs)
            add_denies(rules, g, decode(w));
    }
    AA_ASSIGN(out.held_child, with_rules(next.child_text, rules));
    // The held child read back must be the new child less exactly the widening.
    AA_ASSIGN(const PermissionAutomaton held, parse_child(out.held_child, limits));
    AA_ASSIGN(const PermissionAutomaton fresh, parse_child(next.child_text, limits));
    AA_ASSIGN(const Dfa held_dfa, held.effective_dfa(dl));
    AA_ASSIGN(const Dfa fresh_dfa, fresh.effective_dfa(dl));
    AA_ASSIGN(
        const Dfa expected,
        product(
            fresh_dfa, joint,
            [](Label f, Label j) { return encode(minus(decode(f), decode(j & label_layout::kPairMask))); },
            dl));
    AA_ASSIGN(const std::optional<std::string> wrong,
              canonical_witness(
                  held_dfa, expected, [](Label h, Label e) { return h != e; }, dl));
    if (wrong) return child_failure("held back wrongly at " + printable(*wrong));
    return out;
}

}  // namespace aalayer::policy
