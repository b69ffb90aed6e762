#include "policy/load/include_resolver.h"

#include <array>
#include <string_view>

namespace aalayer::policy {

bool is_skipped_policy_entry(const std::string& name) {
    using namespace std::string_view_literals;
    // libapparmor's list (_aa_is_blacklisted, which apparmor_parser calls for
    // include directories and for the profile directory), every entry of it:
    // a file it passes over is policy the kernel never sees, so it must be
    // neither part of an include nor a base. A shorter list made bases of
    // files such as foo.dpkg-bak or foo.pacnew, which nothing loads.
    static constexpr std::array kSuffixes{".dpkg-new"sv,    ".dpkg-old"sv, ".dpkg-dist"sv, ".dpkg-bak"sv,
                                          ".dpkg-remove"sv, ".pacsave"sv,  ".pacnew"sv,    ".rpmnew"sv,
                                          ".rpmsave"sv,     ".orig"sv,     ".rej"sv,       "~"sv};
    if (name.empty() || name.front() == '.' || name == "README") return true;
    for (const auto suffix : kSuffixes) {
        if (name.ends_with(suffix)) return true;
    }
    return false;
}

IncludeResolver::IncludeResolver(const SourceReader& reader, std::vector<std::string> search_dirs)
    : reader_(reader), dirs_(std::move(search_dirs)) {}

Result<std::vector<std::string>> IncludeResolver::expand(const std::string& path,
                                                         const Location& where) const {
    if (reader_.stat(path) != EntryType::Directory) return std::vector<std::string>{path};
    AA_ASSIGN(std::vector<std::string> names, reader_.list(path));
    std::vector<std::string> files;
    for (const auto& name : names) {
        if (is_skipped_policy_entry(name)) continue;
        const std::string full = path + (path.ends_with('/') ? "" : "/") + name;
        if (reader_.stat(full) == EntryType::File) files.push_back(full);
    }
    (void)where;
    return files;
}

Result<std::vector<std::string>> IncludeResolver::resolve(const Include& include,
                                                          const Location& where) const {
    const std::string& name = include.path.text;
    if (include.magic && !name.starts_with('/')) {
        for (const auto& dir : dirs_) {
            const std::string candidate = dir + (dir.ends_with('/') ? "" : "/") + name;
            if (reader_.stat(candidate) != EntryType::Missing) return expand(candidate, where);
        }
    } else if (reader_.stat(name) != EntryType::Missing) {
        return expand(name, where);
    }
    if (include.if_exists) return std::vector<std::string>{};
    std::string searched;
    if (include.magic) {
        for (const auto& dir : dirs_)
            searched += (searched.empty() ? "" : ", ") + dir;
        searched = " in the include directories (" + searched + ")";
    }
    return make_error(
        ErrorKind::Include, where,
        "cannot find include '" + name + "'" + searched + "; use 'include if exists' for optional files");
}

}  // namespace aalayer::policy
