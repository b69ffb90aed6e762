#include "policy/common/utf8.h"

#include <array>
#include <cstdint>

namespace aalayer::policy {

std::size_t utf8_char_length(std::string_view text) {
    if (text.empty()) return 0;
    const auto b0 = static_cast<unsigned char>(text[0]);
    if (b0 < 0x80) return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;  // the range of the second byte (RFC 3629's table)
    if (b0 >= 0xc2 && b0 <= 0xdf) {
        n = 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
        n = 3;
        if (b0 == 0xe0) lo = 0xa0;  // overlong
        if (b0 == 0xed) hi = 0x9f;  // surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        n = 4;
        if (b0 == 0xf0) lo = 0x90;  // overlong
        if (b0 == 0xf4) hi = 0x8f;  // past U+10FFFF
    } else {
        return 0;
    }
    if (text.size() < n) return 0;
    for (std::size_t i = 1; i < n; ++i) {
        const auto b = static_cast<unsigned char>(text[i]);
        const unsigned char min = i == 1 ? lo : 0x80;
        const unsigned char max = i == 1 ? hi : 0xbf;
        if (b < min || b > max) return 0;
    }
    return n;
}

bool valid_utf8(std::string_view text) {
    while (!text.empty()) {
        const std::size_t n = utf8_char_length(text);
        if (n == 0) return false;
        text.remove_prefix(n);
    }
    return true;
}

namespace {

void append_hex(std::string& out, unsigned char byte) {
    static constexpr std::array<char, 16> kDigits{'0', '1', '2', '3', '4', '5', '6', '7',
                                                  '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    out += "\\x";
    out += kDigits[byte >> 4U];
    out += kDigits[byte & 0xfU];
}

std::string escaped(std::string_view text, bool escape_controls) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        const std::size_t n = utf8_char_length(text);
        const auto b = static_cast<unsigned char>(text[0]);
        if (n == 0 || (escape_controls && n == 1 && (b < 0x20 || b == 0x7f))) {
            append_hex(out, b);
            text.remove_prefix(1);
            continue;
        }
        if (escape_controls && b == '\\') out += '\\';
        out.append(text.substr(0, n));
        text.remove_prefix(n);
    }
    return out;
}

}  // namespace

std::string printable(std::string_view text, bool escape_controls) {
    return escaped(text, escape_controls);
}

std::string to_valid_utf8(std::string_view text) {
    if (valid_utf8(text)) return std::string(text);
    return escaped(text, false);
}

}  // namespace aalayer::policy
