// File permission strings: "rwlk", "mrix", "Px", "deny x" ...
#pragma once

#include <string>
#include <string_view>

#include "policy/common/result.h"
#include "policy/syntax/model.h"

namespace aalayer::policy {

// True if every character could belong to a permission string; used to tell
// `r /path,` (permissions first) from other words.
[[nodiscard]] bool looks_like_file_perms(std::string_view word);

// Parses and validates a permission string as apparmor_parser does: one exec
// transition at most, no 'w' with 'a', bare 'x' only in deny rules and exec
// transitions never in deny rules.
Result<FilePerms> parse_file_perms(std::string_view word, bool deny, const Location& where);

// Canonical spelling: r w a l k m, then the exec transition.
std::string format_file_perms(const FilePerms& perms);

// An exec mode in lower case: "x", "ix", "px", "pux", ...; "" for None.
std::string_view exec_mode_spelling(ExecMode mode);

}  // namespace aalayer::policy
