#include "client/notify/notice_policy.h"

#include <algorithm>

namespace aalayer::notify {

namespace {

// The record as the service de-duplicates it (docs/dbus-api.md, `count`).
std::string record_key(const client::Denial& d) {
    std::string key;
    for (const auto* part :
         {&d.operation, &d.path, &d.peer, &d.detail, &d.requested, &d.denied, &d.mode, &d.origin, &d.owner})
        key += *part + '\0';
    return key;
}

// What counts as "the same denial" for quiet repeats: the layer, the
// operation, what it was about and the denied mask (not the pid, not owner/other).
std::string notice_key(const std::string& object_path, const client::Denial& d) {
    std::string key = object_path;
    for (const auto* part : {&d.operation, &d.path, &d.peer, &d.detail, &d.denied})
        key += '\0' + *part;
    return key;
}

std::string what_of(const client::Denial& d) {
    std::string what = !d.path.empty() ? d.path : !d.peer.empty() ? "peer " + d.peer : d.detail;
    if (!d.path.empty() && !d.peer.empty()) what += " peer " + d.peer;
    return what;
}

// "open /home/u/x: r (owner)".
std::string line_of(const client::Denial& d) {
    std::string line = d.operation + " " + what_of(d);
    const std::string& mask = d.denied.empty() ? d.requested : d.denied;
    if (!mask.empty()) line += ": " + mask;
    if (!d.owner.empty()) line += " (" + d.owner + ")";
    return line;
}

std::string program_of(const std::vector<client::Denial>& records) {
    if (records.empty() || records.front().comm.empty()) return "a program";
    const std::string& comm = records.front().comm;
    const bool same =
        std::all_of(records.begin(), records.end(), [&](const client::Denial& d) { return d.comm == comm; });
    return same ? comm : "programs";
}

bool can_allow(const client::Denial& d) {
    return d.allow == "layer" && !d.rule.empty();
}

}  // namespace

std::optional<std::string> skipped_because(const client::Denial& d) {
    // The base profile's own denials are the admin's: no layer of the user's
    // can change them, and they would come whatever the layer says.
    if (d.origin == "base") return "the base profile denied it on its own: the admin's";
    // Complain mode: done and logged, not denied; the user asked for a log (aalayer log, learn).
    if (d.mode == "complain") return "complain mode: allowed and logged, not denied";
    return std::nullopt;
}

std::string layer_text(const LayerName& layer) {
    return layer.base + "/" + layer.name;
}

Notice single_notice(const LayerName& layer, const client::Denial& d) {
    Notice n{layer, program_of({d}) + " (" + layer.name + ") was denied", {}, can_allow(d), 1};
    n.body = line_of(d) + "\n";
    if (!d.note.empty()) {
        n.body += d.note + "\n";
    } else if (can_allow(d)) {
        n.body += "your layer would allow it with: " + d.rule + "\n";
    } else if (d.allow == "admin") {
        n.body += "only the admin can allow this\n";
    }
    n.body += "aalayer log " + layer_text(layer);
    return n;
}

Notice burst_notice(const LayerName& layer, const std::vector<client::Denial>& first, std::size_t total,
                    bool can_allow) {
    if (total == 1 && !first.empty()) return single_notice(layer, first.front());
    Notice n{layer,
             program_of(first) + " (" + layer.name + "): " + std::to_string(total) + " more denials",
             {},
             can_allow,
             total};
    for (const auto& d : first)
        n.body += line_of(d) + "\n";
    if (total > first.size()) n.body += "and " + std::to_string(total - first.size()) + " more\n";
    n.body += "aalayer log " + layer_text(layer);
    return n;
}

bool NoticePolicy::fresh(PerLayer& l, const client::Denial& d) {
    auto& count = l.counts[record_key(d)];
    if (d.count <= count) return false;
    count = d.count;
    return true;
}

bool NoticePolicy::repeat(const PerLayer& l, const client::Denial& d, Clock::time_point now) {
    if (settings_.all_repeats) return false;
    const auto [it, inserted] = notified_.try_emplace(notice_key(l.name.object_path, d), now);
    if (inserted) return false;
    if (settings_.repeat_after.count() > 0 && now - it->second >= settings_.repeat_after) {
        it->second = now;
        return false;
    }
    return true;
}

void NoticePolicy::baseline(const LayerName& layer, const std::vector<client::Denial>& records) {
    auto& l = layers_[layer.object_path];
    l.name = layer;
    for (const auto& d : records) {
        if (!fresh(l, d)) continue;
        // Shown or not, an old denial counts as notified: its repeat is not news.
        if (!skipped_because(d)) notified_.try_emplace(notice_key(layer.object_path, d), Clock::time_point{});
    }
}

std::vector<Notice> NoticePolicy::add(const LayerName& layer, const std::vector<client::Denial>& records,
                                      Clock::time_point now) {
    auto& l = layers_[layer.object_path];
    l.name = layer;
    std::vector<Notice> out;
    for (const auto& d : records) {
        if (!fresh(l, d) || skipped_because(d) || repeat(l, d, now)) continue;
        const bool quiet = l.last_shown && now - *l.last_shown < settings_.interval;
        if (!quiet && l.held.empty()) {
            out.push_back(single_notice(layer, d));
            l.last_shown = now;
        } else {
            if (l.held.size() < kListed) l.held.push_back(d);
            ++l.held_total;
            l.held_can_allow = l.held_can_allow || can_allow(d);
        }
    }
    return out;
}

std::vector<Notice> NoticePolicy::due(Clock::time_point now) {
    std::vector<Notice> out;
    for (auto& [path, l] : layers_) {
        if (l.held.empty() || (l.last_shown && now - *l.last_shown < settings_.interval)) continue;
        out.push_back(burst_notice(l.name, l.held, l.held_total, l.held_can_allow));
        l.held.clear();
        l.held_total = 0;
        l.held_can_allow = false;
        l.last_shown = now;
    }
    return out;
}

std::optional<Clock::time_point> NoticePolicy::next_due() const {
    std::optional<Clock::time_point> next;
    for (const auto& [path, l] : layers_) {
        if (l.held.empty()) continue;
        const auto at = l.last_shown ? *l.last_shown + settings_.interval : Clock::time_point{};
        if (!next || at < *next) next = at;
    }
    return next;
}

void NoticePolicy::forget(const std::string& object_path) {
    const auto it = layers_.find(object_path);
    if (it == layers_.end()) return;
    it->second.held.clear();
    it->second.held_total = 0;
    it->second.held_can_allow = false;
}

void NoticePolicy::restarted(const std::string& object_path) {
    const auto it = layers_.find(object_path);
    if (it != layers_.end()) it->second.counts.clear();
}

}  // namespace aalayer::notify
