// aalayer launcher, decided without files: a desktop entry that starts an
// application under a layer, made from the application's own entry, and the
// user's default handlers (mimeapps.list) set to it and back
// (docs/user-guide.md, "Launchers").
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "client/desktop/desktop_entry.h"

namespace aalayer::desktop {

// Keys of the launcher's [Desktop Entry] that say what it is and undo it.
inline constexpr std::string_view kLayerKey = "X-Aalayer-Layer";        // BASE/NAME
inline constexpr std::string_view kSourceKey = "X-Aalayer-Source";      // the original's desktop file ID
inline constexpr std::string_view kPreviousKey = "X-Aalayer-Previous";  // TYPE:OLD;... (restore_defaults)

struct LauncherSpec {
    std::string base;
    std::string name;
    std::string label;        // shown in parentheses after the name; empty: the layer's name
    std::string aalayer;      // the program Exec runs: aalayer, as an absolute path
    std::string original_id;  // "firefox-esr.desktop"
};

// "aalayer-firefox-esr-banking.desktop" for firefox-esr.desktop and the layer banking.
std::string launcher_id(std::string_view original_id, std::string_view layer_name);

// The launcher: the original's groups and keys, with every Exec (the entry's
// and each action's) run as `aalayer run BASE/NAME -- ORIGINAL WORDS` (field
// codes kept), each Name and Name[LOCALE] followed by " (LABEL)", D-Bus
// activation and TryExec dropped (a launcher activated over D-Bus or hidden
// for a missing program would not run under the layer), and kLayerKey and
// kSourceKey added. A message when the original is no Application entry or an
// Exec does not parse.
std::variant<DesktopFile, std::string> make_launcher(const DesktopFile& original, const LauncherSpec& spec);

// "http" as "x-scheme-handler/http"; a MIME type ("text/html") as it is.
std::string handler_type(std::string_view scheme_or_type);

// Makes `id` the default for each type in mimeapps.list's [Default
// Applications], as xdg-mime default does. Returns what each type had before
// ("" for nothing), for restore_defaults; a type that already had `id` keeps
// what `previous` says it had before.
std::map<std::string, std::string> set_defaults(DesktopFile& mimeapps, const std::vector<std::string>& types,
                                                const std::string& id,
                                                const std::map<std::string, std::string>& previous);
// Each type whose default is still `id` back to what it had (removed when it
// had nothing); a type the user has since given another default is left alone.
void restore_defaults(DesktopFile& mimeapps, const std::map<std::string, std::string>& previous,
                      const std::string& id);

// kPreviousKey's value and back: "TYPE:OLD;" for each type (OLD as
// mimeapps.list had it, its ';' escaped).
std::string previous_value(const std::map<std::string, std::string>& previous);
std::map<std::string, std::string> parse_previous(std::string_view value);

}  // namespace aalayer::desktop
