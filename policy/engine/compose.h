// Composition: a layer intersected with its base and its grant (SPEC 3).
//
//   effective(p) = B(p) ∩ G(p) ∩ A(p) − D(p)   inside the grant region
//   effective(p) = B(p) − D(p)                 outside it
//
// computed on automata, and the child profile the kernel stacks with the
// base so that base ∩ child = effective, proved on automata after every emit.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/engine/finding.h"
#include "policy/engine/grant.h"
#include "policy/engine/layer.h"

namespace aalayer::policy {

struct BasePolicy {
    std::string name;  // the profile's name, e.g. "firefox"
    std::string file;
    std::vector<std::string> flags;
    PermissionAutomaton files;
    Dfa effective;  // label: encode(B(p))
};

// Compiles the named profile of a base policy file (the only top-level
// profile when `profile` is empty).
Result<BasePolicy> compile_base(const Loader& loader, const std::string& file,
                                const std::string& profile = {}, const PermissionLimits& limits = {});

struct LayerId {
    std::uint32_t uid = 0;
    std::string name;
};

// Layer names: 1-64 of [A-Za-z0-9_-], so the kernel name needs no quoting.
Status validate_layer_name(const std::string& name);
// "aalayer.<uid>.<name>", the child's name under its base.
std::string child_name(const LayerId& id);

// A base and one user's grant, prepared once for every layer composed on
// them: their product automaton, whose label indexes `cells`.
struct Bounds {
    struct Cell {
        PermPair base;   // B(p)
        PermPair grant;  // G(p), when in_region
        bool in_region = false;
        friend bool operator==(const Cell&, const Cell&) = default;
    };
    std::shared_ptr<const BasePolicy> base;
    std::shared_ptr<const CompiledGrant> grant;
    Dfa product;
    std::vector<Cell> cells;
    // For the proof: the cells of every canonical path on from a state of
    // `product`, entered by '/' (context 0) or by another byte (context 1):
    // reach_sets[reach[2 * state + context]], sorted. Where the layer and
    // child are in a state no byte leaves, the proof checks these cells once
    // instead of walking the base's automaton behind that state.
    std::vector<std::uint32_t> reach;
    std::vector<std::vector<std::uint32_t>> reach_sets;
    // The child's section outside the grant, the same for every layer: its
    // rules as they parse back from the emitted text, and their automaton
    // (label: encode(allow pair)). A child whose text holds all of these
    // rules is proved with this automaton and only its other rules compiled.
    std::vector<FileRuleInfo> outside_rules;
    Dfa outside_dfa = Dfa::empty();
};

Result<std::shared_ptr<const Bounds>> prepare_bounds(std::shared_ptr<const BasePolicy> base,
                                                     std::shared_ptr<const CompiledGrant> grant,
                                                     const DfaLimits& limits = {});

struct ComposeOptions {
    bool strict = false;    // clipping is an error, not a warning
    bool complain = false;  // the child in complain mode
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

class Composition {
public:
    std::string child_text;  // empty when a finding is an error
    std::vector<Finding> findings;
    std::uint64_t work = 0;  // steps the composition took (LayerRules::max_work bounds them)

    [[nodiscard]] bool valid() const { return !has_errors(findings); }
    // effective(p), from the base, grant and layer automata (no product kept).
    [[nodiscard]] PermPair perms(std::string_view path) const;
    [[nodiscard]] Explanation explain(std::string_view path) const;
    // The effective policy as one automaton, label encode(effective(p)):
    // built on demand (diff, audits), as it is larger than its parts.
    [[nodiscard]] Result<Dfa> effective_dfa(const DfaLimits& limits = {}) const;
    // The proof compose() ran on child_text, run on another text (tests,
    // audits): that child stacked on the base gives this policy on every
    // canonical path, and the policy stays within the base and the grant.
    [[nodiscard]] Status prove(const std::string& text, const DfaLimits& limits = {}) const;

private:
    friend Result<Composition> compose(std::shared_ptr<const Bounds>, const LayerRules&, const LayerId&,
                                       const ComposeOptions&);
    std::shared_ptr<const Bounds> bounds_;
    std::optional<PermissionAutomaton> layer_;
    Dfa layer_dfa_ = Dfa::empty();  // label: allow pair | deny pair << 16
};

// Layer problems come back as findings; an Error means the engine itself
// could not finish (a budget, or a failed proof: the child is never used then).
// Every construction it runs charges one WorkMeter of layer.max_work steps
// (LayerLimits::max_compose_work); past it, a Limit error located on the
// rule that cost the most.
Result<Composition> compose(std::shared_ptr<const Bounds> bounds, const LayerRules& layer, const LayerId& id,
                            const ComposeOptions& options = {});
// The same, preparing the bounds on the way (for one-off compositions).
Result<Composition> compose(std::shared_ptr<const BasePolicy> base,
                            std::shared_ptr<const CompiledGrant> grant, const LayerRules& layer,
                            const LayerId& id, const ComposeOptions& options = {});

// The proof compose() runs after every emit, for tests and audits: base ∩
// child (what the kernel computes under the stack, from the child's text)
// equals `effective` on every canonical path, `effective` never exceeds the
// base, and inside the grant region never exceeds the grant.
Status check_child(const BasePolicy& base, const CompiledGrant& grant, const std::string& child_text,
                   const Dfa& effective, const DfaLimits& limits = {});

// Where two compositions on the same kind of paths differ: one example path
// per distinct pair of answers, shortest first.
struct Difference {
    std::string example;
    PermPair a;
    PermPair b;
};
Result<std::vector<Difference>> diff(const Composition& a, const Composition& b, std::size_t max_regions = 64,
                                     const DfaLimits& limits = {});

// PERMS as the API prints them: "owner=rw other=r".
std::string format_pair(PermPair p);

}  // namespace aalayer::policy
