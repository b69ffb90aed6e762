// What a composition answers: perms and explain on one path, the effective
// policy as one automaton, the differences of two compositions (compose.h).
#include <algorithm>
#include <set>

#include "policy/automaton/nfa.h"
#include "policy/automaton/paths.h"
#include "policy/common/utf8.h"
#include "policy/engine/bounds.h"

namespace aalayer::policy {

std::string format_pair(PermPair p) {
    return "owner=" + perm_letters(p.owner) + " other=" + perm_letters(p.other);
}

PermPair Composition::perms(std::string_view path) const {
    if (!bounds_ || !layer_) return {};
    const Label g = bounds_->grant->bound_dfa.label_of(path);
    const GrantLabel grant = GrantLabel::unpack(g);
    const Bounds::Cell cell{decode(bounds_->base->effective.label_of(path)), grant.bound, grant.in_region};
    return formula(cell, layer_dfa_.label_of(path));
}

PathBounds Composition::bounds_at(std::string_view path) const {
    if (!bounds_) return {};
    const GrantLabel grant = GrantLabel::unpack(bounds_->grant->bound_dfa.label_of(path));
    return PathBounds{decode(bounds_->base->effective.label_of(path)),
                      grant.in_region ? grant.bound : PermPair{}, grant.in_region};
}

std::vector<std::string> Composition::grant_globs() const {
    std::vector<std::string> out;
    if (!bounds_) return out;
    for (const auto& rule : bounds_->grant->grant.rules)
        out.insert(out.end(), rule.globs.begin(), rule.globs.end());
    return out;
}

Result<bool> Composition::within_grant(const std::string& glob, const DfaLimits& limits) const {
    if (!bounds_) return false;
    AA_ASSIGN(Dfa set, compile_globs({glob}, Location{}, GlobLimits{}, limits));
    AA_ASSIGN(std::optional<std::string> outside,
              canonical_difference_witness(set, bounds_->grant->region, limits));
    return !outside.has_value();
}

Result<Dfa> Composition::effective_dfa(const DfaLimits& limits) const {
    if (!bounds_) return Dfa::empty();
    AA_ASSIGN(Dfa joint,
              product(
                  bounds_->product, layer_dfa_,
                  [&](Label x, Label l) { return encode(formula(bounds_->cells[x], l)); }, limits));
    return minimize(joint, limits);
}

Explanation Composition::explain(std::string_view path) const {
    Explanation e;
    e.path = printable(path);
    e.perms = perms(path);
    if (!bounds_ || !layer_) return e;
    const auto& base_ = bounds_->base;
    const auto& grant_ = bounds_->grant;
    const auto granted_by = grant_->bound.rules_for(path);
    const GrantExclusionInfo* excluded = granted_by.empty() ? nullptr : grant_->exclusion_of(path);
    e.in_grant = !granted_by.empty() && excluded == nullptr;
    if (const auto& base_rules = base_->files.get(); base_rules) {
        for (const auto* r : base_rules->rules_for(path))
            e.reasons.push_back(Reason{"base", r->where, to_valid_utf8(r->text)});
    } else {
        e.reasons.push_back(Reason{
            "base", base_rules.error().where,
            "its rules matching this path cannot be listed: " + to_valid_utf8(base_rules.error().message)});
    }
    if (e.in_grant) {
        for (const auto* r : granted_by)
            e.reasons.push_back(Reason{"grant", r->where, to_valid_utf8(r->text)});
    } else if (excluded != nullptr) {
        e.reasons.push_back(Reason{"grant", excluded->where,
                                   "excluded by the grant for " + grant_->grant.base + " (" + excluded->text +
                                       "): the base decides"});
    } else {
        e.reasons.push_back(Reason{"grant", grant_->grant.where,
                                   "outside the grant for " + grant_->grant.base + ": the base decides"});
    }
    for (const auto* r : layer_->rules_for(path)) {
        if (r->deny || e.in_grant) e.reasons.push_back(Reason{"layer", r->where, to_valid_utf8(r->text)});
    }
    return e;
}

Dfa Composition::base_dfa() const {
    return bounds_ ? bounds_->base->effective : Dfa::empty();
}

namespace {

// One example path per distinct pair of answers where two policies (labels
// encode(pair)) differ, shortest first.
Result<std::vector<Difference>> differences(const Dfa& ea, const Dfa& eb, const DfaLimits& limits,
                                            std::size_t max_regions) {
    AA_ASSIGN(Dfa joint, product(
                             ea, eb, [](Label x, Label y) { return DiffLabel::between(x, y); }, limits));
    AA_ASSIGN(const Dfa both, minimize(joint, limits));
    std::set<Label> labels(both.label.begin(), both.label.end());
    labels.erase(0);
    std::vector<Difference> out;
    for (const Label l : labels) {
        AA_ASSIGN(Dfa only,
                  product(
                      both, canonical_paths(),
                      [&](Label x, Label c) { return static_cast<Label>(x == l && c != 0); }, limits));
        AA_ASSIGN(const std::optional<std::string> example,
                  shortest_witness(
                      only, [](Label v) { return v != 0; }, limits));
        if (const auto& p = example) {
            const DiffLabel pair = DiffLabel::unpack(l);
            out.push_back(Difference{printable(*p), pair.a, pair.b});
        }
        if (out.size() >= max_regions) break;
    }
    std::sort(out.begin(), out.end(), [](const Difference& x, const Difference& y) {
        return x.example.size() != y.example.size() ? x.example.size() < y.example.size()
                                                    : x.example < y.example;
    });
    return out;
}

}  // namespace

Result<std::vector<Difference>> diff(const Composition& a, const Composition& b, const DfaLimits& limits,
                                     std::size_t max_regions) {
    AA_ASSIGN(const Dfa ea, a.effective_dfa(limits));
    AA_ASSIGN(const Dfa eb, b.effective_dfa(limits));
    return differences(ea, eb, limits, max_regions);
}

Result<std::vector<Difference>> diff_with_base(const Composition& c, const DfaLimits& limits,
                                               std::size_t max_regions) {
    AA_ASSIGN(const Dfa effective, c.effective_dfa(limits));
    return differences(c.base_dfa(), effective, limits, max_regions);
}

}  // namespace aalayer::policy
