#include "policy/engine/work_budget.h"

#include <algorithm>

#include "policy/common/utf8.h"

namespace aalayer::policy {

Error too_much_work(const LayerRules& layer, std::optional<std::size_t> costliest, const WorkMeter& meter) {
    const std::string why =
        "; simplify the pattern: a '**' followed by many '?', '*' or '[...]', or "
        "long alternations, multiply the work";
    const std::string steps = "more than " + std::to_string(meter.limit()) + " steps";
    if (!costliest) {
        return make_error(ErrorKind::Limit, Location{layer.source, 1, 1},
                          "this layer needs more work than the service allows (" + steps + ")" + why);
    }
    const FileRuleInfo& rule = layer.files[*costliest];
    return make_error(ErrorKind::Limit, rule.where,
                      "this layer needs more work than the service allows (" + steps + "; the rule at line " +
                          std::to_string(rule.where.line) + " is the costliest: '" +
                          to_valid_utf8(rule.text) + "')" + why);
}

std::optional<std::size_t> costliest_rule(const std::vector<std::uint64_t>& cost) {
    const auto it = std::max_element(cost.begin(), cost.end());
    if (it == cost.end() || *it == 0) return std::nullopt;
    return static_cast<std::size_t>(it - cost.begin());
}

std::optional<std::size_t> locate_costliest(const LayerRules& layer, const ComposeOptions& options) {
    if (layer.files.size() == 1) return 0;
    WorkMeter meter(layer.max_work);
    DfaLimits limits = options.limits.dfa;
    limits.work = &meter;
    std::vector<std::uint64_t> cost(layer.files.size(), 0);
    for (std::size_t i = 0; i < layer.files.size() && !meter.exhausted(); ++i) {
        const std::uint64_t before = meter.used();
        (void)compile_globs(layer.files[i].globs, layer.files[i].where, options.limits.glob, limits);
        cost[i] = meter.used() - before;
    }
    return costliest_rule(cost);
}

Error locate_budget_error(Error error, const LayerRules& layer, const ComposeOptions& options) {
    if (error.kind != ErrorKind::Limit) return error;
    WorkMeter meter(layer.max_work);  // the rules alone, on one more budget at most
    DfaLimits limits = options.limits.dfa;
    limits.work = &meter;
    for (std::size_t i = 0; i < layer.files.size(); ++i) {
        const auto& rule = layer.files[i];
        auto alone = compile_globs(rule.globs, rule.where, options.limits.glob, limits);
        if (meter.exhausted()) return too_much_work(layer, i, meter);
        if (!alone) return alone.take_error();
    }
    error.where = Location{layer.source, 1, 1};
    error.message += " (the rules together; split or simplify them)";
    return error;
}

}  // namespace aalayer::policy
