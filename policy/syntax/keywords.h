// The vocabulary of the AppArmor language: rule class grammars, capability
// names, network families, profile flags, rlimit resources.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "policy/syntax/model.h"

namespace aalayer::policy {

// What a mediation rule class accepts, as apparmor_parser's lexer modes do.
struct RuleGrammar {
    RuleClass cls;
    std::string_view keyword;
    std::span<const std::string_view> access;      // access keywords, alone or in ( … )
    std::span<const std::string_view> conditions;  // `key=` names
    std::span<const std::string_view> words;       // other bare words it accepts; empty: none
    bool any_word = false;                         // any operand word (paths, names)
    bool arrow = false;                            // accepts `-> target`
};

const RuleGrammar& grammar(RuleClass cls);

[[nodiscard]] bool is_capability(std::string_view name);
[[nodiscard]] bool is_rlimit(std::string_view name);
// The bare access words of a network rule (AppArmor 4: `network create inet,`).
[[nodiscard]] bool is_network_access(std::string_view word);
// Whether `network FIRST [SECOND],` names sockets apparmor_parser knows: a
// family, type or protocol alone, or a family then a type or protocol of it.
[[nodiscard]] bool is_network_entry(std::string_view first, std::string_view second);
// Accepts plain flags (complain) and the key=value flags of newer parsers.
[[nodiscard]] bool is_profile_flag(std::string_view flag);
// The words that end qualifiers and start rules; never parsed as rule operands.
[[nodiscard]] bool is_reserved_word(std::string_view word);

}  // namespace aalayer::policy
