// Layers kept as files in the user's home: where they live, how a base's name
// becomes one directory's name and back, and reading them (docs/user-guide.md,
// "Layers that follow you: aalayer sync").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aalayer::sync {

// A base's name as one directory name: '%' as %25, '/' as %2F, and a leading
// '.' as %2E (a directory starting with '.' is never a base: .git is not);
// every other byte as it is. "firefox" stays "firefox", "/usr/bin/man" is
// "%2Fusr%2Fbin%2Fman".
std::string escape_base(std::string_view base);
// The base a directory name stands for: each %XX (two hex digits, either
// case) is that byte. Nothing when a '%' is not followed by two hex digits,
// or the name is empty, "." or "..".
std::optional<std::string> unescape_base(std::string_view directory);

// $XDG_CONFIG_HOME/aalayer/layers, or HOME/.config/aalayer/layers when
// XDG_CONFIG_HOME is unset, empty or relative (the XDG base directory rules).
// Empty when neither gives an absolute directory.
std::string layers_directory(const char* xdg_config_home, const std::string& home);

struct LayerFile {
    std::string base;
    std::string name;
    std::string path;  // the file, for findings and messages
    std::string text;
};

struct LayerFiles {
    std::vector<LayerFile> files;  // sorted by base, then name
    // What was skipped and why, one sentence each ("PATH: ..."): a directory
    // name that is no escaped base, an unreadable file.
    std::vector<std::string> problems;
};

// Every DIRECTORY/BASE/NAME.layer below `directory`. Names starting with '.'
// (.git, an editor's swap file) and files not ending in .layer are skipped
// silently; a missing `directory` has no files.
LayerFiles read_layer_files(const std::string& directory);

}  // namespace aalayer::sync
