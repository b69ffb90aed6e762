#include "client/lib/desktop_entries.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include <unistd.h>

#include "client/desktop/attachment.h"
#include "client/lib/environment.h"
#include "client/lib/text_file.h"

namespace aalayer::client {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split_paths(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream in(list);
    for (std::string dir; std::getline(in, dir, ':');)
        if (!dir.empty() && dir[0] == '/') out.push_back(dir);
    return out;
}

// Every ID -> file below the application dirs, the first directory's winning.
std::map<std::string, std::string> all_entries() {
    std::map<std::string, std::string> out;
    for (const auto& dir : application_dirs()) {
        std::error_code error;
        for (auto it = fs::recursive_directory_iterator(dir, error);
             !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
            if (!it->path().string().ends_with(".desktop") || !it->is_regular_file(error)) continue;
            std::string id = it->path().lexically_relative(dir).string();
            std::ranges::replace(id, '/', '-');
            out.emplace(id, it->path().string());
        }
    }
    return out;
}

// A program name as execvp finds it in PATH; an absolute path as it is.
std::string in_path(const std::string& program) {
    if (program.find('/') != std::string::npos) return program;
    std::string path = env_value("PATH");
    if (path.empty()) path = "/usr/local/bin:/usr/bin:/bin";
    for (const auto& dir : split_paths(path)) {
        std::string candidate = dir + "/" + program;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return program;
}

}  // namespace

std::vector<std::string> application_dirs() {
    std::vector<std::string> out;
    std::string data_home = env_value("XDG_DATA_HOME");
    if (data_home.empty() || data_home[0] != '/') {
        const std::string home = env_value("HOME");
        data_home = home.empty() ? "" : home + "/.local/share";
    }
    if (!data_home.empty()) out.push_back(data_home + "/applications");
    std::string dirs = env_value("XDG_DATA_DIRS");
    if (split_paths(dirs).empty()) dirs = "/usr/local/share:/usr/share";
    for (const auto& dir : split_paths(dirs))
        out.push_back(dir + "/applications");
    return out;
}

std::optional<std::string> find_desktop_file(const std::string& id) {
    // The plain file first (the common case), then IDs from subdirectories.
    for (const auto& dir : application_dirs()) {
        std::error_code error;
        if (fs::is_regular_file(dir + "/" + id, error)) return dir + "/" + id;
    }
    const auto entries = all_entries();
    const auto found = entries.find(id);
    if (found == entries.end()) return std::nullopt;
    return found->second;
}

std::vector<DesktopEntryInfo> desktop_entries_for(const std::string& attachment) {
    const auto matcher = desktop::AttachmentMatcher::compile(attachment);
    if (!matcher) return {};
    std::vector<DesktopEntryInfo> out;
    for (const auto& [id, path] : all_entries()) {
        auto parsed = desktop::parse(read_text(path).value_or(""), desktop::Keys::any);  // reads Exec only
        const auto* file = std::get_if<desktop::DesktopFile>(&parsed);
        if (file == nullptr) continue;
        const desktop::Group* g = file->group("Desktop Entry");
        if (g == nullptr || (g->get("Hidden") != nullptr && *g->get("Hidden") == "true")) continue;
        if (g->get("Type") == nullptr || *g->get("Type") != "Application") continue;
        const auto program = desktop::entry_program(*file);
        if (!program) continue;
        std::string resolved = in_path(*program);
        std::error_code error;
        const auto canonical = fs::canonical(resolved, error);
        if (!error) resolved = canonical.string();
        if (!matcher->matches(resolved)) continue;
        const auto name = g->get("Name") != nullptr ? desktop::unescape(*g->get("Name")) : std::nullopt;
        out.push_back({id, path, name.value_or(""), resolved});
    }
    return out;
}

}  // namespace aalayer::client
