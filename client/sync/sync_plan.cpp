#include "client/sync/sync_plan.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

namespace aalayer::sync {

std::string marked_text(std::string_view file_text) {
    std::string out(file_text);
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += kSyncMark;
    out += '\n';
    return out;
}

bool is_marked(std::string_view layer_text) {
    if (layer_text.ends_with('\n')) layer_text.remove_suffix(1);
    if (!layer_text.ends_with(kSyncMark)) return false;
    const auto before = layer_text.size() - kSyncMark.size();
    return before == 0 || layer_text[before - 1] == '\n';
}

std::string_view kind_word(ActionKind kind) {
    switch (kind) {
        case ActionKind::add: return "add";
        case ActionKind::replace: return "replace";
        case ActionKind::remove: return "remove";
        case ActionKind::reset: return "reset";
    }
    return "?";
}

std::vector<Action> plan(const std::vector<LayerFile>& files, const std::vector<ServiceLayer>& layers) {
    using Key = std::pair<std::string, std::string>;
    std::map<Key, const ServiceLayer*> in_service;
    for (const auto& l : layers)
        in_service.emplace(Key{l.base, l.name}, &l);
    std::map<Key, const LayerFile*> in_files;
    for (const auto& f : files)
        in_files.emplace(Key{f.base, f.name}, &f);

    std::vector<Action> actions;
    for (const auto& [key, file] : in_files) {
        std::string text = marked_text(file->text);
        const auto found = in_service.find(key);
        if (found != in_service.end() && found->second->text == text) continue;
        actions.push_back({found == in_service.end() ? ActionKind::add : ActionKind::replace, key.first,
                           key.second, file->path, std::move(text)});
    }
    for (const auto& [key, layer] : in_service) {
        if (in_files.contains(key) || !is_marked(layer->text)) continue;
        actions.push_back({layer->origin == "replaced" ? ActionKind::reset : ActionKind::remove,
                           key.first,
                           key.second,
                           {},
                           {}});
    }
    std::ranges::sort(actions, [](const Action& a, const Action& b) {
        return std::tie(a.base, a.name) < std::tie(b.base, b.name);
    });
    return actions;
}

}  // namespace aalayer::sync
