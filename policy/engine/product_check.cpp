#include "policy/engine/product_check.h"

#include "policy/common/utf8.h"
#include "policy/engine/child_readback.h"
#include "policy/engine/labels.h"

namespace aalayer::policy {

Status check_child_by_products(const BasePolicy& base, const CompiledGrant& grant,
                               const std::string& child_text, const Dfa& effective, const DfaLimits& limits) {
    AA_ASSIGN(PermissionAutomaton child, parse_child(child_text, PermissionLimits{GlobLimits{}, limits}));
    AA_ASSIGN(Dfa child_effective, child.effective_dfa(limits));
    AA_ASSIGN(Dfa kernel, product(
                              base.effective, child_effective,
                              [](Label b, Label c) { return encode(decode(b) & decode(c)); }, limits));
    AA_ASSIGN(Dfa mismatch,
              product(
                  kernel, effective, [](Label k, Label e) { return static_cast<Label>(k != e); }, limits));
    const auto nonzero = [](Label l) { return l != 0; };
    AA_ASSIGN(Dfa canonical, canonical_part(mismatch, limits));
    AA_ASSIGN(const std::optional<std::string> differs, shortest_witness(canonical, nonzero, limits));
    if (const auto& p = differs) {
        return child_failure("gives " + format_pair(decode(kernel.label_of(*p))) + " on " + printable(*p) +
                             " where the layer's policy is " + format_pair(decode(effective.label_of(*p))));
    }
    // Inside the region nothing beyond the grant; nowhere beyond the base.
    AA_ASSIGN(Dfa beyond, product(
                              effective, grant.bound_dfa,
                              [](Label e, Label g) {
                                  const GrantLabel grant_label = GrantLabel::unpack(g);
                                  return static_cast<Label>(grant_label.in_region &&
                                                            !contains(grant_label.bound, decode(e)));
                              },
                              limits));
    AA_ASSIGN(const std::optional<std::string> past_grant, shortest_witness(beyond, nonzero, limits));
    if (const auto& p = past_grant) return child_failure("exceeds the grant on " + printable(*p));
    AA_ASSIGN(
        Dfa over_base,
        product(
            effective, base.effective,
            [](Label e, Label b) { return static_cast<Label>(!contains(decode(b), decode(e))); }, limits));
    AA_ASSIGN(const std::optional<std::string> past_base, shortest_witness(over_base, nonzero, limits));
    if (const auto& p = past_base) return child_failure("exceeds the base on " + printable(*p));
    return {};
}

}  // namespace aalayer::policy
