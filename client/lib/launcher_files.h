// Launchers in the user's own directories: the menu entry that starts an
// application under a layer (docs/user-guide.md, "Launchers"), written,
// found and removed, and the user's default handlers (mimeapps.list)
// pointed at it and back. For the aalayer command and settings panels alike:
// reads and writes files and the environment (the XDG base directories),
// calls no service, prints nothing; each answer says what was done, or why
// not. Safe from any thread, but two writers of one user's files at once
// may lose one's change to mimeapps.list.
#pragma once

#include <string>
#include <vector>

namespace aalayer::client {

enum class LauncherProblem {
    none,
    not_found,     // no such desktop entry; no launcher to remove
    refused,       // a file not ours or that does not parse, no home directory
    cannot_write,  // the file system refused a write or a removal
};

// A default handler the launcher took, or gave back.
struct DefaultHandler {
    std::string type;   // "x-scheme-handler/http", "text/html"
    std::string other;  // what mimeapps.list says instead: before it was taken, or again ("" for nothing)
};

struct LauncherOutcome {
    LauncherProblem problem = LauncherProblem::none;
    std::string message;  // the problem for people: "no desktop entry ..."; "" when none
    std::string path;     // the launcher's file ("" when there is no home directory)
    // Install: the launcher's file is written (taking the defaults may have
    // failed after it). Remove: the defaults are given back (removing the
    // file may have failed after it).
    bool done_first = false;
    // Install: the types the launcher is now the default for. Remove: the
    // types given back.
    std::vector<DefaultHandler> defaults;
    [[nodiscard]] bool ok() const { return problem == LauncherProblem::none; }
};

struct LauncherRequest {
    std::string base;
    std::string name;
    std::string desktop_id;  // the application's own entry: "firefox-esr.desktop" (or "firefox-esr")
    std::string label;       // in parentheses after its name; "": the layer's name
    std::string aalayer;     // the program Exec runs, an absolute path: aalayer_program()
    std::vector<std::string> default_for;  // URL schemes ("http") and MIME types to take
};

// The aalayer command a launcher runs. A program calling this library cannot
// name its own executable (/proc/self/exe is the panel, not aalayer): this
// is $AALAYER_CLI when it is an absolute path (a build directory, the
// tests), else where the build of this library installs aalayer
// (PREFIX/BINDIR/aalayer: /usr/bin/aalayer in Debian's packages).
std::string aalayer_program();

// Where the launcher of `desktop_id` under the layer NAME goes:
// $XDG_DATA_HOME/applications/aalayer-ID-NAME.desktop (else ~/.local/share).
// Only `path` and, without a home directory, `problem` (refused) are set.
LauncherOutcome launcher_file(const std::string& desktop_id, const std::string& layer_name);

// Whether a launcher written by aalayer for the layer BASE/NAME is there.
bool launcher_installed(const std::string& base, const std::string& name, const std::string& desktop_id);

// Writes the launcher (made from the desktop entry the XDG rules find for
// request.desktop_id), then makes it the default for request.default_for in
// $XDG_CONFIG_HOME/mimeapps.list, remembering in it what each type had. A
// launcher there already is replaced; what it took stays remembered. Does
// not ask the service whether the layer exists.
LauncherOutcome install_launcher(const LauncherRequest& request);

// Gives back the defaults the launcher took (where they still name it), then
// removes it. A file of that name that aalayer did not write is left alone
// (refused).
LauncherOutcome remove_launcher(const std::string& desktop_id, const std::string& layer_name);

}  // namespace aalayer::client
