// Composition: a layer intersected with its base and its grant
// (docs/layer-algebra.md, "Composition").
//
//   effective(p) = B(p) ∩ G(p) ∩ A(p) − D(p)   inside the grant region
//   effective(p) = B(p) − D(p)                 outside it
//
// computed on automata, and the child profile the kernel stacks with the
// base so that base ∩ child = effective. compose() proves that after every
// emit with a walk over the product of (base × grant) with (layer × child)
// (proof.h, the same proof Composition::prove runs); the full-product check
// check_child_by_products (product_check.h) is the tests' independent oracle,
// not part of compose().
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/engine/base_rules.h"
#include "policy/engine/class_allows.h"
#include "policy/engine/finding.h"
#include "policy/engine/grant.h"
#include "policy/engine/layer.h"

namespace aalayer::policy {

struct BasePolicy {
    std::string name;  // the profile's name, e.g. "firefox"
    std::string file;
    std::vector<std::string> flags;
    BaseRules files;  // which rules match a path (explanations)
    Dfa effective;    // label: encode(B(p))
    // Its allow rules of the allow-list classes, read coarsely (class_allows.h).
    ClassAllows classes;
};

// How long a compiled base is kept. Composing needs only its effective
// automaton, built without telling the rules apart (effective_dfa_of); the
// rule automaton (BasePolicy::files) costs more than half of compiling a
// large base. A kept base has it built at once and minimised (Firefox's:
// 16,836 states to 11,127), so no Explain waits for it; a base compiled
// once builds it only if a query asks which rules match.
enum class BaseUse {
    kept,  // the service's: kept per base for as long as it is current
    once,  // one composition and its queries, then exit (aalayer-policy)
};

// Compiles the named profile of a base policy file (the only top-level
// profile when `profile` is empty).
Result<BasePolicy> compile_base(const Loader& loader, const std::string& file, const std::string& profile,
                                const PermissionLimits& limits, BaseUse use = BaseUse::kept);

struct LayerId {
    std::uint32_t uid = 0;
    std::string name;
};

// Layer names: 1-64 of [A-Za-z0-9_-], so the kernel name needs no quoting.
Status validate_layer_name(const std::string& name);
// "aalayer.<uid>.<name>", the child's name under its base.
std::string child_name(const LayerId& id);
// A one-run layer's name, "run.<serial>": the '.' keeps it apart from every
// name a user can give a stored layer (docs/security-model.md, "One-run layers").
std::string transient_layer_name(std::uint64_t serial);
// Its serial, when `name` is one.
std::optional<std::uint64_t> transient_serial(std::string_view name);

// A base and one user's grant, prepared once for every layer composed on
// them (their product automaton and the proof's indexes; its definition is
// internal to policy/engine, in bounds.h).
struct Bounds;

Result<std::shared_ptr<const Bounds>> prepare_bounds(std::shared_ptr<const BasePolicy> base,
                                                     std::shared_ptr<const CompiledGrant> grant,
                                                     const DfaLimits& limits);

struct ComposeOptions {
    bool strict = false;    // clipping is an error, not a warning
    bool complain = false;  // the child in complain mode
    // Notes on what the layer takes away inside the grant (removal_notes.h).
    // A one-run layer is an allow-list on purpose: the notes would say so on
    // every run.
    bool removal_notes = true;
    // Every allow rule compiled and searched on its own, as compose() did
    // before it clipped all of them in one walk (clip_scan.h): the
    // reference the tests compare the walk with. Same findings, same child.
    bool clip_rule_by_rule = false;
    PermissionLimits limits;
    GlobRenderLimits render;
};

// One rule that decided a path, for explanations.
struct Reason {
    std::string source;  // "base", "grant" or "layer"
    Location where;
    std::string rule;
};

struct Explanation {
    std::string path;
    PermPair perms;
    bool in_grant = false;
    std::vector<Reason> reasons;
};

// What may be allowed at a path at all, whatever the layer says: the base's
// permissions, and the grant's bound there (none outside its region).
struct PathBounds {
    PermPair base;
    PermPair grant;
    bool in_grant = false;
};

class Composition {
public:
    std::string child_text;  // empty when a finding is an error
    std::vector<Finding> findings;
    std::uint64_t work = 0;  // steps the composition took (LayerRules::max_work bounds them)

    [[nodiscard]] bool valid() const { return !has_errors(findings); }
    // effective(p), from the base, grant and layer automata (no product kept).
    [[nodiscard]] PermPair perms(std::string_view path) const;
    [[nodiscard]] Explanation explain(std::string_view path) const;
    // B(p) and G(p): what no layer can go beyond (a denial outside them is the admin's to allow).
    [[nodiscard]] PathBounds bounds_at(std::string_view path) const;
    // The grant's rules' globs, as expanded for the user (policy/engine/learn.h
    // keeps its proposals below the directories they start from).
    [[nodiscard]] std::vector<std::string> grant_globs() const;
    // Whether every canonical path matching `glob` (expanded, escapes as a
    // rule writes them) lies inside the grant's region.
    [[nodiscard]] Result<bool> within_grant(const std::string& glob, const DfaLimits& limits) const;
    // The effective policy as one automaton, label encode(effective(p)):
    // built on demand (diff, audits), as it is larger than its parts.
    [[nodiscard]] Result<Dfa> effective_dfa(const DfaLimits& limits) const;
    // The base alone, label encode(B(p)): what the program gets without the layer.
    [[nodiscard]] Dfa base_dfa() const;
    // The proof compose() ran on child_text, run on another text (tests,
    // audits): that child stacked on the base gives this policy on every
    // canonical path, and the policy stays within the base and the grant.
    [[nodiscard]] Status prove(const std::string& text, const DfaLimits& limits) const;

private:
    friend Result<Composition> compose(std::shared_ptr<const Bounds>, const LayerRules&, const LayerId&,
                                       const ComposeOptions&);
    std::shared_ptr<const Bounds> bounds_;
    std::optional<PermissionAutomaton> layer_;
    Dfa layer_dfa_ = Dfa::empty();  // label: LayerLabel
};

// Layer problems come back as findings; an Error means the engine itself
// could not finish (a budget, or a failed proof: the child is never used then).
// The proof is the walk of proof.h (prove_child), run on the emitted text.
// Every construction it runs charges one WorkMeter of layer.max_work steps
// (LayerLimits::max_compose_work); past it, a Limit error located on the
// rule that cost the most.
Result<Composition> compose(std::shared_ptr<const Bounds> bounds, const LayerRules& layer, const LayerId& id,
                            const ComposeOptions& options = {});
// The same, preparing the bounds on the way (for one-off compositions).
Result<Composition> compose(std::shared_ptr<const BasePolicy> base,
                            std::shared_ptr<const CompiledGrant> grant, const LayerRules& layer,
                            const LayerId& id, const ComposeOptions& options = {});

// Where two compositions on the same kind of paths differ: one example path
// per distinct pair of answers, shortest first.
struct Difference {
    std::string example;
    PermPair a;
    PermPair b;
};
Result<std::vector<Difference>> diff(const Composition& a, const Composition& b, const DfaLimits& limits,
                                     std::size_t max_regions = 64);
// Where a composition differs from its base alone: `a` what the base
// allows, `b` what the layer leaves (the engine side of comparing a layer
// with its base; docs/layer-algebra.md, "What a layer takes away").
Result<std::vector<Difference>> diff_with_base(const Composition& c, const DfaLimits& limits,
                                               std::size_t max_regions = 64);

// PERMS as the API prints them: "owner=rw other=r".
std::string format_pair(PermPair p);

}  // namespace aalayer::policy
