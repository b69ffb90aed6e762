#include "client/lib/launcher_files.h"

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <variant>

#include <unistd.h>

#include "client/desktop/launcher.h"
#include "client/lib/desktop_entries.h"
#include "client/lib/environment.h"
#include "client/lib/text_file.h"

#ifndef AALAYER_INSTALLED_CLI
#error "AALAYER_INSTALLED_CLI: where aalayer is installed (client/lib/meson.build)"
#endif

namespace aalayer::client {

namespace fs = std::filesystem;

namespace {

// $NAME when absolute, else HOME/fallback (the XDG base directory rules).
std::string xdg_home(const char* name, const char* fallback) {
    std::string value = env_value(name);
    if (!value.empty() && value[0] == '/') return value;
    const std::string home = home_directory();
    return home.empty() ? std::string() : home + "/" + fallback;
}

std::string mimeapps_path() {
    const std::string config_home = xdg_home("XDG_CONFIG_HOME", ".config");
    return config_home.empty() ? std::string() : config_home + "/mimeapps.list";
}

std::string with_suffix(const std::string& desktop_id) {
    return desktop_id.ends_with(".desktop") ? desktop_id : desktop_id + ".desktop";
}

// Written beside and renamed over: a desktop or xdg-mime reading it never sees half a file.
bool write_text(const std::string& path, const std::string& text) {
    std::error_code error;
    fs::create_directories(fs::path(path).parent_path(), error);
    std::string temporary = path + ".XXXXXX";
    const int fd = ::mkstemp(temporary.data());
    if (fd < 0) return false;
    ::close(fd);
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush()) {
            fs::remove(temporary, error);
            return false;
        }
    }
    fs::permissions(
        temporary,
        fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read,
        error);
    fs::rename(temporary, path, error);
    if (error) fs::remove(temporary, error);
    return !error;
}

// mimeapps.list, or an empty one when there is none; a message when it does not parse.
std::variant<desktop::DesktopFile, std::string> read_mimeapps(const std::string& path) {
    const auto text = read_text(path);
    if (!text) return desktop::DesktopFile{};
    auto parsed = desktop::parse(*text, desktop::Keys::any);
    if (const auto* error = std::get_if<std::string>(&parsed)) return path + ": " + *error;
    return parsed;
}

// The [Desktop Entry] of a launcher aalayer wrote; nothing for any other file.
std::optional<desktop::Group> launcher_entry(const std::string& text) {
    auto parsed = desktop::parse(text);
    const auto* file = std::get_if<desktop::DesktopFile>(&parsed);
    const desktop::Group* entry = file != nullptr ? file->group("Desktop Entry") : nullptr;
    if (entry == nullptr || entry->get(desktop::kLayerKey) == nullptr) return std::nullopt;
    return *entry;
}

LauncherOutcome failed(LauncherOutcome outcome, LauncherProblem problem, std::string message) {
    outcome.problem = problem;
    outcome.message = std::move(message);
    return outcome;
}

std::vector<DefaultHandler> handlers(const std::map<std::string, std::string>& types) {
    std::vector<DefaultHandler> out;
    out.reserve(types.size());
    for (const auto& [type, other] : types)
        out.push_back({type, other});
    return out;
}

}  // namespace

std::string aalayer_program() {
    std::string cli = env_value("AALAYER_CLI");
    return !cli.empty() && cli[0] == '/' ? cli : std::string(AALAYER_INSTALLED_CLI);
}

LauncherOutcome launcher_file(const std::string& desktop_id, const std::string& layer_name) {
    const std::string data_home = xdg_home("XDG_DATA_HOME", ".local/share");
    if (data_home.empty() || mimeapps_path().empty())
        return failed({}, LauncherProblem::refused,
                      "no home directory: set HOME, or XDG_DATA_HOME and XDG_CONFIG_HOME");
    LauncherOutcome out;
    out.path = data_home + "/applications/" + desktop::launcher_id(with_suffix(desktop_id), layer_name);
    return out;
}

bool launcher_installed(const std::string& base, const std::string& name, const std::string& desktop_id) {
    const auto place = launcher_file(desktop_id, name);
    if (!place.ok()) return false;
    const auto text = read_text(place.path);
    const auto entry = text ? launcher_entry(*text) : std::nullopt;
    return entry && desktop::unescape(*entry->get(desktop::kLayerKey)) == base + "/" + name;
}

