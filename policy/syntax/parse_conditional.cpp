// The parser's conditional blocks: `if C { … }`, then any number of
// `else if C { … }` and at most one `else { … }`. Conditions are kept, not
// decided: the loader decides them where they stand (load/conditionals.h).
#include "policy/syntax/parser_internal.h"

namespace aalayer::policy::detail {

Result<Node> Parser::parse_conditional(std::size_t depth, const Qualifiers& outer) {
    Conditional cond;
    for (;;) {
        s_.read_identifier();  // if
        s_.skip_space();
        ConditionalBranch branch;
        branch.where = s_.here();
        AA_ASSIGN(branch.condition, parse_condition_expr());
        AA_TRY(parse_branch_body(branch, depth, outer, "the condition"));
        cond.branches.push_back(std::move(branch));
        // An else-if chain is a loop, not nesting: its length costs no depth.
        Scanner probe = s_;
        probe.skip_space();
        if (!probe.consume_keyword("else")) break;
        s_ = probe;
        s_.skip_space();
        if (s_.looking_at_keyword("if")) continue;
        ConditionalBranch last;
        last.where = s_.here();
        AA_TRY(parse_branch_body(last, depth, outer, "'else'"));
        cond.branches.push_back(std::move(last));
        break;
    }
    return Node{Box<Conditional>(std::move(cond))};
}

// [not]… ${B} | [not]… defined @{V} | [not]… defined ${B}
Result<ConditionExpr> Parser::parse_condition_expr() {
    ConditionExpr expr;
    while (s_.consume_keyword("not")) {
        expr.negated = !expr.negated;
        s_.skip_space();
    }
    const bool defined = s_.consume_keyword("defined");
    if (defined) s_.skip_space();
    if (s_.peek() == '$' && s_.peek(1) == '{') {
        expr.kind = defined ? ConditionExpr::Kind::DefinedBoolean : ConditionExpr::Kind::Boolean;
        AA_ASSIGN(expr.name, read_variable_name('$'));
        return expr;
    }
    if (defined && s_.peek() == '@' && s_.peek(1) == '{') {
        expr.kind = ConditionExpr::Kind::DefinedSet;
        AA_ASSIGN(expr.name, read_variable_name('@'));
        // apparmor_parser reads `@{V}{` as one word, a path, not as a variable and a brace.
        if (!s_.at_end() && !is_space(s_.peek()) && s_.peek() != '#') {
            return s_.error(ErrorKind::Syntax,
                            "expected a space after @{" + expr.name + "}, found " + s_.describe_next());
        }
        return expr;
    }
    return s_.error(ErrorKind::Syntax,
                    std::string(defined ? "expected @{VARIABLE} or ${BOOLEAN} after 'defined'"
                                        : "expected ${BOOLEAN}, 'defined' or 'not' in the "
                                          "condition") +
                        ", found " + s_.describe_next());
}

Status Parser::parse_branch_body(ConditionalBranch& branch, std::size_t depth, const Qualifiers& outer,
                                 std::string_view after) {
    s_.skip_space();
    if (s_.peek() != '{') {
        return s_.error(ErrorKind::Syntax,
                        "expected '{' after " + std::string(after) + ", found " + s_.describe_next());
    }
    AA_TRY(check_depth(depth));
    const Location opened = s_.here();
    s_.advance();
    return parse_items(branch.items, Scope::Block, opened, depth + 1, outer);
}

}  // namespace aalayer::policy::detail
