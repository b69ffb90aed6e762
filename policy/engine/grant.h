// Grants: the admin's `grant BASE { rules }` blocks (/etc/aalayer/grants.d).
// A grant's region is the union of its rules' paths; its bound is what the
// rules allow each path. Users decide inside the region, up to the bound.
#pragma once

#include <string>
#include <vector>

#include "policy/automaton/paths.h"
#include "policy/engine/file_permissions.h"
#include "policy/engine/labels.h"
#include "policy/load/loader.h"

namespace aalayer::policy {

struct Grant {
    std::string base;  // the base profile's name
    Location where;    // of the `grant` keyword
    std::vector<FileRuleInfo> rules;
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
    Dfa region;                        // canonical paths in the region
    Dfa bound_dfa;                     // label: GrantLabel
    std::vector<Dfa> rule_regions;     // canonical paths of each rule, in rule order
    std::vector<std::string> outside;  // the complement of the region, as globs
    static constexpr Label kInRegion = GrantLabel::kInRegion;
};

// Compiles a grant for one user. Fails, naming the rule, when the paths
// outside the region cannot be written as globs (the child needs them).
Result<CompiledGrant> compile_grant(Grant grant, const PermissionLimits& limits);

}  // namespace aalayer::policy
