// The recursive-descent parser behind parse_document() (parser.h). Not part
// of the library's API: only the parser's own files include it. Its member
// functions live in one file per job:
//   parser.cpp           the document: input checks, items, qualifiers, blocks
//   parse_profile.cpp    profiles, hats and grant blocks
//   parse_preamble.cpp   include, abi, variable and boolean definitions, alias
//   parse_rules.cpp      the rule classes: file, link, capability, rlimit, change_profile, unknown
//   parse_mediation.cpp  mediation rules, their conditions and ( … ) lists
//   parse_conditional.cpp  if / else if / else blocks and their conditions
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/common/result.h"
#include "policy/syntax/keywords.h"
#include "policy/syntax/model.h"
#include "policy/syntax/parser.h"
#include "policy/syntax/scanner.h"

namespace aalayer::policy::detail {

enum class Scope : std::uint8_t { TopLevel, Profile, Block };

class Parser {
public:
    Parser(std::string_view text, std::string path, const ParseLimits& limits, Dialect dialect);

    Result<ParseOutput> run();

private:
    // parser.cpp: the structure of the document.
    // `outer`: the qualifiers of the blocks around the items, which rules are checked with too.
    Status parse_items(std::vector<Item>& out, Scope scope, const Location& opened, std::size_t depth,
                       const Qualifiers& outer);
    Result<Node> parse_item(Scope scope, std::size_t depth, const Qualifiers& outer);
    Status parse_qualifiers(Qualifiers& q);
    Status parse_priority(Qualifiers& q);
    Result<Node> parse_qualifier_block(const Qualifiers& q, std::size_t depth, const Qualifiers& outer);
    Status check_depth(std::size_t depth) const;
    // parse_profile.cpp: profiles, hats and grant blocks.
    Result<Node> parse_profile(std::size_t depth);
    Status parse_profile_head(Profile& p);
    Status check_profile_name(std::string_view name, const Location& at) const;
    Status parse_profile_flags(Profile& p);
    // After `key`: ` = (`, the scanner left at the '('.
    Status expect_list_assignment(std::string_view key);
    // After `key`: ` = `, blanks around it skipped.
    Status expect_equals(std::string_view key);
    Status expect_end_of_rule(std::string_view rule);
    // `token` in a `rule` rule, or an error naming what stands there instead.
    Status expect_token(std::string_view token, std::string_view rule);

    // parse_preamble.cpp: what stands outside profiles.
    Result<Node> parse_include();
    Result<Node> parse_abi();
    // The name inside <…>, the scanner at the '<'.
    Result<std::string_view> read_magic_name(const Location& at, std::string_view what);
    bool is_variable_definition();
    Result<std::string> read_variable_name(char sigil);
    Result<Node> parse_variable_definition();
    Result<Node> parse_boolean_definition();
    Result<Node> parse_alias();
    // `FROM -> TO,` of a link or alias rule; the words are called "RULE path" and "RULE target".
    Status parse_arrow_pair(std::string_view rule, Word& from, Word& to);

    // parse_rules.cpp: one rule inside a profile (or at the top level).
    Result<Node> parse_rule(const Qualifiers& q, bool top, std::size_t depth, const Qualifiers& outer);
    bool is_profile_head();
    bool perms_then_path();
    Result<FilePerms> read_file_perms(const Qualifiers& q, const Qualifiers& outer);
    Result<Node> parse_file_rule(const Qualifiers& q, bool file_keyword, const Qualifiers& outer);
    Result<Node> parse_exclusion();
    bool is_exclusion_line();
    Result<Node> parse_link_rule(const Qualifiers& q);
    Result<Node> parse_capability_rule(const Qualifiers& q);
    Result<Node> parse_rlimit_rule(const Qualifiers& q);
    Result<Node> parse_change_profile_rule(const Qualifiers& q);
    Result<Node> parse_unknown_rule(const Qualifiers& q);

    // parse_conditional.cpp: `if … { } else if … { } else { }`, the scanner at `if`.
    Result<Node> parse_conditional(std::size_t depth, const Qualifiers& outer);
    Result<ConditionExpr> parse_condition_expr();
    // `{ items }` of a branch; `after` names what stands before it, for messages.
    Status parse_branch_body(ConditionalBranch& branch, std::size_t depth, const Qualifiers& outer,
                             std::string_view after);

    // parse_mediation.cpp: network, signal, dbus, mount, … rules.
    Result<Node> parse_mediation_rule(const Qualifiers& q, RuleClass cls);
    Result<Term> parse_term(const RuleGrammar& g, const std::string& what);
    Status check_network_words(const MediationRule& rule, const Location& at) const;
    // ( a b, c ): calls `each` at every element, the scanner at its start.
    template <typename Each>
    Status parse_parenthesised(Each&& each);
    Result<std::vector<Word>> parse_value_list();
    Result<std::vector<Condition>> parse_condition_list(bool xattrs = false);
    Result<Condition> parse_condition();
    bool at_condition();

    Scanner s_;
    const ParseLimits& limits_;
    Dialect dialect_;
    ParseOutput out_;
    std::size_t items_ = 0;
};

}  // namespace aalayer::policy::detail
