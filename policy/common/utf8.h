// Text that leaves the engine is UTF-8: paths are bytes and may hold
// anything but NUL, so a path (or a message quoting one) is shown with every
// byte that is not part of a well-formed UTF-8 character, and every control
// character, written as \xNN — the escape AppArmor's own glob syntax reads
// back as that byte. docs/security-model.md ("Text the service returns").
#pragma once

#include <string>
#include <string_view>

namespace aalayer::policy {

// Whether `text` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing past U+10FFFF).
bool valid_utf8(std::string_view text);

// The length of the well-formed UTF-8 character at the start of `text`, or
// 0 where there is none (an ASCII byte counts: its length is 1).
std::size_t utf8_char_length(std::string_view text);

// `text` with every byte outside a well-formed character written \xNN;
// with `escape_controls`, control characters (U+0000-U+001F, U+007F) too,
// and a backslash doubled so the result reads back unambiguously. Valid,
// printable UTF-8 is returned unchanged (but for the doubled backslashes).
std::string printable(std::string_view text, bool escape_controls = true);

// For any string that must be UTF-8 (a D-Bus string): invalid bytes as
// \xNN, everything else untouched.
std::string to_valid_utf8(std::string_view text);

}  // namespace aalayer::policy
