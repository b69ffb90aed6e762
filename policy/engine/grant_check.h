// The admin's side of reading policy: which base profiles a profile
// directory holds, and what is wrong with the grant files of a directory.
// The service logs these findings once per reload; `aalayer-policy
// check-grants` prints them (docs/admin-guide.md, "Checking grants").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "policy/engine/finding.h"
#include "policy/engine/grant.h"
#include "policy/load/loader.h"

namespace aalayer::policy {

// Base name -> the file that defines it: the top-level, non-hat profiles of
// each file of `dir` the kernel would load (is_skipped_policy_entry). A file
// that does not parse defines no base (apparmor_parser would refuse it too).
// `attachments`, when given, gets base name -> what the profile attaches to:
// its attachment as written, its name when that is a path, else "".
std::map<std::string, std::string> base_profiles_in(
    const SourceReader& reader, const std::string& dir, const ParseLimits& limits,
    std::map<std::string, std::string>* attachments = nullptr);

// One of the admin's default layers: `NAME.layer` in the directory beside
// the grant file (`firefox.conf` -> `firefox.defaults/`), which every user
// has on each base the file grants (docs/admin-guide.md, "Default layers").
struct DefaultLayerSource {
    std::string name;
    std::string path;
    std::string text;
    friend bool operator==(const DefaultLayerSource&, const DefaultLayerSource&) = default;
};

struct GrantFileCheck {
    std::string path;
    std::vector<Grant> grants;  // the grants the service uses: empty when the file has an error
    std::vector<DefaultLayerSource> defaults;  // only for a file with grants
    std::vector<Finding> findings;
};

// The directory of the default layers of a grant file.
std::string defaults_dir_of(const std::string& grant_file);

// Every `*.conf` of `dir` (others are inactive), read with `grant_loader`
// (grant_load_options for one user) and compiled for that user. Errors
// make a file unusable; a second grant for a base already granted by an
// earlier file is an error of the later grant only. Warnings: an exclusion
// of nothing, a grant for a base `bases` (read from `profiles_dir`) does not hold.
// The defaults directory's `*.layer` files are read (not composed: that
// needs a user); a bad name or an unreadable file is an error of that file.
std::vector<GrantFileCheck> check_grants_in(const SourceReader& reader, const Loader& grant_loader,
                                            const std::string& dir,
                                            const std::map<std::string, std::string>& bases,
                                            const std::string& profiles_dir, const PermissionLimits& limits);

}  // namespace aalayer::policy
