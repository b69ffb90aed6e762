// Desktop entry files (the freedesktop.org Desktop Entry Specification 1.5)
// read and written as text: groups of KEY=VALUE lines, localized keys
// (Name[de]), string escapes, and Exec's own quoting and field codes. Pure:
// no files, no environment.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace aalayer::desktop {

struct Entry {
    std::string key;    // with its locale: "Name[de]"
    std::string value;  // as written: escapes not undone
};

struct Group {
    std::string name;  // "Desktop Entry", "Desktop Action new-window"
    std::vector<Entry> entries;
    // Comment and blank lines, kept before the entry at that index.
    std::vector<std::pair<std::size_t, std::string>> comments;

    [[nodiscard]] const std::string* get(std::string_view key) const;
    void set(std::string_view key, std::string value);  // replaces, or appends
    void erase(std::string_view key);
};

struct DesktopFile {
    std::vector<std::string> leading;  // comment and blank lines before the first group
    std::vector<Group> groups;

    [[nodiscard]] const Group* group(std::string_view name) const;
    Group* group(std::string_view name);
    Group& add_group(std::string name);  // the existing one of that name, or a new one at the end
};

// How keys are checked: a desktop entry's (A-Za-z0-9-, then [LOCALE]), or
// any text without control characters (mimeapps.list's keys are MIME types).
enum class Keys { desktop_entry, any };

// The file, or a message "line N: ..." for the first line that is no group
// header, KEY=VALUE, comment or blank, a key before any group, a group or
// key given twice.
std::variant<DesktopFile, std::string> parse(std::string_view text, Keys keys = Keys::desktop_entry);
// Lines as parsed, one "\n" each.
std::string write(const DesktopFile& file);

// "Name[de_DE@euro]" into "Name" and "de_DE@euro" ("" when not localized).
std::pair<std::string_view, std::string_view> split_locale(std::string_view key);

// A string value's escapes (\s \n \t \r \\) undone; nothing for an unknown
// escape or a trailing backslash.
std::optional<std::string> unescape(std::string_view value);
// The reverse: a value a string key may hold (a leading space as \s).
std::string escape(std::string_view text);

// A list value ("a;b;c;" or "a;b;c", "\;" for a ';' in an item).
std::vector<std::string> split_list(std::string_view value);
std::string join_list(const std::vector<std::string>& items);  // each ended with ';'

// The Exec key's words, its value already unescaped: quoted words ("...",
// with \" \` \$ \\ inside) undone; field codes (%u, %f, ...) and "%%" left as
// written. Nothing for an unterminated quote or a reserved character outside
// quotes.
std::optional<std::vector<std::string>> split_exec(std::string_view exec);
// Words into an Exec value (before escape()): a word with a reserved
// character (space, quote, \, >, <, ~, |, &, ;, $, *, ?, #, (, ), `) in
// double quotes, with ", `, $ and \ escaped. Words are taken as written
// (a field code stays one; write a literal '%' as "%%": exec_literal).
std::string join_exec(const std::vector<std::string>& words);
// `text` as an Exec word meaning exactly itself: '%' doubled.
std::string exec_literal(std::string_view text);

// The program an Exec runs: its first word with "%%" as '%'; nothing when it
// has no words or does not parse.
std::optional<std::string> exec_program(std::string_view unescaped_exec);

}  // namespace aalayer::desktop
