// Internal to policy/engine: clipping, step 2 of compose()
// (docs/layer-algebra.md, "Composition"). For each layer allow rule on its
// own, the shortest canonical path it allows outside the grant region, or
// with more than the bound there: a warning, or an error with `strict`.
// Rules from abstractions get one note per abstraction.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "policy/engine/compose.h"

namespace aalayer::policy {

class Clipper {
public:
    Clipper(const CompiledGrant& grant, const ComposeOptions& options, std::vector<Finding>& findings)
        : grant_(grant), options_(options), findings_(findings) {}

    // `paths`: the rule's canonical paths. Findings go to `findings`; an
    // error means a witness search could not finish (a budget).
    Status check(const FileRuleInfo& rule, const Dfa& paths);
    // The same, from the witnesses check() would find (clip_scan.h).
    void found(const FileRuleInfo& rule, const std::optional<std::string>& outside,
               const std::optional<std::string>& beyond);
    // The notes of the abstractions' rules, one per abstraction.
    void finish();

private:
    [[nodiscard]] std::string clipped() const;
    // Why a path is outside the region: the exclusion that took it out, or no grant rule.
    [[nodiscard]] std::string outside_reason(const std::string& path) const;
    void report(const Location& where, const std::string& message);
    void report_outside(const FileRuleInfo& rule, const std::string& path);
    void report_beyond(const FileRuleInfo& rule, const std::string& path);
    // Counts a rule of an abstraction; the first one's path is the example.
    void count_included(const FileRuleInfo& rule, const std::string& path);

    const CompiledGrant& grant_;
    const ComposeOptions& options_;
    std::vector<Finding>& findings_;
    std::map<std::string, std::pair<std::size_t, std::string>> included_;
};

}  // namespace aalayer::policy
