// Layer text: what a user writes, AppArmor rule syntax restricted as
// docs/layer-algebra.md ("Layers") says. Reading a layer never fails
// outright: every refusal becomes a located error finding, so the user sees
// all of them at once.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "policy/engine/file_permissions.h"
#include "policy/engine/finding.h"
#include "policy/load/loader.h"

namespace aalayer::policy {

struct LayerLimits {
    std::size_t max_text_bytes = 64U * 1024U;
    std::size_t max_rules = 256;      // rules the user wrote (abstractions not counted)
    std::size_t max_depth = 4;        // nested qualifier blocks
    std::size_t max_alternation = 8;  // nested { } in one pattern
    std::size_t max_pattern_bytes = 4096;
    std::size_t max_expansions = 1024;  // globs one rule may expand to
    // Steps of work one composition of the layer may take (see WorkMeter):
    // the CPU budget of a Check or Apply, whatever the automata's size.
    std::uint64_t max_compose_work = kDefaultComposeWork;
    static constexpr std::uint64_t kDefaultComposeWork = 10'000'000;
    // Not a size: what the system enforces decides which classes a layer may
    // deny, and the abi its child is written against.
    SystemAbi abi;
    friend bool operator==(const LayerLimits&, const LayerLimits&) = default;
};

struct LayerRules {
    std::string source;                   // the name findings use for the layer text
    std::vector<FileRuleInfo> files;      // file allow and deny rules, in order
    std::vector<Item> allow_rules;        // other classes' allow rules, and rlimits
    std::vector<Item> deny_rules;         // other classes' deny rules
    std::set<std::string> allow_classes;  // classes that became allow-lists (by keyword)
    std::vector<Finding> findings;
    // LayerLimits::max_compose_work as read: compose() spends at most this.
    // It travels with the rules so the limits the service reads the layer
    // under also bound its composition.
    std::uint64_t max_work = LayerLimits::kDefaultComposeWork;
    // LayerLimits::abi as read, for the child's abi and allow-all rules.
    SystemAbi abi;
};

// Reads the layer. `loader` carries the system include directories and the
// user's variables (predefined); only `include <abstractions/...>` is
// followed, and only after the text itself passed every check.
LayerRules read_layer(const Loader& loader, std::string_view text, const std::string& source,
                      const LayerLimits& limits);

// The class a non-file rule is listed under (network, capability, ...),
// or nullptr for rules that are not allow-list classes (rlimit).
const RuleClassInfo* rule_class_of(const Node& node);

}  // namespace aalayer::policy
