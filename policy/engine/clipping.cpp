#include "policy/engine/clipping.h"

#include "policy/common/utf8.h"
#include "policy/engine/labels.h"

namespace aalayer::policy {

Status Clipper::check(const FileRuleInfo& rule, const Dfa& paths) {
    AA_ASSIGN(std::optional<std::string> outside,
              canonical_difference_witness(paths, grant_.region, options_.limits.dfa));
    if (outside) {
        report_outside(rule, *outside);
        return {};
    }
    const PermPair want = rule_pair(rule);
    AA_ASSIGN(std::optional<std::string> beyond,
              canonical_witness(
                  paths, grant_.bound_dfa,
                  [&](Label in, Label g) { return in != 0 && !contains(GrantLabel::unpack(g).bound, want); },
                  options_.limits.dfa));
    if (beyond) report_beyond(rule, *beyond);
    return {};
}

void Clipper::found(const FileRuleInfo& rule, const std::optional<std::string>& outside,
                    const std::optional<std::string>& beyond) {
    if (outside) {
        report_outside(rule, *outside);
    } else if (beyond) {
        report_beyond(rule, *beyond);
    }
}

void Clipper::report_outside(const FileRuleInfo& rule, const std::string& path) {
    if (rule.included) {
        count_included(rule, path);
    } else {
        report(rule.where, "allows " + printable(path) + ", " + outside_reason(path) + clipped());
    }
}

void Clipper::report_beyond(const FileRuleInfo& rule, const std::string& path) {
    const PermPair want = rule_pair(rule);
    const PermPair granted = grant_.bound.perms(path);
    const PermPair kept = granted & want;
    std::string message = "allows '" + rule_letters(want.owner | want.other) + "' on " + printable(path) +
                          ", beyond the grant for " + grant_.grant.base + " there (" + format_pair(granted) +
                          ")" + (options_.strict ? clipped() : "; clipped to " + format_pair(kept));
    if (rule.included) {
        count_included(rule, path);
    } else {
        report(rule.where, message);
    }
}

void Clipper::finish() {
    for (const auto& [file, entry] : included_) {
        findings_.push_back(Finding{Severity::Note, Location{file, 0, 0},
                                    std::to_string(entry.first) +
                                        " rule(s) of this abstraction reach beyond "
                                        "the grant for " +
                                        grant_.grant.base + " and are clipped (e.g. " + entry.second + ")"});
    }
}

std::string Clipper::outside_reason(const std::string& path) const {
    if (const auto* exclusion = grant_.exclusion_of(path)) {
        return "excluded by the grant at " + to_string(exclusion->where) + " (" + exclusion->text + ")";
    }
    return "outside the grant for " + grant_.grant.base;
}

std::string Clipper::clipped() const {
    return options_.strict ? "; not allowed in strict mode" : "; clipped";
}

void Clipper::report(const Location& where, const std::string& message) {
    findings_.push_back(
        Finding{options_.strict ? Severity::Error : Severity::Warning, where, to_valid_utf8(message)});
}

void Clipper::count_included(const FileRuleInfo& rule, const std::string& path) {
    auto& [count, example] = included_[rule.where.file];
    if (count++ == 0) example = printable(path);
}

}  // namespace aalayer::policy
