// compose(): the layer's automaton, the clipping and the child profile, and
// the proof that base ∩ child is the formula (compose.h). The steps live in
// their own files: clipping.cpp, child_profile.cpp, proof.cpp, and
// work_budget.cpp for the errors past the work budget.
#include "policy/engine/compose.h"

#include "policy/engine/bounds.h"
#include "policy/engine/child_profile.h"
#include "policy/engine/child_readback.h"
#include "policy/engine/clip_scan.h"
#include "policy/engine/clipping.h"
#include "policy/engine/proof.h"
#include "policy/engine/removal_notes.h"
#include "policy/engine/work_budget.h"

namespace aalayer::policy {

namespace {

// The layer's file rules into the child: each allow rule clipped to the
// grant (findings for what it loses) and its share of the child; deny rules
// whole. `scan`: what clip_scan found for every rule, when it could run; a
// rule it did not settle (and every rule without it) is compiled on its own
// and searched alone. cost[i]: the steps rule i took on its own.
// Layer problems become findings; an error is the engine's (a budget).
Status add_file_rules(const LayerRules& layer, const std::vector<RuleClip>* scan,
                      const ComposeOptions& options, const DfaLimits& limits, const WorkMeter& meter,
                      ChildProfileBuilder& child, Clipper& clipper, std::vector<std::uint64_t>& cost,
                      std::vector<Finding>& findings) {
    for (std::size_t i = 0; i < layer.files.size(); ++i) {
        const auto& rule = layer.files[i];
        if (rule.deny) {
            child.add_deny(rule);
            continue;
        }
        if (scan != nullptr && (*scan)[i].settled) {
            const RuleClip& clip = (*scan)[i];
            clipper.found(rule, clip.outside, clip.beyond);
            AA_TRY(child.add_allow(rule, clip.meets));
            continue;
        }
        const std::uint64_t before = meter.used();
        auto compiled = compile_globs(rule.globs, rule.where, options.limits.glob, limits);
        Result<Dfa> paths = compiled ? canonical_part(*compiled, limits) : Result<Dfa>(compiled.error());
        Status clip = paths ? clipper.check(rule, *paths) : Status(paths.error());
        Status added = clip && paths ? child.add_allow(rule, *paths) : Status();
        cost[i] += meter.used() - before;
        if (meter.exhausted()) return too_much_work(layer, costliest_rule(cost), meter);
        if (!compiled) {
            findings.push_back(to_finding(compiled.error()));
            continue;
        }
        if (!paths) return paths.take_error();
        if (!clip) return clip.take_error();
        if (!added) findings.push_back(to_finding(added.error()));
    }
    return {};
}

}  // namespace

Result<Composition> compose(std::shared_ptr<const BasePolicy> base,
                            std::shared_ptr<const CompiledGrant> grant, const LayerRules& layer,
                            const LayerId& id, const ComposeOptions& options) {
    AA_ASSIGN(std::shared_ptr<const Bounds> bounds,
              prepare_bounds(std::move(base), std::move(grant), options.limits.dfa));
    return compose(std::move(bounds), layer, id, options);
}

Result<Composition> compose(std::shared_ptr<const Bounds> bounds, const LayerRules& layer, const LayerId& id,
                            const ComposeOptions& options) {
    Composition out;
    out.findings = layer.findings;
    if (!out.valid()) return out;
    if (auto st = validate_layer_name(id.name); !st && !transient_serial(id.name)) {
        out.findings.push_back(to_finding(st.error()));
        return out;
    }
    // One budget of steps for every construction below (the automata, the
    // clipping witnesses, the child's globs, the proof), so that no layer,
    // however small its automata, costs more CPU than the service allows.
    WorkMeter meter(layer.max_work);
    ComposeOptions metered = options;
    metered.limits.dfa.work = &meter;
    const DfaLimits& limits = metered.limits.dfa;
    std::vector<std::uint64_t> cost(layer.files.size(), 0);  // steps spent on each rule on its own

    // A(p) and D(p): the layer's allow and deny rules as one automaton.
    auto built = PermissionAutomaton::build(layer.files, metered.limits);
    if (!built) {
        if (meter.exhausted()) return too_much_work(layer, locate_costliest(layer, options), meter);
        out.findings.push_back(to_finding(locate_budget_error(built.error(), layer, options)));
        return out;
    }
    const PermissionAutomaton& files = *built;

    // The child: outside the region the base decides; inside, each allow
    // rule clipped to G(p); D(p) everywhere.
    ChildProfileBuilder child(*bounds->base, *bounds->grant, id, metered);
    Clipper clipper(*bounds->grant, metered, out.findings);
    // Every allow rule clipped in one walk; past the state budget, rule by rule.
    std::optional<std::vector<RuleClip>> scan;
    if (!options.clip_rule_by_rule) {
        auto scanned = scan_clipping(*bounds, files, limits);
        if (scanned) {
            scan = std::move(*scanned);
        } else if (meter.exhausted()) {
            return too_much_work(layer, locate_costliest(layer, options), meter);
        }
    }
    AA_TRY(add_file_rules(layer, scan ? &*scan : nullptr, options, limits, meter, child, clipper, cost,
                          out.findings));
    clipper.finish();
    out.work = meter.used();
    if (!out.valid()) return out;
    child.add_other_rules(layer);
    out.child_text = child.text();

    // The proof: base ∩ child = B ∩ G ∩ A − D in the region, B − D outside.
    auto layer_dfa = minimize(
        map_labels(files.dfa(), [&](Label l) { return LayerLabel::of(files.label_perms(l)).pack(); }),
        limits);
    Status proved =
        layer_dfa ? prove_child(*bounds, *layer_dfa, out.child_text, limits) : Status(layer_dfa.error());
    if (meter.exhausted()) return too_much_work(layer, costliest_rule(cost), meter);
    if (!proved) return proved.take_error();
    // What the layer takes away without saying so: notes, on what is left
    // of the budget; when it runs out they are skipped, said in one note.
    if (options.removal_notes && !add_removal_notes(*bounds, *layer_dfa, layer, limits, out.findings)) {
        out.findings.push_back(Finding{Severity::Note, Location{layer.source, 0, 0},
                                       "what this layer takes away inside the grant was not worked out: "
                                       "it needs more work than the service allows"});
    }
    add_class_notes(bounds->base->classes, bounds->base->name, layer, out.findings);
    out.layer_dfa_ = std::move(*layer_dfa);
    out.work = meter.used();
    out.bounds_ = std::move(bounds);
    out.layer_ = std::move(*built);
    return out;
}

Status Composition::prove(const std::string& text, const DfaLimits& limits) const {
    if (!bounds_) return child_failure("has no composition to be checked against");
    return prove_child(*bounds_, layer_dfa_, text, limits);
}

}  // namespace aalayer::policy
