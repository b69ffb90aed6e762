// The desktop entries of the user's session, for the aalayer CLI and for
// settings panels: where the XDG base directory rules find an entry, and
// which entries start a base (their Exec's program matching the base's
// attachment, an AppArmor glob; Manager1 lists the bases with their
// attachments). Reads files and the environment, calls no service; safe
// from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace aalayer::client {

struct DesktopEntryInfo {
    std::string id;       // the desktop file ID: "firefox-esr.desktop"
    std::string path;     // the file the XDG rules pick for it
    std::string name;     // its Name, not localized ("" when it has none)
    std::string program;  // what its Exec runs, found in PATH, symlinks resolved
};

// Each XDG data directory's applications/, most important first:
// $XDG_DATA_HOME (else ~/.local/share), then $XDG_DATA_DIRS (else
// /usr/local/share:/usr/share). Relative directories are ignored.
std::vector<std::string> application_dirs();

// The file of desktop file ID `id` ("kde-foo.desktop" may be kde/foo.desktop),
// from the first directory that has it.
std::optional<std::string> find_desktop_file(const std::string& id);

// The entries whose program matches `attachment`, sorted by ID. Entries that
// are Hidden, are no application, or have no Exec are left out; so is every
// entry when the attachment is no glob (a variable left in it).
std::vector<DesktopEntryInfo> desktop_entries_for(const std::string& attachment);

}  // namespace aalayer::client
