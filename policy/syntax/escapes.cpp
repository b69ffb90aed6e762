#include "policy/syntax/escapes.h"

namespace aalayer::policy {

namespace {

int digit_value(char c, int base) {
    int v = -1;
    if (c >= '0' && c <= '9') {
        v = c - '0';
    } else if (c >= 'a' && c <= 'z') {
        v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'Z') {
        v = c - 'A' + 10;
    }
    return v < base ? v : -1;
}

// At most `max_digits` digits of `base`, stopping before the value would
// pass 255: `\777` is `\77` then `7`, `\d256` is `\d25` then `6`.
std::size_t read_number(std::string_view text, int base, std::size_t max_digits, unsigned& value) {
    std::size_t n = 0;
    value = 0;
    for (; n < max_digits && n < text.size(); ++n) {
        const int d = digit_value(text[n], base);
        if (d < 0) break;
        const unsigned next = value * static_cast<unsigned>(base) + static_cast<unsigned>(d);
        if (next > 255) break;
        value = next;
    }
    return n;
}

}  // namespace

std::optional<EscapeSequence> read_escape(std::string_view s) {
    if (s.empty()) return std::nullopt;
    unsigned value = 0;
    if (s[0] >= '0' && s[0] <= '7') {
        const std::size_t n = read_number(s, 8, 3, value);
        return EscapeSequence{static_cast<unsigned char>(value), n};
    }
    if (s[0] == 'd' || s[0] == 'x') {
        const std::size_t n = read_number(s.substr(1), s[0] == 'd' ? 10 : 16, s[0] == 'd' ? 3 : 2, value);
        if (n == 0) return std::nullopt;  // `\xg`: no escape, the backslash quotes 'x'
        return EscapeSequence{static_cast<unsigned char>(value), n + 1};
    }
    switch (s[0]) {
        case '\\': return EscapeSequence{'\\', 1};
        case '"': return EscapeSequence{'"', 1};
        case 'a': return EscapeSequence{'\a', 1};
        case 'e': return EscapeSequence{0x1b, 1};
        case 'f': return EscapeSequence{'\f', 1};
        case 'n': return EscapeSequence{'\n', 1};
        case 'r': return EscapeSequence{'\r', 1};
        case 't': return EscapeSequence{'\t', 1};
        default: return std::nullopt;
    }
}

bool glob_metacharacter(unsigned char c) {
    switch (c) {
        case '*':
        case '?':
        case '[':
        case ']':
        case '{':
        case '}':
        case '^':
        case ',':
        case '\\': return true;
        default: return false;
    }
}

DecodedWord decode_escapes(std::string_view text) {
    DecodedWord out;
    out.text.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] != '\\' || i + 1 >= text.size()) {
            out.text += text[i++];
            continue;
        }
        const auto esc = read_escape(text.substr(i + 1));
        if (!esc) {
            // Not an escape apparmor_parser decodes: the pair stays, and the
            // glob reader takes it as the character itself.
            out.text += text.substr(i, 2);
            i += 2;
            continue;
        }
        const std::size_t length = 1 + esc->length;
        if (esc->byte == 0) {
            // apparmor_parser keeps a NUL escape as written; its regex
            // compiler turns it into the byte.
            out.text += text.substr(i, length);
            out.nul = true;
        } else if (glob_metacharacter(esc->byte)) {
            out.text += '\\';
            out.text += static_cast<char>(esc->byte);
        } else {
            out.text += static_cast<char>(esc->byte);
        }
        i += length;
    }
    return out;
}

}  // namespace aalayer::policy
