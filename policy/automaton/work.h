// A budget of work shared by every automaton construction of one request (a
// composition), counted in steps: one step is one transition an algorithm
// looks at (a state and a byte class, or an NFA edge). The state budget
// (DfaLimits::max_states) bounds memory, not time: an automaton well under
// it can still cost seconds to determinise, minimise, multiply and search
// several times over. Steps rather than time keep a refusal deterministic:
// the same layer is refused on every machine, under any load.
// docs/layer-algebra.md ("Budgets").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "policy/common/result.h"

namespace aalayer::policy {

class WorkMeter {
public:
    explicit WorkMeter(std::uint64_t limit) : limit_(limit) {}

    // Adds `steps`; false once the total is past the limit (and from then on).
    bool charge(std::uint64_t steps) {
        used_ += steps;
        return used_ <= limit_;
    }
    [[nodiscard]] bool exhausted() const { return used_ > limit_; }
    [[nodiscard]] std::uint64_t used() const { return used_; }
    [[nodiscard]] std::uint64_t limit() const { return limit_; }

private:
    std::uint64_t limit_;
    std::uint64_t used_ = 0;
};

// Charges `steps` to the meter, if there is one; false once it is spent.
inline bool charge(WorkMeter* meter, std::uint64_t steps) {
    return meter == nullptr || meter->charge(steps);
}

// The error of a construction that ran out of steps. Callers that know
// which rule was costliest replace it with a message naming the rule.
inline Error work_exhausted(const Location& where, const WorkMeter& meter) {
    return make_error(
        ErrorKind::Limit, where,
        "pattern set needs more work than allowed (more than " + std::to_string(meter.limit()) + " steps)");
}

// The error of a construction past its state budget (DfaLimits::max_states,
// GlobLimits::max_nfa_states); `states`: the budget, when the message names it.
inline Error too_complex(const Location& where, std::optional<std::size_t> states) {
    return make_error(ErrorKind::Limit, where,
                      std::string("pattern set is too complex") +
                          (states ? ": its automaton needs more than " + std::to_string(*states) + " states"
                                  : " (automaton state budget exceeded)"));
}

// Whether `error` is a meter running out (rather than another budget).
inline bool is_work_exhausted(const Error& error, const WorkMeter* meter) {
    return error.kind == ErrorKind::Limit && meter != nullptr && meter->exhausted();
}

}  // namespace aalayer::policy
