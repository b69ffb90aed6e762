#include "policy/load/variables.h"

#include <algorithm>

namespace aalayer::policy {

namespace {

struct Reference {
    std::size_t begin;  // offset of '@'
    std::size_t end;    // one past '}'
    std::string_view name;
};

std::vector<Reference> find_references(std::string_view text) {
    std::vector<Reference> refs;
    for (std::size_t i = 0; i + 2 < text.size(); ++i) {
        if (text[i] != '@' || text[i + 1] != '{' || (i > 0 && text[i - 1] == '\\')) continue;
        const std::size_t close = text.find('}', i + 2);
        if (close == std::string_view::npos) break;
        refs.push_back(Reference{i, close + 1, text.substr(i + 2, close - i - 2)});
        i = close;
    }
    return refs;
}

}  // namespace

std::vector<std::string> variable_references(std::string_view text) {
    std::vector<std::string> names;
    for (const auto& r : find_references(text))
        names.emplace_back(r.name);
    return names;
}

Status VariableTable::define(const VariableDefinition& def, const Location& where) {
    std::vector<std::string> values;
    values.reserve(def.values.size());
    for (const auto& w : def.values)
        values.push_back(w.text);
    auto it = vars_.find(def.name);
    if (def.append) {
        if (it == vars_.end()) {
            return make_error(
                ErrorKind::Variable, where,
                "variable @{" + def.name + "} gets values with '+=' but was never defined with '='");
        }
        it->second.values.insert(it->second.values.end(), values.begin(), values.end());
        return {};
    }
    if (it != vars_.end()) {
        return make_error(ErrorKind::Variable, where,
                          "variable @{" + def.name + "} is already defined at " +
                              to_string(it->second.where) + "; use '+=' to add values");
    }
    vars_.emplace(def.name, Entry{std::move(values), where});
    return {};
}

Status VariableTable::define_boolean(const BooleanDefinition& def, const Location& where) {
    if (booleans_.contains(def.name)) {
        return make_error(ErrorKind::Variable, where, "boolean ${" + def.name + "} is already defined");
    }
    booleans_.emplace(def.name, def.value);
    return {};
}

void VariableTable::set(const std::string& name, std::vector<std::string> values) {
    vars_[name] = Entry{std::move(values), Location{}};
}

std::vector<std::string> VariableTable::names() const {
    std::vector<std::string> out;
    for (const auto& [name, entry] : vars_)
        out.push_back(name);
    return out;
}

const Location* VariableTable::defined_at(const std::string& name) const {
    const auto it = vars_.find(name);
    return it == vars_.end() ? nullptr : &it->second.where;
}

Result<std::vector<std::string>> VariableTable::expand(std::string_view text, const Location& where,
                                                       std::size_t max_results) const {
    std::vector<std::string> stack;
    return expand_inner(text, where, max_results, stack);
}

Result<std::vector<std::string>> VariableTable::expand_inner(std::string_view text, const Location& where,
                                                             std::size_t max_results,
                                                             std::vector<std::string>& stack) const {
    std::vector<std::string> results{std::string()};
    std::size_t pos = 0;
    auto append_literal = [&](std::string_view literal) {
        for (auto& r : results)
            r += literal;
    };
    for (const auto& ref : find_references(text)) {
        append_literal(text.substr(pos, ref.begin - pos));
        pos = ref.end;
        const std::string name(ref.name);
        const auto it = vars_.find(name);
        if (it == vars_.end()) {
            std::string message = "variable @{" + name + "} is not defined";
            if (!stack.empty()) message += " (used in the value of @{" + stack.back() + "})";
            return make_error(ErrorKind::Variable, where, message);
        }
        if (std::find(stack.begin(), stack.end(), name) != stack.end()) {
            return make_error(ErrorKind::Variable, where, "variable @{" + name + "} refers to itself");
        }
        stack.push_back(name);
        std::vector<std::string> values;
        for (const auto& raw : it->second.values) {
            AA_ASSIGN(std::vector<std::string> expanded, expand_inner(raw, where, max_results, stack));
            values.insert(values.end(), std::make_move_iterator(expanded.begin()),
                          std::make_move_iterator(expanded.end()));
            // Checked as values accumulate: many large values must not pile up first.
            if (results.size() * values.size() > max_results) {
                return make_error(
                    ErrorKind::Limit, where,
                    "variables expand to more than " + std::to_string(max_results) + " alternatives");
            }
        }
        stack.pop_back();
        if (results.size() * std::max<std::size_t>(values.size(), 1) > max_results) {
            return make_error(
                ErrorKind::Limit, where,
                "variables expand to more than " + std::to_string(max_results) + " alternatives");
        }
        std::vector<std::string> next;
        next.reserve(results.size() * values.size());
        for (const auto& prefix : results) {
            for (const auto& v : values)
                next.push_back(prefix + v);
        }
        results = std::move(next);
    }
    append_literal(text.substr(pos));
    return results;
}

}  // namespace aalayer::policy
