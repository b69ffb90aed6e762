#pragma once

#include <string>
#include <vector>

#include "policy/common/result.h"
#include "policy/source/reader.h"
#include "policy/syntax/model.h"

namespace aalayer::policy {

// Turns an include directive into the files it names, as apparmor_parser
// does: <magic> names are searched in the include directories in order,
// "quoted" names are taken as written, and a directory stands for its
// files in name order (package-manager leftovers and dot files skipped).
class IncludeResolver {
public:
    IncludeResolver(const SourceReader& reader, std::vector<std::string> search_dirs);

    // Empty for a missing `if exists` include; an Include error for any other missing one.
    [[nodiscard]] Result<std::vector<std::string>> resolve(const Include& include,
                                                           const Location& where) const;

    [[nodiscard]] const std::vector<std::string>& search_dirs() const { return dirs_; }

private:
    [[nodiscard]] Result<std::vector<std::string>> expand(const std::string& path,
                                                          const Location& where) const;

    const SourceReader& reader_;
    std::vector<std::string> dirs_;
};

// True for the directory entries apparmor_parser passes over, in an
// included directory and in the profile directory it loads alike: dot
// files, README, package-manager and editor leftovers (foo.dpkg-old,
// foo.pacnew, foo.rpmsave, foo.orig, foo~ ...). The service finds its base
// profiles with it too, so a base is always a file the kernel would load.
[[nodiscard]] bool is_skipped_policy_entry(const std::string& name);

}  // namespace aalayer::policy
