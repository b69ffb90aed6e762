// The parser's rules of the classes with a grammar of their own: file, link,
// capability, all, rlimit, change_profile, and rules of unknown classes,
// kept verbatim. Mediation rules are in parse_mediation.cpp.
#include <algorithm>

#include "policy/syntax/keywords.h"
#include "policy/syntax/parser_internal.h"
#include "policy/syntax/permissions.h"

namespace aalayer::policy::detail {

Result<Node> Parser::parse_rule(const Qualifiers& q, bool top, std::size_t depth, const Qualifiers& outer) {
    if (s_.consume_keyword("file")) {
        s_.skip_space();
        if (s_.peek() == ',') {
            // `file,` allows 'ix', which apparmor_parser refuses to deny.
            if (q.is_deny() || outer.is_deny()) {
                return s_.error(ErrorKind::Invalid,
                                "'file,' cannot be denied: it includes the exec transition 'ix'; deny a "
                                "path such as '/** rwlkmx' instead");
            }
            s_.advance();
            FileRule bare;
            bare.qualifiers = q;
            bare.file_keyword = true;
            return Node{std::move(bare)};
        }
        return parse_file_rule(q, true, outer);
    }
    if (s_.looking_at_keyword("link")) return parse_link_rule(q);
    if (s_.looking_at_keyword("capability")) return parse_capability_rule(q);
    if (auto cls = rule_class_from_keyword(s_.peek_identifier())) return parse_mediation_rule(q, *cls);
    if (s_.looking_at_keyword("set")) return parse_rlimit_rule(q);
    if (s_.looking_at_keyword("change_profile")) return parse_change_profile_rule(q);
    if (s_.looking_at_keyword("all")) {
        s_.read_identifier();
        AA_TRY(expect_end_of_rule("all"));
        return Node{AllRule{q}};
    }
    if (s_.at_label_start()) {
        if (top && q.empty() && is_profile_head()) return parse_profile(depth);
        return parse_file_rule(q, false, outer);
    }
    const std::string_view id = s_.peek_identifier();
    if (looks_like_file_perms(id) && perms_then_path()) return parse_file_rule(q, false, outer);
    if (!id.empty() && !is_reserved_word(id)) return parse_unknown_rule(q);
    return s_.error(ErrorKind::Syntax, "expected a rule, found " + s_.describe_next());
}

// A label at the top level starts a profile when a block or flags follow,
// after an attachment or not.
bool Parser::is_profile_head() {
    Scanner probe = s_;
    if (!probe.read_word(WordStyle::Id, "name")) return false;
    probe.skip_space();
    if (probe.at_label_start()) {
        if (!probe.read_word(WordStyle::Id, "attachment")) return false;
        probe.skip_space();
    }
    return probe.peek() == '{' || probe.peek() == '(' || probe.looking_at_keyword("flags") ||
           probe.looking_at_keyword("xattrs");
}

// `exclude PATH,`: the grant files' word, written where it has no meaning.
bool Parser::is_exclusion_line() {
    Scanner probe = s_;
    if (!probe.consume_keyword("exclude")) return false;
    probe.skip_space();
    if (!probe.at_label_start() || !probe.read_word(WordStyle::Id, "path")) return false;
    probe.skip_space();
    return probe.peek() == ',';
}

bool Parser::perms_then_path() {
    Scanner probe = s_;
    probe.read_identifier();
    if (!is_blank(probe.peek()) && probe.peek() != '\n') return false;
    probe.skip_space();
    return probe.at_label_start();
}

// A rule in a `deny { … }` block must be valid on its own and as a deny rule,
// as apparmor_parser 4.1 checks it: no exec permission there but a denied 'x'.
Result<FilePerms> Parser::read_file_perms(const Qualifiers& q, const Qualifiers& outer) {
    const Location at = s_.here();
    const std::string_view word = s_.read_identifier();
    if (word.empty()) return s_.error(ErrorKind::Syntax, "expected permissions, found " + s_.describe_next());
    if (!s_.at_end() && !is_space(s_.peek()) && s_.peek() != ',') {
        return s_.error(ErrorKind::Syntax, "unexpected " + s_.describe_next() + " after permissions '" +
                                               std::string(word) + "'");
    }
    AA_ASSIGN(FilePerms perms, parse_file_perms(word, q.is_deny(), at));
    if (outer.is_deny() && !q.is_deny()) AA_TRY(parse_file_perms(word, true, at));
    return perms;
}

Result<Node> Parser::parse_file_rule(const Qualifiers& q, bool file_keyword, const Qualifiers& outer) {
    FileRule rule;
    rule.qualifiers = q;
    rule.file_keyword = file_keyword;
    if (s_.at_label_start()) {
        AA_ASSIGN(rule.path, s_.read_word(WordStyle::Id, "path"));
        s_.skip_space();
        AA_ASSIGN(rule.perms, read_file_perms(q, outer));
    } else if (looks_like_file_perms(s_.peek_identifier())) {
        rule.perms_first = true;
        AA_ASSIGN(rule.perms, read_file_perms(q, outer));
        s_.skip_space();
        if (!s_.at_label_start()) {
            return s_.error(ErrorKind::Syntax, "expected an absolute path, found " + s_.describe_next());
        }
        AA_ASSIGN(rule.path, s_.read_word(WordStyle::Id, "path"));
    } else {
        return s_.error(ErrorKind::Syntax, "expected a path or permissions, found " + s_.describe_next());
    }
    s_.skip_space();
    if (s_.looking_at("->")) {
        s_.advance(2);
        s_.skip_space();
        AA_ASSIGN(rule.target, s_.read_word(WordStyle::Id, "target"));
    }
    AA_TRY(expect_end_of_rule("file"));
    return Node{std::move(rule)};
}

// `exclude PATH,` (grant files): a path and nothing else; no qualifiers or
// permissions, because an excluded path is outside the grant as a whole.
Result<Node> Parser::parse_exclusion() {
    s_.read_identifier();
    s_.skip_space();
    if (!s_.at_label_start()) {
        return s_.error(
            ErrorKind::Syntax,
            "expected the path to exclude (e.g. 'exclude @{HOME}/.config/autostart/**,'), found " +
                s_.describe_next());
    }
    GrantExclusion exclusion;
    AA_ASSIGN(exclusion.path, s_.read_word(WordStyle::Id, "path"));
    AA_TRY(expect_end_of_rule("exclude"));
    return Node{std::move(exclusion)};
}

Result<Node> Parser::parse_link_rule(const Qualifiers& q) {
    s_.read_identifier();
    s_.skip_space();
    LinkRule rule;
    rule.qualifiers = q;
    if (s_.consume_keyword("subset")) {
        rule.subset = true;
        s_.skip_space();
    }
    AA_TRY(parse_arrow_pair("link", rule.link, rule.target));
    return Node{std::move(rule)};
}

Result<Node> Parser::parse_capability_rule(const Qualifiers& q) {
    s_.read_identifier();
    CapabilityRule rule;
    rule.qualifiers = q;
    for (;;) {
        s_.skip_space();
        if (s_.peek() == ',') break;
        const Location at = s_.here();
        const std::string_view name = s_.read_identifier();
        if (name.empty()) {
            return s_.error(ErrorKind::Syntax,
                            "expected a capability name or ',', found " + s_.describe_next());
        }
        if (!is_capability(name)) {
            return make_error(ErrorKind::Invalid, at, "unknown capability '" + std::string(name) + "'");
        }
        rule.capabilities.emplace_back(name);
        if (s_.peek() == ',' && is_ident_char(s_.peek(1))) {
            return s_.error(ErrorKind::Syntax, "capability names are separated by spaces, not commas");
        }
    }
    s_.advance();
    return Node{std::move(rule)};
}

Result<Node> Parser::parse_rlimit_rule(const Qualifiers& q) {
    s_.read_identifier();  // set
    s_.skip_space();
    if (!s_.consume_keyword("rlimit")) {
        return s_.error(ErrorKind::Syntax, "expected 'rlimit' after 'set', found " + s_.describe_next());
    }
    s_.skip_space();
    RlimitRule rule;
    rule.qualifiers = q;
    const Location at = s_.here();
    rule.resource = std::string(s_.read_identifier());
    if (!is_rlimit(rule.resource)) {
        return make_error(ErrorKind::Invalid, at, "unknown rlimit '" + rule.resource + "'");
    }
    s_.skip_space();
    AA_TRY(expect_token("<=", "rlimit"));
    s_.skip_space();
    AA_ASSIGN(Word value, s_.read_word(WordStyle::NoEquals, "rlimit value"));
    if (value.quoted) return make_error(ErrorKind::Syntax, at, "rlimit values are not quoted");
    rule.value = std::move(value.text);
    AA_TRY(expect_end_of_rule("rlimit"));
    return Node{std::move(rule)};
}

Result<Node> Parser::parse_change_profile_rule(const Qualifiers& q) {
    s_.read_identifier();
    s_.skip_space();
    ChangeProfileRule rule;
    rule.qualifiers = q;
    if (s_.consume_keyword("safe"))
        rule.exec_mode = "safe";
    else if (s_.consume_keyword("unsafe"))
        rule.exec_mode = "unsafe";
    s_.skip_space();
    if (s_.peek() != ',' && !s_.looking_at("->")) {
        AA_ASSIGN(rule.exec, s_.read_word(WordStyle::Id, "exec path"));
        s_.skip_space();
    } else if (!rule.exec_mode.empty()) {
        return s_.error(ErrorKind::Syntax, "'" + rule.exec_mode + "' needs an exec path after it");
    }
    if (s_.consume("->")) {
        s_.skip_space();
        AA_ASSIGN(rule.target, s_.read_word(WordStyle::Id, "profile name"));
    }
    AA_TRY(expect_end_of_rule("change_profile"));
    return Node{std::move(rule)};
}

Result<Node> Parser::parse_unknown_rule(const Qualifiers& q) {
    const Location at = s_.here();
    const std::size_t from = s_.offset();
    UnknownRule rule;
    rule.qualifiers = q;
    rule.keyword = std::string(s_.read_identifier());
    int depth = 0;
    for (;;) {
        if (s_.at_end()) {
            return make_error(ErrorKind::Syntax, at,
                              "missing ',' at the end of the '" + rule.keyword + "' rule");
        }
        const char c = s_.peek();
        if (c == '"') {
            AA_TRY(s_.read_word(WordStyle::Id, "string"));
            continue;
        }
        if (c == '#' && !s_.looking_at("#include")) {
            // Its text is written back as it stands: a comment inside would swallow
            // what follows it once the rule is emitted (found by fuzz-profile).
            return s_.error(ErrorKind::Unsupported, "a comment inside a '" + rule.keyword +
                                                        "' rule, which is kept verbatim, is not supported; "
                                                        "put the comment on its own line");
        }
        if (c == '(') ++depth;
        if (c == ')') depth = std::max(0, depth - 1);
        if ((c == '{' || c == '}') && depth == 0) {
            return s_.error(ErrorKind::Syntax, "expected ',' to end the '" + rule.keyword +
                                                   "' rule, found '" + std::string(1, c) + "'");
        }
        // A comma ends the rule unless a word goes on (`{a,b}`); a comment does not.
        if (c == ',' && depth == 0 && (!s_.is_word_char(WordStyle::Id) || s_.peek(1) == '#')) break;
        s_.advance();
    }
    std::string_view text = s_.slice(from, s_.offset());
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    rule.text = std::string(text);
    s_.advance();  // ','
    out_.notes.push_back(Note{at, "rule class '" + rule.keyword + "' is not understood; kept verbatim"});
    return Node{std::move(rule)};
}
}  // namespace aalayer::policy::detail
