#include "client/desktop/desktop_entry.h"

#include <algorithm>

namespace aalayer::desktop {

namespace {

constexpr std::string_view kReserved = " \t\n\"'\\><~|&;$*?#()`";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// A key's characters: A-Za-z0-9- (then an optional [locale]).
bool valid_key(std::string_view key) {
    const auto [name, locale] = split_locale(key);
    if (name.empty() || (key.size() != name.size() && locale.empty())) return false;
    return std::ranges::all_of(name, [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

}  // namespace

const std::string* Group::get(std::string_view key) const {
    for (const auto& e : entries)
        if (e.key == key) return &e.value;
    return nullptr;
}

void Group::set(std::string_view key, std::string value) {
    for (auto& e : entries) {
        if (e.key == key) {
            e.value = std::move(value);
            return;
        }
    }
    // After the group's last entry, before the blank lines that end it.
    for (auto& [at, line] : comments)
        if (at == entries.size()) ++at;
    entries.push_back({std::string(key), std::move(value)});
}

void Group::erase(std::string_view key) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].key != key) continue;
        entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(i));
        for (auto& [at, line] : comments)
            if (at > i) --at;
        return;
    }
}

const Group* DesktopFile::group(std::string_view name) const {
    for (const auto& g : groups)
        if (g.name == name) return &g;
    return nullptr;
}

Group* DesktopFile::group(std::string_view name) {
    for (auto& g : groups)
        if (g.name == name) return &g;
    return nullptr;
}

Group& DesktopFile::add_group(std::string name) {
    if (Group* g = group(name)) return *g;
    groups.push_back({std::move(name), {}, {}});
    return groups.back();
}

std::variant<DesktopFile, std::string> parse(std::string_view text, Keys keys) {
    DesktopFile file;
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (line.ends_with('\r')) line.remove_suffix(1);
        const std::string where = "line " + std::to_string(number) + ": ";
        if (trim(line).empty() || line.front() == '#') {
            if (file.groups.empty()) {
                file.leading.emplace_back(line);
            } else {
                auto& g = file.groups.back();
                g.comments.emplace_back(g.entries.size(), std::string(line));
            }
            continue;
        }
        if (line.front() == '[') {
            if (!line.ends_with(']') || line.size() < 3) return where + "a group header is [NAME]";
            const std::string name(line.substr(1, line.size() - 2));
            if (name.find_first_of("[]") != std::string::npos || std::ranges::any_of(name, [](char c) {
                    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                }))
                return where + "a group name has no '[', ']' or control characters";
            if (file.group(name) != nullptr) return where + "group [" + name + "] given twice";
            file.groups.push_back({name, {}, {}});
            continue;
        }
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) return where + "neither KEY=VALUE, [GROUP] nor a comment";
        if (file.groups.empty()) return where + "a key before the first group";
        const std::string key(trim(line.substr(0, equals)));
        if (keys == Keys::desktop_entry && !valid_key(key))
            return where + "'" + key + "' is not a key (A-Z a-z 0-9 -, then [LOCALE])";
        if (key.empty() ||
            std::ranges::any_of(key, [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
            return where + "a key is not empty and has no control characters";
        auto& g = file.groups.back();
        if (g.get(key) != nullptr) return where + "key " + key + " given twice in [" + g.name + "]";
        std::string_view value = line.substr(equals + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
            value.remove_prefix(1);
        g.entries.push_back({key, std::string(value)});
    }
    return file;
}

std::string write(const DesktopFile& file) {
    std::string out;
    for (const auto& line : file.leading)
        out += line + "\n";
    for (const auto& g : file.groups) {
        out += "[" + g.name + "]\n";
        for (std::size_t i = 0; i <= g.entries.size(); ++i) {
            for (const auto& [at, line] : g.comments)
                if (at == i) out += line + "\n";
            if (i < g.entries.size()) out += g.entries[i].key + "=" + g.entries[i].value + "\n";
        }
    }
    return out;
}

std::pair<std::string_view, std::string_view> split_locale(std::string_view key) {
    const auto open = key.find('[');
    if (open == std::string_view::npos || !key.ends_with(']')) return {key, {}};
    return {key.substr(0, open), key.substr(open + 1, key.size() - open - 2)};
}

std::optional<std::string> unescape(std::string_view value) {
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '\\') {
            out += value[i];
            continue;
        }
        if (++i == value.size()) return std::nullopt;
        switch (value[i]) {
            case 's': out += ' '; break;
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case '\\': out += '\\'; break;
            case ';':  // kept for split_list: "\;" is a ';' inside an item of a list
                out += "\\;";
                break;
            default: return std::nullopt;
        }
    }
    return out;
}

std::string escape(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == ' ' && i == 0) {
            out += "\\s";
        } else {
            out += c;
        }
    }
    return out;
}

std::vector<std::string> split_list(std::string_view value) {
    std::vector<std::string> items;
    std::string item;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\\' && i + 1 < value.size() && value[i + 1] == ';') {
            item += ';';
            ++i;
        } else if (value[i] == ';') {
            items.push_back(std::move(item));
            item.clear();
        } else {
            item += value[i];
        }
    }
    if (!item.empty()) items.push_back(std::move(item));
    return items;
}

std::string join_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        for (const char c : item)
            out += c == ';' ? std::string("\\;") : std::string(1, c);
        out += ';';
    }
    return out;
}

std::optional<std::vector<std::string>> split_exec(std::string_view exec) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (true) {
        while (i < exec.size() && exec[i] == ' ')
            ++i;
        if (i == exec.size()) break;
        std::string word;
        if (exec[i] == '"') {
            // A quoted word is the whole word: "a"b is not one.
            for (++i; i < exec.size() && exec[i] != '"'; ++i) {
                if (exec[i] == '\\') {
                    if (i + 1 == exec.size() ||
                        std::string_view("\"`$\\").find(exec[i + 1]) == std::string_view::npos)
                        return std::nullopt;
                    ++i;
                }
                word += exec[i];
            }
            if (i == exec.size()) return std::nullopt;
            ++i;
            if (i < exec.size() && exec[i] != ' ') return std::nullopt;
        } else {
            for (; i < exec.size() && exec[i] != ' '; ++i) {
                if (kReserved.find(exec[i]) != std::string_view::npos) return std::nullopt;
                word += exec[i];
            }
        }
        words.push_back(std::move(word));
    }
    return words;
}

std::string join_exec(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& word : words) {
        if (!out.empty()) out += ' ';
        if (!word.empty() && word.find_first_of(kReserved) == std::string::npos) {
            out += word;
            continue;
        }
        out += '"';
        for (const char c : word) {
            if (c == '"' || c == '`' || c == '$' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out;
}

std::string exec_literal(std::string_view text) {
    std::string out;
    for (const char c : text)
        out += c == '%' ? std::string("%%") : std::string(1, c);
    return out;
}

std::optional<std::string> exec_program(std::string_view unescaped_exec) {
    const auto words = split_exec(unescaped_exec);
    if (!words || words->empty()) return std::nullopt;
    std::string program;
    const std::string& first = words->front();
    for (std::size_t i = 0; i < first.size(); ++i) {
        if (first[i] == '%' && i + 1 < first.size() && first[i + 1] == '%') ++i;
        program += first[i];
    }
    return program;
}

}  // namespace aalayer::desktop
