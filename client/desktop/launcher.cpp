#include "client/desktop/launcher.h"

#include <optional>

namespace aalayer::desktop {

namespace {

constexpr std::string_view kDefaults = "Default Applications";

// `raw` (an Exec value as written) run under the layer; nothing when it does not parse.
std::optional<std::string> wrapped_exec(const std::string& raw, const LauncherSpec& spec) {
    const auto exec = unescape(raw);
    if (!exec) return std::nullopt;
    auto words = split_exec(*exec);
    if (!words || words->empty()) return std::nullopt;
    std::vector<std::string> out{exec_literal(spec.aalayer), "run", exec_literal(spec.base + "/" + spec.name),
                                 "--"};
    out.insert(out.end(), words->begin(), words->end());
    return escape(join_exec(out));
}

std::string first_of(const std::string* list) {
    if (list == nullptr) return {};
    const auto items = split_list(*list);
    return items.empty() ? std::string() : items.front();
}

}  // namespace

std::string launcher_id(std::string_view original_id, std::string_view layer_name) {
    std::string_view stem = original_id;
    if (stem.ends_with(".desktop")) stem.remove_suffix(8);
    return "aalayer-" + std::string(stem) + "-" + std::string(layer_name) + ".desktop";
}

std::variant<DesktopFile, std::string> make_launcher(const DesktopFile& original, const LauncherSpec& spec) {
    const Group* entry = original.group("Desktop Entry");
    if (entry == nullptr) return std::string("it has no [Desktop Entry] group");
    const std::string* type = entry->get("Type");
    if (type == nullptr || *type != "Application")
        return std::string("it is not an application (Type=") + (type != nullptr ? *type : "") + ")";
    if (entry->get("Exec") == nullptr) return std::string("it has no Exec: it is started over D-Bus only");

    DesktopFile out = original;
    out.leading = {"# Written by aalayer launcher: " + spec.original_id + " under the layer " + spec.base +
                       "/" + spec.name + ".",
                   "# aalayer launcher " + spec.base + "/" + spec.name + " --desktop " + spec.original_id +
                       " --remove undoes it."};
    const std::string label = spec.label.empty() ? spec.name : spec.label;
    for (Group& g : out.groups) {
        const bool main_group = g.name == "Desktop Entry";
        if (!main_group && !g.name.starts_with("Desktop Action ")) continue;
        if (const std::string* exec = g.get("Exec")) {
            auto wrapped = wrapped_exec(*exec, spec);
            if (!wrapped) return "[" + g.name + "] Exec does not parse: " + *exec;
            g.set("Exec", std::move(*wrapped));
        }
        if (!main_group) continue;
        for (Entry& e : g.entries)
            if (split_locale(e.key).first == "Name") e.value += " (" + escape(label) + ")";
        g.erase("DBusActivatable");
        g.erase("TryExec");
        g.set(kLayerKey, escape(spec.base + "/" + spec.name));
        g.set(kSourceKey, spec.original_id);
    }
    return out;
}

std::string handler_type(std::string_view scheme_or_type) {
    if (scheme_or_type.find('/') != std::string_view::npos) return std::string(scheme_or_type);
    return "x-scheme-handler/" + std::string(scheme_or_type);
}

std::map<std::string, std::string> set_defaults(DesktopFile& mimeapps, const std::vector<std::string>& types,
                                                const std::string& id,
                                                const std::map<std::string, std::string>& previous) {
    Group& g = mimeapps.add_group(std::string(kDefaults));
    std::map<std::string, std::string> was;
    for (const auto& type : types) {
        const std::string* current = g.get(type);
        if (first_of(current) == id) {
            const auto known = previous.find(type);
            was[type] = known != previous.end() ? known->second : std::string();
        } else {
            was[type] = current != nullptr ? *current : std::string();
        }
        g.set(type, id + ";");
    }
    return was;
}

void restore_defaults(DesktopFile& mimeapps, const std::map<std::string, std::string>& previous,
                      const std::string& id) {
    Group* g = mimeapps.group(kDefaults);
    if (g == nullptr) return;
    for (const auto& [type, old] : previous) {
        if (first_of(g->get(type)) != id) continue;
        if (old.empty()) {
            g->erase(type);
        } else {
            g->set(type, old);
        }
    }
}

std::string previous_value(const std::map<std::string, std::string>& previous) {
    // Desktop file IDs have no ',' (nor ';' or ':'): the old list joined with ','.
    std::string out;
    for (const auto& [type, old] : previous) {
        std::string ids;
        for (const auto& item : split_list(old))
            ids += (ids.empty() ? "" : ",") + item;
        out += type + ":" + ids + ";";
    }
    return out;
}

std::map<std::string, std::string> parse_previous(std::string_view value) {
    std::map<std::string, std::string> out;
    for (const auto& item : split_list(value)) {
        const auto colon = item.find(':');
        if (colon == std::string::npos) continue;
        std::vector<std::string> ids;
        std::string_view rest = std::string_view(item).substr(colon + 1);
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            ids.emplace_back(rest.substr(0, comma));
            rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
        }
        out[item.substr(0, colon)] = ids.empty() ? std::string() : join_list(ids);
    }
    return out;
}

}  // namespace aalayer::desktop
