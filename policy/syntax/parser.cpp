#include "policy/syntax/parser.h"

#include <algorithm>

#include "policy/syntax/keywords.h"
#include "policy/syntax/permissions.h"
#include "policy/syntax/scanner.h"

namespace aalayer::policy {

namespace {

enum class Scope : std::uint8_t { TopLevel, Profile, Block };

std::string join(std::span<const std::string_view> words) {
    std::string out;
    for (const auto w : words) {
        if (!out.empty()) out += ' ';
        out += w;
    }
    return out;
}

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

class Parser {
public:
    Parser(std::string_view text, std::string path, const ParseLimits& limits, Dialect dialect)
        : s_(text, path, limits.max_word_bytes), limits_(limits), dialect_(dialect) {
        out_.document.path = std::move(path);
    }

    Result<ParseOutput> run() {
        AA_TRY(parse_items(out_.document.items, Scope::TopLevel, s_.here(), 0));
        return std::move(out_);
    }

private:
    Status parse_items(std::vector<Item>& out, Scope scope, const Location& opened, std::size_t depth) {
        for (;;) {
            s_.skip_space();
            if (s_.at_end()) {
                if (scope == Scope::TopLevel) return {};
                return make_error(
                    ErrorKind::Syntax, opened,
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
            AA_ASSIGN(Node node, parse_item(scope, depth));
            out.push_back(Item{where, std::move(node)});
        }
    }

    Result<Node> parse_item(Scope scope, std::size_t depth) {
        if (s_.looking_at("#include") || s_.looking_at_keyword("include")) return parse_include();
        const bool top = scope == Scope::TopLevel;
        if (s_.peek() == '@' && s_.peek(1) == '{' && is_variable_definition()) {
            if (!top)
                return s_.error(ErrorKind::Syntax, "variable definitions are only allowed outside profiles");
            return parse_variable_definition();
        }
        if (s_.peek() == '$' && s_.peek(1) == '{') {
            if (!top)
                return s_.error(ErrorKind::Syntax, "boolean definitions are only allowed outside profiles");
            return parse_boolean_definition();
        }
        if (s_.looking_at_keyword("abi")) {
            if (!top) return s_.error(ErrorKind::Syntax, "'abi' is only allowed outside profiles");
            return parse_abi();
        }
        if (s_.looking_at_keyword("alias")) {
            if (!top) return s_.error(ErrorKind::Syntax, "'alias' rules are only allowed outside profiles");
            return parse_alias();
        }
        if (s_.peek() == '^' || s_.looking_at_keyword("profile") || s_.looking_at_keyword("hat")) {
            return parse_profile(depth);
        }
        if (top && dialect_ == Dialect::Grant && s_.looking_at_keyword("grant")) return parse_profile(depth);
        if (s_.looking_at_keyword("if")) {
            return s_.error(ErrorKind::Unsupported, "conditional 'if' blocks are not supported");
        }
        Qualifiers q;
        AA_TRY(parse_qualifiers(q));
        if (!q.empty() && s_.peek() == '{') return parse_qualifier_block(q, depth);
        return parse_rule(q, top, depth);
    }

    Status parse_qualifiers(Qualifiers& q) {
        if (s_.looking_at_keyword("priority")) {
            s_.read_identifier();
            s_.skip_blanks();
            if (!s_.consume("=")) return s_.error(ErrorKind::Syntax, "expected '=' after 'priority'");
            s_.skip_blanks();
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
        }
        if (s_.consume_keyword("audit")) {
            q.audit = true;
            s_.skip_space();
        }
        if (s_.consume_keyword("allow")) {
            q.access = AccessMode::Allow;
            s_.skip_space();
        } else if (s_.consume_keyword("deny")) {
            q.access = AccessMode::Deny;
            s_.skip_space();
        }
        if (s_.consume_keyword("owner")) {
            q.owner = OwnerMode::Owner;
            s_.skip_space();
        } else if (s_.consume_keyword("other")) {
            q.owner = OwnerMode::Other;
            s_.skip_space();
        }
        return {};
    }

    Result<Node> parse_qualifier_block(const Qualifiers& q, std::size_t depth) {
        if (q.is_deny()) {
            return s_.error(ErrorKind::Invalid,
                            "'deny' cannot qualify a block; write 'deny' on each rule inside it");
        }
        AA_TRY(check_depth(depth));
        const Location opened = s_.here();
        s_.advance();  // '{'
        QualifierBlock block{q, {}};
        AA_TRY(parse_items(block.items, Scope::Block, opened, depth + 1));
        return Node{Box<QualifierBlock>(std::move(block))};
    }

    Status check_depth(std::size_t depth) const {
        if (depth + 1 > limits_.max_depth) {
            return s_.error(ErrorKind::Limit, "profiles and blocks are nested more than " +
                                                  std::to_string(limits_.max_depth) + " deep");
        }
        return {};
    }

    Result<Node> parse_rule(const Qualifiers& q, bool top, std::size_t depth) {
        if (s_.consume_keyword("file")) {
            s_.skip_space();
            if (s_.peek() == ',') {
                s_.advance();
                FileRule bare;
                bare.qualifiers = q;
                bare.file_keyword = true;
                return Node{std::move(bare)};
            }
            return parse_file_rule(q, true);
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
            return parse_file_rule(q, false);
        }
        const std::string_view id = s_.peek_identifier();
        if (looks_like_file_perms(id) && perms_then_path()) return parse_file_rule(q, false);
        if (!id.empty() && !is_reserved_word(id)) return parse_unknown_rule(q);
        return s_.error(ErrorKind::Syntax, "expected a rule, found " + s_.describe_next());
    }

    // A label at the top level starts a profile when a block or flags follow.
    bool is_profile_head() {
        Scanner probe = s_;
        if (!probe.read_word(WordStyle::Id, "name")) return false;
        probe.skip_space();
        return probe.peek() == '{' || probe.peek() == '(' || probe.looking_at_keyword("flags") ||
               probe.looking_at_keyword("xattrs");
    }

    bool perms_then_path() {
        Scanner probe = s_;
        probe.read_identifier();
        if (!is_blank(probe.peek()) && probe.peek() != '\n') return false;
        probe.skip_space();
        return probe.at_label_start();
    }

    bool is_variable_definition() {
        Scanner probe = s_;
        probe.advance(2);
        while (!probe.at_end() && probe.peek() != '}' && probe.peek() != '\n')
            probe.advance();
        if (!probe.consume("}")) return false;
        probe.skip_blanks();
        return (probe.peek() == '=' && probe.peek(1) != '=') || probe.looking_at("+=") ||
               probe.looking_at("?=") || probe.looking_at(":=");
    }

    Status expect_end_of_rule(std::string_view rule) {
        s_.skip_space();
        if (s_.peek() == ',') {
            s_.advance();
            return {};
        }
        return s_.error(ErrorKind::Syntax, "expected ',' to end the " + std::string(rule) + " rule, found " +
                                               s_.describe_next());
    }

    Result<FilePerms> read_file_perms(const Qualifiers& q) {
        const Location at = s_.here();
        const std::string_view word = s_.read_identifier();
        if (word.empty())
            return s_.error(ErrorKind::Syntax, "expected permissions, found " + s_.describe_next());
        if (!s_.at_end() && !is_space(s_.peek()) && s_.peek() != ',') {
            return s_.error(ErrorKind::Syntax, "unexpected " + s_.describe_next() + " after permissions '" +
                                                   std::string(word) + "'");
        }
        return parse_file_perms(word, q.is_deny(), at);
    }

    Result<Node> parse_file_rule(const Qualifiers& q, bool file_keyword) {
        FileRule rule;
        rule.qualifiers = q;
        rule.file_keyword = file_keyword;
        if (s_.at_label_start()) {
            AA_ASSIGN(rule.path, s_.read_word(WordStyle::Id, "path"));
            s_.skip_space();
            AA_ASSIGN(rule.perms, read_file_perms(q));
        } else if (looks_like_file_perms(s_.peek_identifier())) {
            rule.perms_first = true;
            AA_ASSIGN(rule.perms, read_file_perms(q));
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

    Result<Node> parse_link_rule(const Qualifiers& q) {
        s_.read_identifier();
        s_.skip_space();
        LinkRule rule;
        rule.qualifiers = q;
        if (s_.consume_keyword("subset")) {
            rule.subset = true;
            s_.skip_space();
        }
        AA_ASSIGN(rule.link, s_.read_word(WordStyle::Id, "link path"));
        s_.skip_space();
        if (!s_.consume("->"))
            return s_.error(ErrorKind::Syntax, "expected '->' in link rule, found " + s_.describe_next());
        s_.skip_space();
        AA_ASSIGN(rule.target, s_.read_word(WordStyle::Id, "link target"));
        AA_TRY(expect_end_of_rule("link"));
        return Node{std::move(rule)};
    }

    Result<Node> parse_capability_rule(const Qualifiers& q) {
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

    Result<std::vector<Word>> parse_value_list() {
        s_.advance();  // '('
        std::vector<Word> values;
        for (;;) {
            s_.skip_space();
            if (s_.at_end()) return s_.error(ErrorKind::Syntax, "missing ')' before the end of the file");
            if (s_.peek() == ')') break;
            if (s_.peek() == ',') {
                s_.advance();
                continue;
            }
            AA_ASSIGN(Word w, s_.read_word(WordStyle::ListValue, "value"));
            values.push_back(std::move(w));
        }
        s_.advance();
        return values;
    }

    // Inside peer=( … ) and xattrs=( … ): key=value pairs.
    Result<std::vector<Condition>> parse_condition_list() {
        s_.advance();  // '('
        std::vector<Condition> out;
        for (;;) {
            s_.skip_space();
            if (s_.at_end()) return s_.error(ErrorKind::Syntax, "missing ')' before the end of the file");
            if (s_.peek() == ')') break;
            if (s_.peek() == ',') {
                s_.advance();
                continue;
            }
            const std::size_t from = s_.offset();
            while (!s_.at_end() && s_.is_word_char(WordStyle::NoEquals) && s_.peek() != ',')
                s_.advance();
            Condition c;
            c.key = std::string(s_.slice(from, s_.offset()));
            if (c.key.empty() || !s_.consume("=")) {
                return s_.error(ErrorKind::Syntax, "expected key=value, found " + s_.describe_next());
            }
            s_.skip_blanks();
            if (s_.peek() == '(') {
                c.parenthesised = true;
                AA_ASSIGN(c.values, parse_value_list());
            } else {
                AA_ASSIGN(Word w, s_.read_word(WordStyle::ListValue, "value"));
                c.values.push_back(std::move(w));
            }
            out.push_back(std::move(c));
        }
        s_.advance();
        return out;
    }

    // key=value, key=(v …), key in (v …), peer=(k=v …). The scanner is at key.
    Result<Condition> parse_condition() {
        Condition c;
        c.key = std::string(s_.read_identifier());
        s_.skip_blanks();
        if (s_.consume_keyword("in")) {
            c.in_operator = true;
        } else {
            s_.advance();  // '='
        }
        s_.skip_blanks();
        if (s_.peek() == '(') {
            c.parenthesised = true;
            if (c.key == "peer" || c.key == "xattrs") {
                AA_ASSIGN(c.nested, parse_condition_list());
            } else {
                AA_ASSIGN(c.values, parse_value_list());
            }
        } else if (c.in_operator) {
            return s_.error(ErrorKind::Syntax, "expected '(' after 'in'");
        } else {
            AA_ASSIGN(Word w, s_.read_word(WordStyle::Id, "value for '" + c.key + "'"));
            c.values.push_back(std::move(w));
        }
        return c;
    }

    bool at_condition() {
        Scanner probe = s_;
        if (probe.read_identifier().empty()) return false;
        probe.skip_blanks();
        if (probe.peek() == '=' && probe.peek(1) != '=') return true;
        if (!probe.consume_keyword("in")) return false;
        probe.skip_blanks();
        return probe.peek() == '(';
    }

    Result<Node> parse_mediation_rule(const Qualifiers& q, RuleClass cls) {
        const RuleGrammar& g = grammar(cls);
        s_.read_identifier();
        MediationRule rule;
        rule.qualifiers = q;
        rule.cls = cls;
        const std::string what = std::string(g.keyword) + " rule";
        for (;;) {
            s_.skip_space();
            if (s_.at_end())
                return s_.error(ErrorKind::Syntax, "expected ',' to end the " + what + ", found end of file");
            if (s_.peek() == ',') {
                s_.advance();
                break;
            }
            if (s_.peek() == '{' || s_.peek() == '}') {
                return s_.error(ErrorKind::Syntax,
                                "expected ',' to end the " + what + ", found " + s_.describe_next());
            }
            const Location at = s_.here();
            Term term;
            if (s_.peek() == '(') {
                term.kind = Term::Kind::List;
                AA_ASSIGN(term.list, parse_value_list());
                for (const auto& w : term.list) {
                    if (std::find(g.access.begin(), g.access.end(), w.text) == g.access.end()) {
                        return make_error(
                            ErrorKind::Invalid, at,
                            "'" + w.text + "' is not an access of " + what +
                                (g.access.empty() ? "" : "s; expected one of: " + join(g.access)));
                    }
                }
            } else if (s_.looking_at("->")) {
                if (!g.arrow) return make_error(ErrorKind::Syntax, at, "'->' is not allowed in a " + what);
                s_.advance(2);
                s_.skip_space();
                term.kind = Term::Kind::Arrow;
                if (s_.peek() != ',') {
                    AA_ASSIGN(term.word, s_.read_word(WordStyle::Id, "target"));
                }
            } else if (at_condition()) {
                term.kind = Term::Kind::Condition;
                AA_ASSIGN(Condition c, parse_condition());
                if (std::find(g.conditions.begin(), g.conditions.end(), c.key) == g.conditions.end()) {
                    return make_error(
                        ErrorKind::Invalid, at,
                        "unknown condition '" + c.key + "' in " + what +
                            (g.conditions.empty() ? "" : "; expected one of: " + join(g.conditions)));
                }
                term.conditions.push_back(std::move(c));
            } else {
                term.kind = Term::Kind::Word;
                AA_ASSIGN(term.word, s_.read_word(WordStyle::NoEquals, "operand"));
                const auto& t = term.word.text;
                const bool known = std::find(g.access.begin(), g.access.end(), t) != g.access.end() ||
                                   std::find(g.words.begin(), g.words.end(), t) != g.words.end();
                if (!known && !g.any_word) {
                    return make_error(ErrorKind::Invalid, at, "unexpected '" + t + "' in " + what);
                }
            }
            rule.terms.push_back(std::move(term));
        }
        return Node{std::move(rule)};
    }

    Result<Node> parse_rlimit_rule(const Qualifiers& q) {
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
        if (!s_.consume("<="))
            return s_.error(ErrorKind::Syntax, "expected '<=' in rlimit rule, found " + s_.describe_next());
        s_.skip_space();
        AA_ASSIGN(Word value, s_.read_word(WordStyle::NoEquals, "rlimit value"));
        if (value.quoted) return make_error(ErrorKind::Syntax, at, "rlimit values are not quoted");
        rule.value = std::move(value.text);
        AA_TRY(expect_end_of_rule("rlimit"));
        return Node{std::move(rule)};
    }

    Result<Node> parse_change_profile_rule(const Qualifiers& q) {
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

    Result<Node> parse_unknown_rule(const Qualifiers& q) {
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
                return s_.error(ErrorKind::Unsupported,
                                "a comment inside a '" + rule.keyword +
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

    Result<Node> parse_include() {
        Include inc;
        if (s_.consume("#include")) {
            inc.hash_form = true;
        } else {
            s_.read_identifier();
            if (!is_blank(s_.peek())) {
                return s_.error(ErrorKind::Syntax,
                                "expected a file name after 'include', found " + s_.describe_next());
            }
        }
        s_.skip_blanks();
        if (s_.looking_at_keyword("if")) {
            Scanner probe = s_;
            probe.read_identifier();
            probe.skip_blanks();
            if (probe.consume_keyword("exists")) {
                s_ = probe;
                inc.if_exists = true;
                s_.skip_blanks();
            }
        }
        const Location at = s_.here();
        if (s_.peek() == '<') {
            s_.advance();
            inc.magic = true;
            const std::size_t from = s_.offset();
            while (!s_.at_end() && s_.peek() != '>' && s_.peek() != '\n')
                s_.advance();
            if (!s_.consume(">"))
                return make_error(ErrorKind::Syntax, at, "missing '>' after the include file name");
            std::string_view name = s_.slice(from, s_.offset() - 1);
            if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
                name = name.substr(1, name.size() - 2);
                inc.path.quoted = true;
            }
            inc.path.text = std::string(name);
        } else if (s_.peek() == '"') {
            AA_ASSIGN(inc.path, s_.read_word(WordStyle::Id, "include file name"));
        } else {
            const std::size_t from = s_.offset();
            while (!s_.at_end() && !is_space(s_.peek()) &&
                   std::string_view("\"!,<>").find(s_.peek()) == std::string_view::npos) {
                s_.advance();
            }
            inc.path.text = std::string(s_.slice(from, s_.offset()));
        }
        // Blanks around the name inside <…> are not part of it, as in apparmor_parser.
        auto& name = inc.path.text;
        while (!name.empty() && is_blank(name.back()))
            name.pop_back();
        name.erase(0, std::min(name.find_first_not_of(" \t"), name.size()));
        if (name.empty()) return make_error(ErrorKind::Syntax, at, "include needs a file name");
        return Node{std::move(inc)};
    }

    Result<Node> parse_abi() {
        s_.read_identifier();
        s_.skip_space();
        Abi abi;
        const Location at = s_.here();
        if (s_.peek() == '<') {
            s_.advance();
            abi.magic = true;
            const std::size_t from = s_.offset();
            while (!s_.at_end() && s_.peek() != '>' && s_.peek() != '\n')
                s_.advance();
            if (!s_.consume(">")) return make_error(ErrorKind::Syntax, at, "missing '>' after the abi name");
            abi.path.text = std::string(s_.slice(from, s_.offset() - 1));
        } else {
            AA_ASSIGN(abi.path, s_.read_word(WordStyle::Id, "abi name"));
        }
        if (abi.path.text.empty()) return make_error(ErrorKind::Syntax, at, "abi needs a file name");
        AA_TRY(expect_end_of_rule("abi"));
        return Node{std::move(abi)};
    }

    Result<std::string> read_variable_name(char sigil) {
        const Location at = s_.here();
        s_.advance(2);  // @{ or ${
        const std::string_view name = s_.read_identifier();
        if (name.empty() || !is_alpha(name.front()) || !s_.consume("}")) {
            return make_error(ErrorKind::Syntax, at,
                              std::string("invalid variable name; expected ") + sigil +
                                  "{NAME} with NAME made of letters, digits and '_'");
        }
        return std::string(name);
    }

    Result<Node> parse_variable_definition() {
        VariableDefinition def;
        AA_ASSIGN(def.name, read_variable_name('@'));
        s_.skip_blanks();
        if (s_.consume("+=")) {
            def.append = true;
        } else if (!s_.consume("=")) {
            return s_.error(ErrorKind::Unsupported,
                            "only '=' and '+=' are supported in variable definitions");
        }
        for (;;) {
            s_.skip_blanks();
            if (s_.at_end() || s_.peek() == '\n') break;
            if (s_.peek() == '\\' && (s_.peek(1) == '\n' || (s_.peek(1) == '\r' && s_.peek(2) == '\n'))) {
                s_.advance(s_.peek(1) == '\n' ? 2 : 3);
                continue;
            }
            if (s_.peek() == '#') {
                while (!s_.at_end() && s_.peek() != '\n')
                    s_.advance();
                break;
            }
            if (s_.peek() == ',' && !s_.is_word_char(WordStyle::Id)) {
                return s_.error(ErrorKind::Syntax, "variable definitions do not take a trailing ','");
            }
            AA_ASSIGN(Word value, s_.read_word(WordStyle::Id, "value"));
            def.values.push_back(std::move(value));
        }
        if (def.values.empty()) {
            return s_.error(ErrorKind::Syntax, "variable @{" + def.name + "} needs at least one value");
        }
        return Node{std::move(def)};
    }

    Result<Node> parse_boolean_definition() {
        BooleanDefinition def;
        AA_ASSIGN(def.name, read_variable_name('$'));
        s_.skip_blanks();
        if (!s_.consume("=")) return s_.error(ErrorKind::Syntax, "expected '=' after ${" + def.name + "}");
        s_.skip_blanks();
        const Location at = s_.here();
        const std::string_view value = s_.read_identifier();
        if (value != "true" && value != "false") {
            return make_error(ErrorKind::Syntax, at, "boolean variables take 'true' or 'false'");
        }
        def.value = value == "true";
        return Node{std::move(def)};
    }

    Result<Node> parse_alias() {
        s_.read_identifier();
        s_.skip_space();
        Alias alias;
        AA_ASSIGN(alias.from, s_.read_word(WordStyle::Id, "alias path"));
        s_.skip_space();
        if (!s_.consume("->"))
            return s_.error(ErrorKind::Syntax, "expected '->' in alias rule, found " + s_.describe_next());
        s_.skip_space();
        AA_ASSIGN(alias.to, s_.read_word(WordStyle::Id, "alias target"));
        AA_TRY(expect_end_of_rule("alias"));
        return Node{std::move(alias)};
    }

    Result<Node> parse_profile(std::size_t depth) {
        Profile p;
        if (s_.consume("^")) {
            p.hat = true;
            AA_ASSIGN(p.name, s_.read_word(WordStyle::Id, "hat name"));
        } else if (s_.consume_keyword("hat")) {
            p.hat = true;
            p.keyword = true;
            s_.skip_space();
            AA_ASSIGN(p.name, s_.read_word(WordStyle::Id, "hat name"));
        } else if (dialect_ == Dialect::Grant && s_.consume_keyword("grant")) {
            p.grant = true;
            p.keyword = true;
            s_.skip_space();
            AA_ASSIGN(p.name, s_.read_word(WordStyle::Id, "base profile name"));
        } else if (s_.consume_keyword("profile")) {
            p.keyword = true;
            s_.skip_space();
            AA_ASSIGN(p.name, s_.read_word(WordStyle::Id, "profile name"));
            s_.skip_space();
            if (s_.at_label_start()) {
                AA_ASSIGN(p.attachment, s_.read_word(WordStyle::Id, "attachment"));
            }
        } else {
            AA_ASSIGN(p.name, s_.read_word(WordStyle::Id, "profile name"));
        }
        for (;;) {
            s_.skip_space();
            if (s_.looking_at_keyword("xattrs")) {
                s_.read_identifier();
                s_.skip_blanks();
                if (!s_.consume("=")) return s_.error(ErrorKind::Syntax, "expected '=' after 'xattrs'");
                s_.skip_blanks();
                if (s_.peek() != '(') return s_.error(ErrorKind::Syntax, "expected '(' after 'xattrs='");
                AA_ASSIGN(p.xattrs, parse_condition_list());
            } else if (s_.looking_at_keyword("flags") || s_.peek() == '(') {
                if (s_.consume_keyword("flags")) {
                    s_.skip_blanks();
                    if (!s_.consume("=")) return s_.error(ErrorKind::Syntax, "expected '=' after 'flags'");
                    s_.skip_blanks();
                    if (s_.peek() != '(') return s_.error(ErrorKind::Syntax, "expected '(' after 'flags='");
                }
                const Location at = s_.here();
                AA_ASSIGN(std::vector<Word> flags, parse_value_list());
                for (auto& f : flags) {
                    if (!is_profile_flag(f.text)) {
                        return make_error(ErrorKind::Invalid, at, "unknown profile flag '" + f.text + "'");
                    }
                    p.flags.push_back(std::move(f.text));
                }
            } else {
                break;
            }
        }
        if (s_.peek() != '{') {
            return s_.error(ErrorKind::Syntax, "expected '{' to open the profile '" + p.name.text +
                                                   "', found " + s_.describe_next());
        }
        AA_TRY(check_depth(depth));
        const Location opened = s_.here();
        s_.advance();
        AA_TRY(parse_items(p.items, Scope::Profile, opened, depth + 1));
        return Node{Box<Profile>(std::move(p))};
    }

    Scanner s_;
    const ParseLimits& limits_;
    Dialect dialect_;
    ParseOutput out_;
    std::size_t items_ = 0;
};

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
    Parser parser(text, std::move(path), limits, dialect);
    return parser.run();
}

}  // namespace aalayer::policy
