#include "policy/engine/base_rules.h"

namespace aalayer::policy {

BaseRules::BaseRules(PermissionAutomaton built) : state_(std::make_shared<State>()) {
    state_->rule_count = built.rules().size();
    state_->result.emplace(std::move(built));
    state_->done = true;
}

BaseRules BaseRules::later(std::vector<FileRuleInfo> rules, const PermissionLimits& limits) {
    BaseRules out;
    out.state_ = std::make_shared<State>();
    out.state_->rule_count = rules.size();
    out.state_->rules = std::move(rules);
    out.state_->limits = limits;
    out.state_->limits.dfa.work = nullptr;  // the compile's meter is gone by then
    return out;
}

const Result<PermissionAutomaton>& BaseRules::get() const {
    if (!state_) {
        static const Result<PermissionAutomaton> none = PermissionAutomaton::build({}, PermissionLimits{});
        return none;
    }
    State& s = *state_;
    std::call_once(s.once, [&s] {
        if (!s.result)
            s.result.emplace(
                PermissionAutomaton::build(std::move(s.rules), s.limits, RuleAutomaton::as_built));
        s.done = true;
    });
    return *s.result;
}

bool BaseRules::built() const {
    return !state_ || state_->done;
}

std::size_t BaseRules::rule_count() const {
    return state_ ? state_->rule_count : 0;
}

}  // namespace aalayer::policy
