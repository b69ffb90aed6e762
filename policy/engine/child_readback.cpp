#include "policy/engine/child_readback.h"

#include "policy/syntax/parser.h"

namespace aalayer::policy {

Error child_failure(const std::string& what) {
    return make_error(ErrorKind::Invalid, Location{"<child profile>", 0, 0},
                      "internal error: the generated child profile " + what + "; it was not used");
}

namespace {

// The child is the engine's own text, bounded by the layer's limits and the
// grant's (its outside globs): it is read under the parser's own limits,
// and a child past them fails as one that does not parse.
const ParseLimits kChildParseLimits;

}  // namespace

Result<std::vector<FileRuleInfo>> child_rules(const std::string& child_text) {
    auto parsed = parse_document(child_text, "<child profile>", kChildParseLimits);
    if (!parsed) return child_failure("does not parse: " + parsed.error().format());
    std::vector<FileRuleInfo> rules;
    for (const auto& item : parsed->document.items) {
        const auto* p = std::get_if<Box<Profile>>(&item.node);
        if (p == nullptr) continue;
        for (const auto& r : (*p)->items) {
            AA_ASSIGN(std::optional<FileRuleInfo> info, file_rule_info(r, Qualifiers{}, VariableTable{}));
            if (info) rules.push_back(std::move(*info));
        }
    }
    return rules;
}

Result<PermissionAutomaton> parse_child(const std::string& child_text, const PermissionLimits& limits) {
    AA_ASSIGN(std::vector<FileRuleInfo> rules, child_rules(child_text));
    return PermissionAutomaton::build(std::move(rules), limits);
}

}  // namespace aalayer::policy
