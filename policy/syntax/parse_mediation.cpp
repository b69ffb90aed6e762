// The parser's mediation rules (network, signal, ptrace, unix, dbus, mount,
// …): a list of terms checked against the class's grammar (keywords.cpp),
// and the ( … ) lists and key=value conditions they and profiles share.
#include <algorithm>
#include <span>

#include "policy/syntax/keywords.h"
#include "policy/syntax/parser_internal.h"

namespace aalayer::policy::detail {

namespace {

std::string join(std::span<const std::string_view> words) {
    std::string out;
    for (const auto w : words) {
        if (!out.empty()) out += ' ';
        out += w;
    }
    return out;
}

bool contains(std::span<const std::string_view> words, std::string_view word) {
    return std::find(words.begin(), words.end(), word) != words.end();
}

}  // namespace

Result<Node> Parser::parse_mediation_rule(const Qualifiers& q, RuleClass cls) {
    const RuleGrammar& g = grammar(cls);
    const Location at = s_.here();
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
        AA_ASSIGN(Term term, parse_term(g, what));
        rule.terms.push_back(std::move(term));
    }
    if (cls == RuleClass::Network) AA_TRY(check_network_words(rule, at));
    return Node{std::move(rule)};
}

// At most a family and a type or protocol, as apparmor_parser's grammar has it.
Status Parser::check_network_words(const MediationRule& rule, const Location& at) const {
    std::vector<std::string_view> words;
    for (const auto& t : rule.terms) {
        if (t.kind == Term::Kind::Word && !is_network_access(t.word.text)) words.push_back(t.word.text);
        if (t.kind == Term::Kind::List && !words.empty()) {
            return make_error(ErrorKind::Syntax, at,
                              "the ( … ) access list of a network rule comes before the family and type");
        }
    }
    if (words.size() > 2) {
        return make_error(ErrorKind::Invalid, at,
                          "a network rule names at most an address family and a socket type or protocol");
    }
    if (!words.empty() && !is_network_entry(words[0], words.size() == 2 ? words[1] : std::string_view())) {
        return make_error(
            ErrorKind::Invalid, at,
            "'" + join(words) +
                "' is not a network entry apparmor_parser knows: name a family, "
                "a socket type or protocol, or a family followed by one of its types or protocols");
    }
    return {};
}

// One term: ( access … ), -> target, a condition, or a bare word.
Result<Term> Parser::parse_term(const RuleGrammar& g, const std::string& what) {
    const Location at = s_.here();
    Term term;
    if (s_.peek() == '(') {
        term.kind = Term::Kind::List;
        AA_ASSIGN(term.list, parse_value_list());
        for (const auto& w : term.list) {
            if (!contains(g.access, w.text)) {
                return make_error(ErrorKind::Invalid, at,
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
        if (!contains(g.conditions, c.key)) {
            return make_error(ErrorKind::Invalid, at,
                              "unknown condition '" + c.key + "' in " + what +
                                  (g.conditions.empty() ? "" : "; expected one of: " + join(g.conditions)));
        }
        term.conditions.push_back(std::move(c));
    } else {
        term.kind = Term::Kind::Word;
        AA_ASSIGN(term.word, s_.read_word(WordStyle::NoEquals, "operand"));
        const auto& t = term.word.text;
        if (!contains(g.access, t) && !contains(g.words, t) && !g.any_word) {
            return make_error(ErrorKind::Invalid, at, "unexpected '" + t + "' in " + what);
        }
    }
    return term;
}

template <typename Each>
Status Parser::parse_parenthesised(Each&& each) {
    s_.advance();  // '('
    for (;;) {
        s_.skip_space();
        if (s_.at_end()) return s_.error(ErrorKind::Syntax, "missing ')' before the end of the file");
        if (s_.peek() == ')') break;
        if (s_.peek() == ',') {
            s_.advance();
            continue;
        }
        AA_TRY(each());
    }
    s_.advance();
    return {};
}

Result<std::vector<Word>> Parser::parse_value_list() {
    std::vector<Word> values;
    AA_TRY(parse_parenthesised([&]() -> Status {
        AA_ASSIGN(Word w, s_.read_word(WordStyle::ListValue, "value"));
        values.push_back(std::move(w));
        return {};
    }));
    return values;
}

// Inside peer=( … ): key=value pairs. Inside xattrs=( … ) (`xattrs`), as
// apparmor_parser 3.0 reads them: blanks around '=', a bare key (the
// attribute is set), and one unparenthesised value that is not "".
Result<std::vector<Condition>> Parser::parse_condition_list(bool xattrs) {
    std::vector<Condition> out;
    AA_TRY(parse_parenthesised([&]() -> Status {
        const std::size_t from = s_.offset();
        while (!s_.at_end() && s_.is_word_char(WordStyle::NoEquals) && s_.peek() != ',')
            s_.advance();
        Condition c;
        c.key = std::string(s_.slice(from, s_.offset()));
        if (xattrs && !c.key.empty()) {
            Scanner probe = s_;
            probe.skip_blanks();
            if (!probe.consume("=")) {
                out.push_back(std::move(c));
                return {};
            }
            s_ = probe;
        } else if (c.key.empty() || !s_.consume("=")) {
            return s_.error(ErrorKind::Syntax, "expected key=value, found " + s_.describe_next());
        }
        s_.skip_blanks();
        if (xattrs && (s_.peek() == '(' || s_.looking_at("\"\""))) {
            return s_.error(ErrorKind::Syntax,
                            "an xattr takes one value that is not empty, found " + s_.describe_next());
        }
        if (s_.peek() == '(') {
            c.parenthesised = true;
            AA_ASSIGN(c.values, parse_value_list());
        } else {
            AA_ASSIGN(Word w, s_.read_word(WordStyle::ListValue, "value"));
            c.values.push_back(std::move(w));
        }
        out.push_back(std::move(c));
        return {};
    }));
    return out;
}

// key=value, key=(v …), key in (v …), peer=(k=v …). The scanner is at key.
Result<Condition> Parser::parse_condition() {
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

bool Parser::at_condition() {
    Scanner probe = s_;
    if (probe.read_identifier().empty()) return false;
    probe.skip_blanks();
    if (probe.peek() == '=' && probe.peek(1) != '=') return true;
    if (!probe.consume_keyword("in")) return false;
    probe.skip_blanks();
    return probe.peek() == '(';
}

}  // namespace aalayer::policy::detail
