// Escape sequences in policy words, read the way apparmor_parser reads them.
// The parser decodes numeric (\151, \x69, \d105) and named (\a \e \f \n \r
// \t \\ \") escapes in every word before it looks at globs or variables;
// a decoded byte that is a glob metacharacter stays escaped (literal), a
// decoded NUL is left as written and becomes a NUL byte in the automaton.
// Any other backslash pair (\*, \q, \.) is left for the glob reader, where
// it stands for the character itself. docs/layer-algebra.md ("Escapes").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aalayer::policy {

// The byte a numeric or named escape stands for, and how many characters
// after the backslash it takes; nullopt where apparmor_parser reads no
// escape (the backslash then just quotes the next character).
struct EscapeSequence {
    unsigned char byte = 0;
    std::size_t length = 0;
};
std::optional<EscapeSequence> read_escape(std::string_view after_backslash);

// The bytes that stay escaped when an escape decodes to them, because they
// mean something in a glob.
bool glob_metacharacter(unsigned char c);

// `text` (a word as written, between any quotes) with every numeric and
// named escape replaced by its byte: a glob metacharacter as `\c`, NUL left
// as written. Decoding twice gives the same text as decoding once.
struct DecodedWord {
    std::string text;
    bool nul = false;  // an escape stood for NUL
};
DecodedWord decode_escapes(std::string_view text);

}  // namespace aalayer::policy
