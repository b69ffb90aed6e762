// A base's rule automaton: which of its rules match a path, for
// explanations. A composition needs only the base's effective automaton
// (BasePolicy::effective), which is built without telling the rules apart
// (effective_dfa_of); so a base compiled once (aalayer-policy) builds this
// one only when a query first asks for it, and a base the service keeps
// has it built at once, so no Explain waits for it.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "policy/engine/file_permissions.h"

namespace aalayer::policy {

class BaseRules {
public:
    // No rules.
    BaseRules() = default;
    // Built already.
    BaseRules(PermissionAutomaton built);  // NOLINT(google-explicit-constructor): a base's rules are this
    // Built from `rules` when get() is first called. Without a work meter:
    // the base was accepted already; the state budget still holds.
    static BaseRules later(std::vector<FileRuleInfo> rules, const PermissionLimits& limits);

    // The automaton, or why it could not be built. Safe from any thread.
    [[nodiscard]] const Result<PermissionAutomaton>& get() const;
    // Whether get() has built it (or it came built).
    [[nodiscard]] bool built() const;
    [[nodiscard]] std::size_t rule_count() const;

private:
    struct State {
        std::once_flag once;
        std::atomic<bool> done{false};
        std::vector<FileRuleInfo> rules;
        std::size_t rule_count = 0;
        PermissionLimits limits;
        std::optional<Result<PermissionAutomaton>> result;
    };
    std::shared_ptr<State> state_;  // shared by copies: one build for all
};

}  // namespace aalayer::policy
