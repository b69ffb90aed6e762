// aalayer launcher: a desktop entry that starts an application under a layer,
// and the user's default handlers pointed at it and back (client/desktop/
// decides what the files say; this file finds, reads and writes them).
#include "client/desktop/launcher.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "client/cli/commands.h"
#include "client/cli/exit_codes.h"
#include "client/lib/desktop_entries.h"

namespace aalayer::cli {

namespace fs = std::filesystem;

namespace {

// $NAME when absolute, else HOME/fallback (the XDG base directory rules).
std::string xdg_home(const char* name, const char* fallback) {
    const char* value = std::getenv(name);
    if (value != nullptr && value[0] == '/') return value;
    const std::string home = home_directory();
    return home.empty() ? std::string() : home + "/" + fallback;
}

std::optional<std::string> read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
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

// A mimeapps.list value for people: "a.desktop;b.desktop;" as "a.desktop;b.desktop".
std::string shown(const std::string& old) {
    if (old.empty()) return "nothing";
    return old.ends_with(';') ? old.substr(0, old.size() - 1) : old;
}

int remove_launcher(const Output& o, const std::string& target, const std::string& mimeapps_path) {
    const auto text = read_text(target);
    if (!text) {
        o.error("no launcher " + target + " to remove");
        return kNotFound;
    }
    auto parsed = desktop::parse(*text);
    const auto* launcher = std::get_if<desktop::DesktopFile>(&parsed);
    const desktop::Group* entry = launcher != nullptr ? launcher->group("Desktop Entry") : nullptr;
    if (entry == nullptr || entry->get(desktop::kLayerKey) == nullptr) {
        o.error(target + " was not written by aalayer launcher: left alone");
        return kUsage;
    }
    const std::string id = fs::path(target).filename().string();
    const auto* previous_text = entry->get(desktop::kPreviousKey);
    const auto previous = desktop::parse_previous(previous_text != nullptr ? *previous_text : "");
    if (!previous.empty()) {
        auto mimeapps = read_mimeapps(mimeapps_path);
        if (const auto* error = std::get_if<std::string>(&mimeapps)) {
            o.error(*error + ": the defaults are left as they are; " + target + " is kept");
            return kUsage;
        }
        auto& file = std::get<desktop::DesktopFile>(mimeapps);
        desktop::restore_defaults(file, previous, id);
        if (!write_text(mimeapps_path, desktop::write(file))) {
            o.error("cannot write " + mimeapps_path + "; " + target + " is kept");
            return kInternal;
        }
        for (const auto& [type, old] : previous)
            std::fprintf(o.out, "%s: %s again\n", type.c_str(), shown(old).c_str());
    }
    std::error_code error;
    if (!fs::remove(target, error)) {
        o.error("cannot remove " + target + ": " + error.message());
        return kInternal;
    }
    std::fprintf(o.out, "removed %s\n", target.c_str());
    return kOk;
}

}  // namespace

int cmd_launcher(client::Client& c, const Args& a, const Output& o) {
    const std::string data_home = xdg_home("XDG_DATA_HOME", ".local/share");
    const std::string config_home = xdg_home("XDG_CONFIG_HOME", ".config");
    if (data_home.empty() || config_home.empty()) {
        o.error("no home directory: set HOME, or XDG_DATA_HOME and XDG_CONFIG_HOME");
        return kUsage;
    }
    const std::string original_id = a.desktop.ends_with(".desktop") ? a.desktop : a.desktop + ".desktop";
    const std::string id = desktop::launcher_id(original_id, a.layer.name);
    const std::string target = data_home + "/applications/" + id;
    const std::string mimeapps_path = config_home + "/mimeapps.list";
    if (a.remove) return remove_launcher(o, target, mimeapps_path);

    const auto uid = static_cast<std::uint32_t>(::geteuid());
    bool have = false;
    for (const auto& l : c.layers())
        have = have || (l.owner == uid && l.base == a.layer.base && l.name == a.layer.name);
    if (!have) {
        o.error("you have no layer " + a.layer.text() + " (create it with apply)");
        return kNotFound;
    }
    const auto original_path = client::find_desktop_file(original_id);
    if (!original_path) {
        std::string dirs;
        for (const auto& dir : client::application_dirs())
            dirs += (dirs.empty() ? "" : ", ") + dir;
        o.error("no desktop entry " + original_id + " in " + dirs);
        return kNotFound;
    }
    if (fs::path(*original_path).filename().string().starts_with("aalayer-")) {
        o.error(*original_path + " is a launcher already: give the application's own entry");
        return kUsage;
    }
    auto parsed = desktop::parse(read_text(*original_path).value_or(""));
    if (const auto* error = std::get_if<std::string>(&parsed)) {
        o.error(*original_path + ": " + *error);
        return kUsage;
    }
    std::error_code error;
    const auto self = fs::read_symlink("/proc/self/exe", error);
    const desktop::LauncherSpec spec{a.layer.base, a.layer.name, a.label, error ? "aalayer" : self.string(),
                                     original_id};
    auto made = desktop::make_launcher(std::get<desktop::DesktopFile>(parsed), spec);
    if (const auto* why = std::get_if<std::string>(&made)) {
        o.error("cannot make a launcher of " + *original_path + ": " + *why);
        return kUsage;
    }
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
    if (!a.default_for.empty()) {
        auto read = read_mimeapps(mimeapps_path);
        if (const auto* why = std::get_if<std::string>(&read)) {
            o.error(*why);
            return kUsage;
        }
        mimeapps = std::get<desktop::DesktopFile>(std::move(read));
        std::vector<std::string> types;
        for (const auto& item : a.default_for)
            types.push_back(desktop::handler_type(item));
        now = desktop::set_defaults(*mimeapps, types, id, previous);
        for (const auto& [type, old] : now)
            previous[type] = old;
    }
    if (!previous.empty()) entry.set(desktop::kPreviousKey, desktop::previous_value(previous));
    // The entry first: a default never names a launcher that is not there.
    if (!write_text(target, desktop::write(launcher))) {
        o.error("cannot write " + target);
        return kInternal;
    }
    std::fprintf(o.out, "wrote %s\n", target.c_str());
    if (mimeapps) {
        if (!write_text(mimeapps_path, desktop::write(*mimeapps))) {
            o.error("cannot write " + mimeapps_path);
            return kInternal;
        }
        for (const auto& [type, old] : now)
            std::fprintf(o.out, "%s: %s (was %s)\n", type.c_str(), id.c_str(), shown(old).c_str());
    }
    return kOk;
}

}  // namespace aalayer::cli
