// Grants: the admin's `grant BASE { rules }` blocks (/etc/aalayer/grants.d).
// A grant's region is the union of its rules' paths less its exclusions'
// (`exclude PATH,`); its bound is what the rules allow each path of the
// region. Users decide inside the region, up to the bound; outside it
// (excluded paths included) the base decides and layers can only deny.
#pragma once

#include <string>
#include <vector>

#include "policy/automaton/paths.h"
#include "policy/engine/file_permissions.h"
#include "policy/engine/finding.h"
#include "policy/engine/labels.h"
#include "policy/load/loader.h"

namespace aalayer::policy {

struct GrantExclusionInfo {
    Location where;
    std::string text;                // canonical, for explanations: "exclude PATH,"
    std::vector<std::string> globs;  // expanded and decoded, as FileRuleInfo::globs
};

struct Grant {
    std::string base;  // the base profile's name
    Location where;    // of the `grant` keyword
    std::vector<FileRuleInfo> rules;
    std::vector<GrantExclusionInfo> exclusions;
};

// Load options for grant files: Dialect::Grant, includes refused unread.
LoadOptions grant_load_options(LoadOptions base);

// Reads every grant block of a grant file, loaded with Dialect::Grant and
// the user's variables predefined. Grant rules are file allow rules with
// permissions among r w a l k m ix; anything else is a located error.
Result<std::vector<Grant>> read_grants(const LoadedPolicy& policy);

struct CompiledGrant {
    Grant grant;
    PermissionAutomaton bound;
    Dfa region;     // canonical paths in the region
    Dfa bound_dfa;  // label: GrantLabel
    // Canonical paths of each rule, in rule order, exclusions not taken out:
    // the child allows excluded paths whole (they are in `outside`), so a
    // layer rule written there changes nothing and needs no clipping.
    std::vector<Dfa> rule_regions;
    std::vector<Dfa> exclusion_regions;  // canonical paths of each exclusion, in order
    std::vector<std::string> outside;    // the complement of the region, as globs
    // Mistakes that do not make the grant invalid (an exclusion that takes
    // nothing out of the region), for the admin's log and check-grants.
    std::vector<Finding> warnings;
    static constexpr Label kInRegion = GrantLabel::kInRegion;

    // The first exclusion that takes `path` out of the region, if any.
    [[nodiscard]] const GrantExclusionInfo* exclusion_of(std::string_view path) const;
};

// Compiles a grant for one user. Fails, naming the rule, when the paths
// outside the region cannot be written as globs (the child needs them).
Result<CompiledGrant> compile_grant(Grant grant, const PermissionLimits& limits);

}  // namespace aalayer::policy
