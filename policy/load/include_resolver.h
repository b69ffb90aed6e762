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

// True for directory entries apparmor_parser skips (foo.dpkg-old, .hidden, README ...).
[[nodiscard]] bool is_skipped_include_entry(const std::string& name);

}  // namespace aalayer::policy
