#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/common/result.h"
#include "policy/syntax/model.h"

namespace aalayer::policy {

// @{NAME} set variables and ${NAME} booleans, with apparmor_parser's rules:
// `=` defines once, `+=` appends to a defined variable, values may refer to
// other variables, and a variable stands for the set of its values.
class VariableTable {
public:
    Status define(const VariableDefinition& def, const Location& where);
    Status define_boolean(const BooleanDefinition& def, const Location& where);
    // Defines or replaces a variable outright (built-ins, per-user values).
    void set(const std::string& name, std::vector<std::string> values);

    [[nodiscard]] bool has(const std::string& name) const { return vars_.contains(name); }
    // A boolean's value; nullopt when it is not defined.
    [[nodiscard]] std::optional<bool> boolean(const std::string& name) const {
        const auto it = booleans_.find(name);
        return it == booleans_.end() ? std::nullopt : std::optional<bool>(it->second);
    }
    [[nodiscard]] std::vector<std::string> names() const;
    [[nodiscard]] const Location* defined_at(const std::string& name) const;

    // All values of `text` with every @{VAR} replaced by each of its values.
    // Fails on an undefined or recursive variable, or more than max_results values.
    [[nodiscard]] Result<std::vector<std::string>> expand(std::string_view text, const Location& where,
                                                          std::size_t max_results = 65536) const;

private:
    struct Entry {
        std::vector<std::string> values;  // raw, may refer to other variables
        Location where;
    };
    Result<std::vector<std::string>> expand_inner(std::string_view text, const Location& where,
                                                  std::size_t max_results,
                                                  std::vector<std::string>& stack) const;

    std::map<std::string, Entry> vars_;
    std::map<std::string, bool> booleans_;
};

// Names of the @{NAME} references in text, in order of appearance.
std::vector<std::string> variable_references(std::string_view text);

}  // namespace aalayer::policy
