#include "policy/syntax/scanner.h"

#include <algorithm>

#include "policy/common/utf8.h"

namespace aalayer::policy {

Scanner::Scanner(std::string_view text, std::string file, std::size_t max_word_bytes)
    : text_(text), file_(std::move(file)), max_word_bytes_(max_word_bytes) {}

void Scanner::advance(std::size_t n) {
    for (; n > 0 && pos_ < text_.size(); --n, ++pos_) {
        if (text_[pos_] == '\n') {
            ++line_;
            column_ = 1;
        } else {
            ++column_;
        }
    }
}

void Scanner::skip_blanks() {
    while (!at_end() && is_blank(peek()))
        advance();
}

void Scanner::skip_space() {
    while (!at_end()) {
        const char c = peek();
        if (is_space(c)) {
            advance();
        } else if (c == '#' && !looking_at("#include")) {
            while (!at_end() && peek() != '\n')
                advance();
        } else {
            return;
        }
    }
}

bool Scanner::looking_at_keyword(std::string_view kw) const {
    return looking_at(kw) && !is_ident_char(peek(kw.size()));
}

bool Scanner::consume(std::string_view s) {
    if (!looking_at(s)) return false;
    advance(s.size());
    return true;
}

bool Scanner::consume_keyword(std::string_view kw) {
    if (!looking_at_keyword(kw)) return false;
    advance(kw.size());
    return true;
}

std::string_view Scanner::peek_identifier() const {
    if (!is_alpha(peek()) && peek() != '_') return {};
    std::size_t n = 1;
    while (is_ident_char(peek(n)))
        ++n;
    return text_.substr(pos_, n);
}

std::string_view Scanner::read_identifier() {
    const std::string_view id = peek_identifier();
    advance(id.size());
    return id;
}

bool Scanner::is_word_char(WordStyle style, std::size_t ahead) const {
    const char c = peek(ahead);
    if (c == '\0' && pos_ + ahead >= text_.size()) return false;
    if (is_space(c) || c == '"' || c == '!') return false;
    switch (style) {
        case WordStyle::Id: break;
        case WordStyle::NoEquals:
            if (c == '=' || c == ')') return false;
            break;
        case WordStyle::ListValue:
            if (c == '(' || c == ')' || c == ',') return false;
            break;
    }
    if (c == ',') {
        // A comma continues a word only when an ordinary word character follows:
        // `/etc/{passwd,group}` is one word, `/etc/passwd r,` ends at the comma.
        const char next = peek(ahead + 1);
        const bool more = pos_ + ahead + 1 < text_.size();
        return more && !is_space(next) && next != '"' && next != '!' && next != ',' &&
               !(style == WordStyle::NoEquals && (next == '=' || next == ')'));
    }
    return true;
}

bool Scanner::at_label_start() const {
    const char c = peek();
    return c == '/' || c == '"' || c == ':' || c == '&' || (c == '@' && peek(1) == '{');
}

Result<Word> Scanner::read_word(WordStyle style, std::string_view what) {
    const Location start = here();
    if (peek() == '"') {
        advance();
        const std::size_t from = pos_;
        while (!at_end() && peek() != '"') {
            if (peek() == '\\' && pos_ + 1 < text_.size()) advance();
            advance();
            if (pos_ - from > max_word_bytes_) {
                return make_error(
                    ErrorKind::Limit, start,
                    std::string(what) + " is longer than " + std::to_string(max_word_bytes_) + " bytes");
            }
        }
        if (at_end()) {
            return make_error(ErrorKind::Syntax, start, "unterminated quoted " + std::string(what));
        }
        Word w{std::string(text_.substr(from, pos_ - from)), true};
        advance();  // closing quote
        return w;
    }
    const std::size_t from = pos_;
    while (!at_end()) {
        if (peek() == '\\' && pos_ + 1 < text_.size() && peek(1) != '\n') {
            advance(2);  // escaped character, e.g. `\ ` or `\,`
        } else if (is_word_char(style)) {
            advance();
        } else {
            break;
        }
        if (pos_ - from > max_word_bytes_) {
            return make_error(
                ErrorKind::Limit, start,
                std::string(what) + " is longer than " + std::to_string(max_word_bytes_) + " bytes");
        }
    }
    if (pos_ == from) {
        return make_error(ErrorKind::Syntax, start,
                          "expected " + std::string(what) + ", found " + describe_next());
    }
    if (text_[pos_ - 1] == '\\' && !escaped_pair_ends_at(from, pos_)) {
        // A lone '\' before a line end escapes nothing; written back before
        // the ',' or ')' that follows it, it would escape that instead.
        return make_error(ErrorKind::Syntax, start,
                          std::string(what) +
                              " ends in a '\\' that escapes nothing; write '\\\\' for a "
                              "backslash");
    }
    return Word{std::string(text_.substr(from, pos_ - from)), false};
}

bool Scanner::escaped_pair_ends_at(std::size_t from, std::size_t end) const {
    // Backslashes pair from the left, as read_word reads them.
    bool pair_end = false;
    for (std::size_t i = from; i < end; ++i) {
        if (text_[i] == '\\' && i + 1 < end) {
            ++i;
            pair_end = i + 1 == end;
        } else {
            pair_end = false;
        }
    }
    return pair_end;
}

std::string Scanner::describe_next() const {
    if (at_end()) return "end of file";
    if (peek() == '\n') return "end of line";
    const std::string_view id = peek_identifier();
    if (!id.empty()) return "'" + std::string(id) + "'";
    // The whole character, or the byte as \xNN when it starts none.
    const std::size_t n = std::max<std::size_t>(1, utf8_char_length(text_.substr(pos_)));
    return "'" + printable(text_.substr(pos_, n)) + "'";
}

}  // namespace aalayer::policy
