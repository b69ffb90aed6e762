// The text of a one-run layer (aalayer run BASE --allow PATH): literal
// paths written as layer rules that match each path exactly, whatever its
// name holds (`report [final].txt`, `a{b}`, `*`, quotes, `@{`). A path
// ending in '/' is the directory and everything under it.
// docs/user-guide.md ("Run a program for one file").
#pragma once

#include <string>
#include <vector>

#include "policy/common/result.h"

namespace aalayer::policy {

struct OneRunPath {
    std::string path;   // absolute; a trailing '/' means the subtree
    std::string perms;  // letters of r w a l k m; empty: r
};

// The most paths one run may name (allows and denies together).
inline constexpr std::size_t kMaxOneRunPaths = 64;

// `path` as a quoted layer word matching that path alone: every glob
// metacharacter, quote and backslash escaped. Refused: a path that is not
// absolute, holds NUL or a control byte (layers refuse those), a '.' or
// '..' component, or bytes that are not UTF-8 (the path travels as a D-Bus
// string).
Result<std::string> literal_path_word(const std::string& path);

// "r" for empty letters; refuses letters outside r w a l k m, or w with a.
Result<std::string> one_run_perms(const std::string& letters);

// One rule a line: `"/lit/path" r,`, a directory `"/lit/dir/{,**}" r,`
// (the directory and its subtree), a deny `deny "/lit/path" rwlkm,`.
// Errors name the path that is refused.
Result<std::string> one_run_rules(const std::vector<OneRunPath>& allows,
                                  const std::vector<std::string>& denies);

// The same, each allow rule `owner` where the grant (of `bounds`) gives
// what it asks to the file's owner alone (`owner @{HOME}/** rw`, the usual
// grant): the user's own file is then allowed without a clipping warning
// on every run. Elsewhere the rule is for any owner, as above.
struct Bounds;
Result<std::string> one_run_rules(const std::vector<OneRunPath>& allows,
                                  const std::vector<std::string>& denies, const Bounds& bounds);

}  // namespace aalayer::policy
