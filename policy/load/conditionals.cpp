#include "policy/load/conditionals.h"

namespace aalayer::policy {

namespace {

Result<bool> evaluate(const ConditionExpr& e, const VariableTable& vars, const Location& where) {
    bool value = false;
    switch (e.kind) {
        case ConditionExpr::Kind::Boolean: {
            const std::optional<bool> b = vars.boolean(e.name);
            if (!b) {
                return make_error(ErrorKind::Variable, where,
                                  "boolean ${" + e.name + "} is used in an 'if' but not defined before it");
            }
            value = *b;
            break;
        }
        case ConditionExpr::Kind::DefinedSet: value = vars.has(e.name); break;
        case ConditionExpr::Kind::DefinedBoolean: value = vars.boolean(e.name).has_value(); break;
    }
    return e.negated ? !value : value;
}

}  // namespace

Result<std::optional<std::size_t>> choose_branch(const Conditional& c, const VariableTable& vars) {
    std::optional<std::size_t> taken;
    for (std::size_t i = 0; i < c.branches.size(); ++i) {
        const auto& b = c.branches[i];
        bool holds = true;
        if (b.condition) {
            AA_ASSIGN(holds, evaluate(*b.condition, vars, b.where));
        }
        if (holds && !taken) taken = i;
    }
    return taken;
}

void splice_conditionals(std::vector<Item>& items, const BranchChoices& choices) {
    std::vector<Item> out;
    out.reserve(items.size());
    for (auto& item : items) {
        if (auto* c = std::get_if<Box<Conditional>>(&item.node)) {
            const auto choice = choices.find(&**c);
            if (choice == choices.end() || !choice->second) continue;
            auto& taken = (*c)->branches[*choice->second].items;
            splice_conditionals(taken, choices);
            for (auto& inner : taken)
                out.push_back(std::move(inner));
            continue;
        }
        if (auto* p = std::get_if<Box<Profile>>(&item.node)) splice_conditionals((*p)->items, choices);
        if (auto* b = std::get_if<Box<QualifierBlock>>(&item.node)) splice_conditionals((*b)->items, choices);
        out.push_back(std::move(item));
    }
    items = std::move(out);
}

}  // namespace aalayer::policy
