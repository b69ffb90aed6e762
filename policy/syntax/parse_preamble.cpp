// The parser's preamble items, which stand outside profiles: include (also
// allowed inside), abi, variable and boolean definitions, alias.
#include <algorithm>

#include "policy/syntax/parser_internal.h"

namespace aalayer::policy::detail {

Result<Node> Parser::parse_include() {
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
        inc.magic = true;
        AA_ASSIGN(std::string_view name, read_magic_name(at, "include file name"));
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

Result<Node> Parser::parse_abi() {
    s_.read_identifier();
    s_.skip_space();
    Abi abi;
    const Location at = s_.here();
    if (s_.peek() == '<') {
        abi.magic = true;
        AA_ASSIGN(const std::string_view name, read_magic_name(at, "abi name"));
        abi.path.text = std::string(name);
    } else {
        AA_ASSIGN(abi.path, s_.read_word(WordStyle::Id, "abi name"));
    }
    if (abi.path.text.empty()) return make_error(ErrorKind::Syntax, at, "abi needs a file name");
    AA_TRY(expect_end_of_rule("abi"));
    return Node{std::move(abi)};
}

Result<std::string_view> Parser::read_magic_name(const Location& at, std::string_view what) {
    s_.advance();  // '<'
    const std::size_t from = s_.offset();
    while (!s_.at_end() && s_.peek() != '>' && s_.peek() != '\n')
        s_.advance();
    if (!s_.consume(">"))
        return make_error(ErrorKind::Syntax, at, "missing '>' after the " + std::string(what));
    return s_.slice(from, s_.offset() - 1);
}

bool Parser::is_variable_definition() {
    Scanner probe = s_;
    probe.advance(2);
    while (!probe.at_end() && probe.peek() != '}' && probe.peek() != '\n')
        probe.advance();
    if (!probe.consume("}")) return false;
    probe.skip_blanks();
    return (probe.peek() == '=' && probe.peek(1) != '=') || probe.looking_at("+=") ||
           probe.looking_at("?=") || probe.looking_at(":=");
}

Result<std::string> Parser::read_variable_name(char sigil) {
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

Result<Node> Parser::parse_variable_definition() {
    VariableDefinition def;
    AA_ASSIGN(def.name, read_variable_name('@'));
    s_.skip_blanks();
    if (s_.consume("+=")) {
        def.append = true;
    } else if (!s_.consume("=")) {
        return s_.error(ErrorKind::Unsupported, "only '=' and '+=' are supported in variable definitions");
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

Result<Node> Parser::parse_boolean_definition() {
    BooleanDefinition def;
    AA_ASSIGN(def.name, read_variable_name('$'));
    s_.skip_blanks();
    if (!s_.consume("=")) return s_.error(ErrorKind::Syntax, "expected '=' after ${" + def.name + "}");
    s_.skip_blanks();
    const Location at = s_.here();
    std::string value(s_.read_identifier());
    // apparmor_parser compares without case: TRUE and False are booleans too.
    std::transform(value.begin(), value.end(), value.begin(),
                   [](char ch) { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch; });
    if (value != "true" && value != "false") {
        return make_error(ErrorKind::Syntax, at, "boolean variables take 'true' or 'false'");
    }
    def.value = value == "true";
    s_.skip_blanks();
    if (!s_.at_end() && s_.peek() != '\n' && s_.peek() != '#') {
        return s_.error(ErrorKind::Syntax, "expected the end of the line after ${" + def.name +
                                               "}'s value, found " + s_.describe_next());
    }
    return Node{std::move(def)};
}

Result<Node> Parser::parse_alias() {
    s_.read_identifier();
    s_.skip_space();
    Alias alias;
    AA_TRY(parse_arrow_pair("alias", alias.from, alias.to));
    return Node{std::move(alias)};
}

Status Parser::parse_arrow_pair(std::string_view rule, Word& from, Word& to) {
    const std::string what(rule);
    AA_ASSIGN(from, s_.read_word(WordStyle::Id, what + " path"));
    s_.skip_space();
    AA_TRY(expect_token("->", rule));
    s_.skip_space();
    AA_ASSIGN(to, s_.read_word(WordStyle::Id, what + " target"));
    return expect_end_of_rule(rule);
}

}  // namespace aalayer::policy::detail
