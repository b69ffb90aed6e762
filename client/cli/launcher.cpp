// aalayer launcher: a desktop entry that starts an application under a layer,
// and the user's default handlers pointed at it and back (client/desktop/
// decides what the files say, client/lib/launcher_files.cpp writes them;
// this file asks the service about the layer and prints what was done).
#include <filesystem>

#include <unistd.h>

#include "client/cli/commands.h"
#include "client/cli/exit_codes.h"
#include "client/lib/launcher_files.h"

namespace aalayer::cli {

namespace {

// A mimeapps.list value for people: "a.desktop;b.desktop;" as "a.desktop;b.desktop".
std::string shown(const std::string& old) {
    if (old.empty()) return "nothing";
    return old.ends_with(';') ? old.substr(0, old.size() - 1) : old;
}

int failed(const Output& o, const client::LauncherOutcome& outcome) {
    o.error(outcome.message);
    switch (outcome.problem) {
        case client::LauncherProblem::not_found: return kNotFound;
        case client::LauncherProblem::cannot_write: return kInternal;
        case client::LauncherProblem::none:
        case client::LauncherProblem::refused: break;
    }
    return kUsage;
}

int remove_launcher(const Args& a, const Output& o) {
    const auto removed = client::remove_launcher(a.desktop, a.layer.name);
    for (const auto& d : removed.defaults)
        std::fprintf(o.out, "%s: %s again\n", d.type.c_str(), shown(d.other).c_str());
    if (!removed.ok()) return failed(o, removed);
    std::fprintf(o.out, "removed %s\n", removed.path.c_str());
    return kOk;
}

}  // namespace

int cmd_launcher(client::Client& c, const Args& a, const Output& o) {
    if (const auto place = client::launcher_file(a.desktop, a.layer.name); !place.ok())
        return failed(o, place);
    if (a.remove) return remove_launcher(a, o);

    const auto uid = static_cast<std::uint32_t>(::geteuid());
    bool have = false;
    for (const auto& l : c.layers())
        have = have || (l.owner == uid && l.base == a.layer.base && l.name == a.layer.name);
    if (!have) {
        o.error("you have no layer " + a.layer.text() + " (create it with apply)");
        return kNotFound;
    }
    // This very aalayer, wherever it runs from (client::aalayer_program() is
    // for programs that are not aalayer).
    std::error_code error;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    const auto written = client::install_launcher(
        {a.layer.base, a.layer.name, a.desktop, a.label, error ? "aalayer" : self.string(), a.default_for});
    if (written.done_first) std::fprintf(o.out, "wrote %s\n", written.path.c_str());
    if (!written.ok()) return failed(o, written);
    const std::string id = std::filesystem::path(written.path).filename().string();
    for (const auto& d : written.defaults)
        std::fprintf(o.out, "%s: %s (was %s)\n", d.type.c_str(), id.c_str(), shown(d.other).c_str());
    return kOk;
}

}  // namespace aalayer::cli