LauncherOutcome install_launcher(const LauncherRequest& request) {
    const std::string original_id = with_suffix(request.desktop_id);
    auto out = launcher_file(original_id, request.name);
    if (!out.ok()) return out;
    const std::string& target = out.path;
    const std::string id = fs::path(target).filename().string();
    const std::string mimeapps_at = mimeapps_path();

    const auto original_path = find_desktop_file(original_id);
    if (!original_path) {
        std::string dirs;
        for (const auto& dir : application_dirs())
            dirs += (dirs.empty() ? "" : ", ") + dir;
        return failed(out, LauncherProblem::not_found, "no desktop entry " + original_id + " in " + dirs);
    }
    if (fs::path(*original_path).filename().string().starts_with("aalayer-"))
        return failed(out, LauncherProblem::refused,
                      *original_path + " is a launcher already: give the application's own entry");
    auto parsed = desktop::parse(read_text(*original_path).value_or(""));
    if (const auto* error = std::get_if<std::string>(&parsed))
        return failed(out, LauncherProblem::refused, *original_path + ": " + *error);
    const desktop::LauncherSpec spec{request.base, request.name, request.label, request.aalayer, original_id};
    auto made = desktop::make_launcher(std::get<desktop::DesktopFile>(parsed), spec);
    if (const auto* why = std::get_if<std::string>(&made))
        return failed(out, LauncherProblem::refused,
                      "cannot make a launcher of " + *original_path + ": " + *why);
    auto& launcher = std::get<desktop::DesktopFile>(made);
    auto& entry = *launcher.group("Desktop Entry");

    // What an earlier launcher of the same ID took over stays remembered.
    std::map<std::string, std::string> previous;
    if (const auto existing = read_text(target)) {
        auto old = desktop::parse(*existing);
        const auto* file = std::get_if<desktop::DesktopFile>(&old);
        const auto* group = file != nullptr ? file->group("Desktop Entry") : nullptr;
        if (group != nullptr && group->get(desktop::kPreviousKey) != nullptr)
            previous = desktop::parse_previous(*group->get(desktop::kPreviousKey));
    }
    std::map<std::string, std::string> now;
    std::optional<desktop::DesktopFile> mimeapps;
    if (!request.default_for.empty()) {
        auto read = read_mimeapps(mimeapps_at);
        if (const auto* why = std::get_if<std::string>(&read))
            return failed(out, LauncherProblem::refused, *why);
        mimeapps = std::get<desktop::DesktopFile>(std::move(read));
        std::vector<std::string> types;
        for (const auto& item : request.default_for)
            types.push_back(desktop::handler_type(item));
        now = desktop::set_defaults(*mimeapps, types, id, previous);
        for (const auto& [type, old] : now)
            previous[type] = old;
    }
    if (!previous.empty()) entry.set(desktop::kPreviousKey, desktop::previous_value(previous));
    // The entry first: a default never names a launcher that is not there.
    if (!write_text(target, desktop::write(launcher)))
        return failed(out, LauncherProblem::cannot_write, "cannot write " + target);
    out.done_first = true;
    if (mimeapps && !write_text(mimeapps_at, desktop::write(*mimeapps)))
        return failed(out, LauncherProblem::cannot_write, "cannot write " + mimeapps_at);
    out.defaults = handlers(now);
    return out;
}

LauncherOutcome remove_launcher(const std::string& desktop_id, const std::string& layer_name) {
    auto out = launcher_file(desktop_id, layer_name);
    if (!out.ok()) return out;
    const std::string& target = out.path;
    const auto text = read_text(target);
    if (!text) return failed(out, LauncherProblem::not_found, "no launcher " + target + " to remove");
    const auto entry = launcher_entry(*text);
    if (!entry)
        return failed(out, LauncherProblem::refused,
                      target + " was not written by aalayer launcher: left alone");
    const std::string id = fs::path(target).filename().string();
    const auto* previous_text = entry->get(desktop::kPreviousKey);
    const auto previous = desktop::parse_previous(previous_text != nullptr ? *previous_text : "");
    if (!previous.empty()) {
        const std::string mimeapps_at = mimeapps_path();
        auto mimeapps = read_mimeapps(mimeapps_at);
        if (const auto* error = std::get_if<std::string>(&mimeapps))
            return failed(out, LauncherProblem::refused,
                          *error + ": the defaults are left as they are; " + target + " is kept");
        auto& file = std::get<desktop::DesktopFile>(mimeapps);
        desktop::restore_defaults(file, previous, id);
        if (!write_text(mimeapps_at, desktop::write(file)))
            return failed(out, LauncherProblem::cannot_write,
                          "cannot write " + mimeapps_at + "; " + target + " is kept");
        out.done_first = true;
        out.defaults = handlers(previous);
    }
    std::error_code error;
    if (!fs::remove(target, error))
        return failed(out, LauncherProblem::cannot_write, "cannot remove " + target + ": " + error.message());
    return out;
}

}  // namespace aalayer::client
