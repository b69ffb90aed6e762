// parse_document() and the structure of a document: its items, their
// qualifiers and qualifier blocks. Profiles are parsed in parse_profile.cpp,
// the items themselves in parse_preamble.cpp, parse_rules.cpp,
// parse_mediation.cpp and parse_conditional.cpp.
#include "policy/syntax/parser.h"

#include <algorithm>

#include "policy/syntax/keywords.h"
#include "policy/syntax/parser_internal.h"

namespace aalayer::policy {

namespace detail {

Parser::Parser(std::string_view text, std::string path, const ParseLimits& limits, Dialect dialect)
    : s_(text, path, limits.max_word_bytes), limits_(limits), dialect_(dialect) {
    out_.document.path = std::move(path);
}

Result<ParseOutput> Parser::run() {
    AA_TRY(parse_items(out_.document.items, Scope::TopLevel, s_.here(), 0, Qualifiers{}));
    return std::move(out_);
}

Status Parser::parse_items(std::vector<Item>& out, Scope scope, const Location& opened, std::size_t depth,
                           const Qualifiers& outer) {
    for (;;) {
        s_.skip_space();
        if (s_.at_end()) {
            if (scope == Scope::TopLevel) return {};
            return make_error(ErrorKind::Syntax, opened,
                              "missing '}': the block opened here is not closed before the end of the file");
        }
        if (s_.peek() == '}') {
            if (scope == Scope::TopLevel) {
                return s_.error(ErrorKind::Syntax, "unbalanced '}': no profile or block is open here");
            }
            s_.advance();
            return {};
        }
        if (++items_ > limits_.max_items) {
            return s_.error(ErrorKind::Limit,
                            "more than " + std::to_string(limits_.max_items) + " rules in one file");
        }
        const Location where = s_.here();
        AA_ASSIGN(Node node, parse_item(scope, depth, outer));
        out.push_back(Item{where, std::move(node)});
    }
}

Result<Node> Parser::parse_item(Scope scope, std::size_t depth, const Qualifiers& outer) {
    if (s_.looking_at("#include") || s_.looking_at_keyword("include")) return parse_include();
    const bool top = scope == Scope::TopLevel;
    if (s_.peek() == '@' && s_.peek(1) == '{' && is_variable_definition()) {
        if (!top)
            return s_.error(ErrorKind::Syntax, "variable definitions are only allowed outside profiles");
        return parse_variable_definition();
    }
    if (s_.peek() == '$' && s_.peek(1) == '{') {
        if (!top) return s_.error(ErrorKind::Syntax, "boolean definitions are only allowed outside profiles");
        return parse_boolean_definition();
    }
    if (s_.looking_at_keyword("abi")) return parse_abi();
    if (s_.looking_at_keyword("alias")) {
        if (!top) return s_.error(ErrorKind::Syntax, "'alias' rules are only allowed outside profiles");
        return parse_alias();
    }
    if (s_.peek() == '^' || s_.looking_at_keyword("profile") || s_.looking_at_keyword("hat")) {
        return parse_profile(depth);
    }
    if (top && dialect_ == Dialect::Grant && s_.looking_at_keyword("grant")) return parse_profile(depth);
    if (dialect_ == Dialect::Grant && s_.looking_at_keyword("exclude")) {
        if (scope != Scope::Profile) {
            return s_.error(ErrorKind::Syntax,
                            "'exclude' belongs directly inside a 'grant BASE { ... }' block, not in a "
                            "qualifier block or outside one");
        }
        return parse_exclusion();
    }
    if (dialect_ == Dialect::Profile && is_exclusion_line()) {
        // apparmor_parser refuses the line too; this says where it belongs.
        return s_.error(ErrorKind::Unsupported,
                        "'exclude' belongs in the admin's grant files (grants.d); a profile or layer takes "
                        "paths away with deny rules (e.g. 'deny @{HOME}/.ssh/** rw,')");
    }
    // Allowed at the top level as rules are: a file included inside a profile is parsed on its own.
    if (s_.looking_at_keyword("if")) return parse_conditional(depth, outer);
    if (s_.looking_at_keyword("else")) return s_.error(ErrorKind::Syntax, "'else' without an 'if' before it");
    Qualifiers q;
    AA_TRY(parse_qualifiers(q));
    if (!q.empty() && s_.peek() == '{') return parse_qualifier_block(q, depth, outer);
    return parse_rule(q, top, depth, outer);
}

Status Parser::parse_qualifiers(Qualifiers& q) {
    if (s_.looking_at_keyword("priority")) AA_TRY(parse_priority(q));
    // The keyword, if it stands here, and the space after it.
    const auto qualifier = [&](std::string_view keyword) {
        if (!s_.consume_keyword(keyword)) return false;
        s_.skip_space();
        return true;
    };
    if (qualifier("audit")) q.audit = true;
    if (qualifier("allow")) {
        q.access = AccessMode::Allow;
    } else if (qualifier("deny")) {
        q.access = AccessMode::Deny;
    }
    if (qualifier("owner")) {
        q.owner = OwnerMode::Owner;
    } else if (qualifier("other")) {
        q.owner = OwnerMode::Other;
    }
    return {};
}

// priority=N, N an integer from -1000 to 1000 (AppArmor 4.1).
Status Parser::parse_priority(Qualifiers& q) {
    s_.read_identifier();
    AA_TRY(expect_equals("priority"));
    const Location at = s_.here();
    std::string number;
    if (s_.peek() == '-' || s_.peek() == '+') {
        number += s_.peek();
        s_.advance();
    }
    while (is_digit(s_.peek()) && number.size() < 8) {
        number += s_.peek();
        s_.advance();
    }
    if (number.empty() || !is_digit(number.back()) || is_digit(s_.peek())) {
        return make_error(ErrorKind::Syntax, at, "priority needs an integer between -1000 and 1000");
    }
    q.priority = std::stoll(number);
    if (*q.priority < -1000 || *q.priority > 1000) {
        return make_error(ErrorKind::Invalid, at, "priority must be between -1000 and 1000");
    }
    s_.skip_space();
    return {};
}

// `deny { … }` is AppArmor 4 syntax, accepted here as the other newer forms are.
Result<Node> Parser::parse_qualifier_block(const Qualifiers& q, std::size_t depth, const Qualifiers& outer) {
    if (q.priority)
        return s_.error(ErrorKind::Invalid, "'priority' is not allowed on a block, only on rules");
    AA_TRY(check_depth(depth));
    const Location opened = s_.here();
    s_.advance();  // '{'
    QualifierBlock block{q, {}};
    Qualifiers inner = q;
    inner.audit = inner.audit || outer.audit;
    if (inner.access == AccessMode::Implicit) inner.access = outer.access;
    AA_TRY(parse_items(block.items, Scope::Block, opened, depth + 1, inner));
    return Node{Box<QualifierBlock>(std::move(block))};
}

Status Parser::check_depth(std::size_t depth) const {
    if (depth + 1 > limits_.max_depth) {
        return s_.error(ErrorKind::Limit, "profiles and blocks are nested more than " +
                                              std::to_string(limits_.max_depth) + " deep");
    }
    return {};
}

Status Parser::expect_list_assignment(std::string_view key) {
    AA_TRY(expect_equals(key));
    if (s_.peek() != '(')
        return s_.error(ErrorKind::Syntax, "expected '(' after '" + std::string(key) + "='");
    return {};
}

Status Parser::expect_equals(std::string_view key) {
    s_.skip_blanks();
    if (!s_.consume("=")) return s_.error(ErrorKind::Syntax, "expected '=' after '" + std::string(key) + "'");
    s_.skip_blanks();
    return {};
}

Status Parser::expect_end_of_rule(std::string_view rule) {
    s_.skip_space();
    if (s_.peek() == ',') {
        s_.advance();
        return {};
    }
    return s_.error(ErrorKind::Syntax,
                    "expected ',' to end the " + std::string(rule) + " rule, found " + s_.describe_next());
}

Status Parser::expect_token(std::string_view token, std::string_view rule) {
    if (s_.consume(token)) return {};
    return s_.error(ErrorKind::Syntax, "expected '" + std::string(token) + "' in " + std::string(rule) +
                                           " rule, found " + s_.describe_next());
}

}  // namespace detail

namespace {

// Finds the first line over the limit, so a 10 MB line is refused with its
// position before any scanning work is spent on it.
std::optional<Error> check_line_lengths(std::string_view text, const std::string& path, std::size_t max) {
    std::uint32_t line = 1;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        if (end - start > max) {
            return make_error(ErrorKind::Limit, Location{path, line, static_cast<std::uint32_t>(max + 1)},
                              "line is longer than " + std::to_string(max) + " bytes");
        }
        start = end + 1;
        ++line;
    }
    return std::nullopt;
}

}  // namespace

Result<ParseOutput> parse_document(std::string_view text, std::string path, const ParseLimits& limits,
                                   Dialect dialect) {
    if (text.size() > limits.max_bytes) {
        return make_error(ErrorKind::Limit, Location{path, 1, 1},
                          "file is larger than " + std::to_string(limits.max_bytes) + " bytes");
    }
    if (text.find('\0') != std::string_view::npos) {
        // Locate the NUL byte for the message.
        const auto nul = text.find('\0');
        const auto line = static_cast<std::uint32_t>(
            std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n') + 1);
        const auto line_start = text.rfind('\n', nul);
        const auto column =
            static_cast<std::uint32_t>(nul - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1);
        return make_error(ErrorKind::Syntax, Location{path, line, column}, "NUL byte in policy text");
    }
    if (auto err = check_line_lengths(text, path, limits.max_line_bytes)) return std::move(*err);
    detail::Parser parser(text, std::move(path), limits, dialect);
    return parser.run();
}

}  // namespace aalayer::policy
