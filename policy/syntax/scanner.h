// Character-level scanner for the AppArmor language. AppArmor's lexer is
// context sensitive (a comma may belong to a path glob or end a rule), so the
// parser drives the scanner and asks for the token shape it expects.
#pragma once

#include <string>
#include <string_view>

#include "policy/common/result.h"
#include "policy/syntax/model.h"

namespace aalayer::policy {

// Which characters may continue a word, mirroring apparmor_parser's lexer.
enum class WordStyle : std::uint8_t {
    Id,  // generic id/path: anything but blanks, '"', '!', ','; a ',' joins when another id char follows
    NoEquals,   // as Id, but '=' and ')' end the word (mediation rule operands)
    ListValue,  // inside ( … ): ',', '(' and ')' end the word
};

class Scanner {
public:
    Scanner(std::string_view text, std::string file, std::size_t max_word_bytes);

    [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
    [[nodiscard]] char peek(std::size_t ahead = 0) const {
        return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
    }
    [[nodiscard]] Location here() const { return Location{file_, line_, column_}; }
    [[nodiscard]] std::size_t offset() const { return pos_; }
    [[nodiscard]] std::string_view slice(std::size_t from, std::size_t to) const {
        return text_.substr(from, to - from);
    }
    [[nodiscard]] const std::string& file() const { return file_; }

    void advance(std::size_t n = 1);

    // Skips blanks, newlines and comments. A `#include` is not a comment.
    void skip_space();
    // Skips spaces and tabs only (variable definitions end at a newline).
    void skip_blanks();

    [[nodiscard]] bool looking_at(std::string_view s) const { return text_.substr(pos_).starts_with(s); }
    // `kw` followed by something that cannot continue an identifier.
    [[nodiscard]] bool looking_at_keyword(std::string_view kw) const;
    bool consume(std::string_view s);
    bool consume_keyword(std::string_view kw);

    // [A-Za-z_][A-Za-z0-9_]*, or empty if none starts here.
    std::string_view read_identifier();
    [[nodiscard]] std::string_view peek_identifier() const;

    // A bare word in the given style, or a "quoted" one. Fails on an empty
    // word, an unterminated quote or a word over the size limit.
    Result<Word> read_word(WordStyle style, std::string_view what);

    // True if the character at `pos + ahead` may continue a word of the style.
    [[nodiscard]] bool is_word_char(WordStyle style, std::size_t ahead = 0) const;
    // Characters that start a path or label: '/', '@{', '"', ':' and '&'.
    [[nodiscard]] bool at_label_start() const;

    [[nodiscard]] Error error(ErrorKind kind, std::string message) const {
        return make_error(kind, here(), std::move(message));
    }
    // Describes the next token for messages: 'x', end of line or end of file.
    [[nodiscard]] std::string describe_next() const;

private:
    // Whether the bare word text_[from, end) ends with a backslash pair.
    [[nodiscard]] bool escaped_pair_ends_at(std::size_t from, std::size_t end) const;

    std::string_view text_;
    std::string file_;
    std::size_t max_word_bytes_;
    std::size_t pos_ = 0;
    std::uint32_t line_ = 1;
    std::uint32_t column_ = 1;
};

[[nodiscard]] inline bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}
[[nodiscard]] inline bool is_space(char c) {
    return is_blank(c) || c == '\n';
}
[[nodiscard]] inline bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
[[nodiscard]] inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
[[nodiscard]] inline bool is_ident_char(char c) {
    return is_alpha(c) || is_digit(c) || c == '_';
}

}  // namespace aalayer::policy
