#include "policy/source/memory_reader.h"

#include <set>

namespace aalayer::policy {

namespace {
std::string as_dir_prefix(const std::string& path) {
    return (!path.empty() && path.back() == '/') ? path : path + '/';
}
}  // namespace

void MemoryReader::add(std::string path, std::string contents) {
    files_[std::move(path)] = std::move(contents);
}

EntryType MemoryReader::stat(const std::string& path) const {
    if (files_.contains(path)) return EntryType::File;
    const std::string prefix = as_dir_prefix(path);
    const auto it = files_.lower_bound(prefix);
    if (it != files_.end() && it->first.starts_with(prefix)) return EntryType::Directory;
    return EntryType::Missing;
}

Result<std::string> MemoryReader::read(const std::string& path, std::size_t max_bytes) const {
    const auto it = files_.find(path);
    if (it == files_.end()) {
        return make_error(ErrorKind::Io, Location{path, 0, 0}, "cannot open: No such file or directory");
    }
    if (it->second.size() > max_bytes) {
        return make_error(ErrorKind::Limit, Location{path, 0, 0},
                          "file is larger than the limit of " + std::to_string(max_bytes) + " bytes");
    }
    return it->second;
}

Result<std::vector<std::string>> MemoryReader::list(const std::string& path) const {
    const std::string prefix = as_dir_prefix(path);
    std::set<std::string> names;
    for (auto it = files_.lower_bound(prefix); it != files_.end() && it->first.starts_with(prefix); ++it) {
        const std::string rest = it->first.substr(prefix.size());
        names.insert(rest.substr(0, rest.find('/')));
    }
    if (names.empty()) {
        return make_error(ErrorKind::Io, Location{path, 0, 0}, "cannot list directory: not found");
    }
    return std::vector<std::string>(names.begin(), names.end());
}

}  // namespace aalayer::policy
