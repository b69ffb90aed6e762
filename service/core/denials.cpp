#include "service/core/denials.h"

#include <charconv>

namespace aalayer::service {

namespace {

constexpr std::string_view kChildMark = "//aalayer.";

// "A//&B//&C" into its components.
std::vector<std::string_view> components(std::string_view label) {
    std::vector<std::string_view> out;
    while (true) {
        const auto at = label.find("//&");
        out.push_back(label.substr(0, at));
        if (at == std::string_view::npos) break;
        label.remove_prefix(at + 3);
    }
    return out;
}

// What a record keeps of a field: the path whole (up to the parser's 4096
// bytes), every other field at most 256 bytes, so a record and its key
// take at most some 12 KiB.
constexpr std::size_t kMaxSmallField = 256;
std::string small(std::string&& s) {
    if (s.size() > kMaxSmallField) s.resize(kMaxSmallField);
    return std::move(s);
}

// The same record, seen again: one entry with a count.
std::string dedup_key(const Denial& d) {
    std::string key;
    for (const std::string* part : {&d.operation, &d.path, &d.peer, &d.detail, &d.requested, &d.denied}) {
        key += *part;
        key += '\0';
    }
    key += d.complain ? 'c' : 'e';
    key += static_cast<char>('0' + static_cast<int>(d.origin));
    key += d.owner() ? 'o' : '-';
    return key;
}

}  // namespace

std::optional<LayerKey> layer_of_profile(std::string_view profile) {
    const auto at = profile.rfind(kChildMark);
    if (at == std::string_view::npos || at == 0) return std::nullopt;
    const std::string_view base = profile.substr(0, at);
    std::string_view rest = profile.substr(at + kChildMark.size());
    const auto dot = rest.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == rest.size()) return std::nullopt;
    std::uint32_t uid = 0;
    const auto* end = rest.data() + dot;
    auto [ptr, ec] = std::from_chars(rest.data(), end, uid);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    const std::string_view name = rest.substr(dot + 1);
    if (name.find('/') != std::string_view::npos) return std::nullopt;  // a hat or a sub-profile
    return LayerKey{uid, std::string(base), std::string(name)};
}

DenialLog::DenialLog(DenialLimits limits) : limits_(limits) {
    if (limits_.per_layer == 0) limits_.per_layer = 1;
}

void DenialLog::set_known(Known known) {
    const std::lock_guard lock(mutex_);
    known_ = std::move(known);
}

void DenialLog::set_labels(const ProcessLabels* labels) {
    const std::lock_guard lock(mutex_);
    labels_ = labels;
}

void DenialLog::set_listener(Listener listener) {
    const std::lock_guard lock(mutex_);
    listener_ = std::move(listener);
}

std::optional<std::pair<LayerKey, DenialOrigin>> DenialLog::attribute(const AuditRecord& r) const {
    Known known;
    const ProcessLabels* labels = nullptr;
    {
        const std::lock_guard lock(mutex_);
        known = known_;
        labels = labels_;
    }
    const auto is_known = [&](const LayerKey& k) { return !known || known(k); };
    if (!r.profile.empty()) {
        // One profile: the child, or the base on its own.
        if (auto key = layer_of_profile(r.profile)) {
            if (is_known(*key)) return std::pair{*key, DenialOrigin::Layer};
            return std::nullopt;
        }
        if (labels == nullptr || r.pid == 0) return std::nullopt;
        const auto label = labels->label_of(r.pid);
        if (!label) return std::nullopt;
        for (const auto part : components(*label)) {
            auto key = layer_of_profile(part);
            if (key && key->base == r.profile && is_known(*key)) return std::pair{*key, DenialOrigin::Base};
        }
        return std::nullopt;
    }
    const auto parts = components(r.label);
    for (const auto part : parts) {
        auto key = layer_of_profile(part);
        if (key && is_known(*key))
            return std::pair{*key, parts.size() > 1 ? DenialOrigin::Stack : DenialOrigin::Layer};
    }
    return std::nullopt;
}

DenialLog::Added DenialLog::add(std::string_view text, std::uint64_t source_usec) {
    auto record = parse_audit_record(text);
    if (!record) return Added::NotAppArmor;
    const auto where = attribute(*record);
    Listener listener;
    {
        const std::lock_guard lock(mutex_);
        ++stats_.records;
        if (!where) {
            ++stats_.unattributed;
            return Added::NotALayer;
        }
        ++stats_.kept;
        const std::uint64_t time = record->time_usec != 0 ? record->time_usec : source_usec;
        Denial d;
        d.first_usec = d.last_usec = time;
        d.count = 1;
        d.seq = ++seq_;
        d.operation = small(std::move(record->operation));
        d.klass = small(std::move(record->klass));
        d.path = std::move(record->name);
        d.peer = small(std::move(record->peer));
        d.detail = small(std::move(record->detail));
        d.requested = small(std::move(record->requested));
        d.denied = small(std::move(record->denied));
        d.fsuid = record->fsuid;
        d.ouid = record->ouid;
        d.pid = record->pid;
        d.comm = small(std::move(record->comm));
        d.info = small(std::move(record->info));
        d.complain = record->complain;
        d.origin = where->second;
        Ring& ring = rings_[where->first];
        std::string key = dedup_key(d);
        if (const auto it = ring.index.find(key); it != ring.index.end()) {
            Denial& seen = *it->second;
            ++seen.count;
            seen.last_usec = std::max(seen.last_usec, time);
            seen.pid = d.pid;
            seen.comm = std::move(d.comm);
            seen.seq = d.seq;
            ring.order.splice(ring.order.end(), ring.order, it->second);
        } else {
            push(ring, std::move(d), std::move(key));
        }
        listener = listener_;
    }
    if (listener) listener(where->first);
    return Added::Kept;
}

void DenialLog::push(Ring& ring, Denial d, std::string key) {
    if (ring.order.size() >= limits_.per_layer) {
        ring.index.erase(dedup_key(ring.order.front()));
        ring.order.pop_front();
        ++ring.dropped;
        ++stats_.dropped;
    }
    ring.order.push_back(std::move(d));
    ring.index.emplace(std::move(key), std::prev(ring.order.end()));
}

std::vector<LayerKey> DenialLog::changed_layers(std::uint64_t seq) const {
    const std::lock_guard lock(mutex_);
    std::vector<LayerKey> out;
    for (const auto& [key, ring] : rings_)
        if (!ring.order.empty() && ring.order.back().seq > seq) out.push_back(key);
    return out;
}

std::optional<StoredDenials> DenialLog::saved_form(const LayerKey& key) const {
    const std::lock_guard lock(mutex_);
    const auto it = rings_.find(key);
    if (it == rings_.end()) return std::nullopt;
    StoredDenials out{key, it->second.dropped, {}};
    out.records.assign(it->second.order.begin(), it->second.order.end());
    return out;
}

void DenialLog::restore(StoredDenials saved) {
    const std::lock_guard lock(mutex_);
    Ring& ring = rings_[saved.key];
    ring.dropped += saved.dropped;
    for (auto& d : saved.records) {
        d.seq = ++seq_;
        // Saved by this service, so distinct; a hand-edited duplicate counts once.
        std::string key = dedup_key(d);
        if (const auto it = ring.index.find(key); it != ring.index.end()) {
            it->second->count += d.count;
            it->second->seq = d.seq;
            ring.order.splice(ring.order.end(), ring.order, it->second);
            continue;
        }
        push(ring, std::move(d), std::move(key));
    }
}

DenialLog::Snapshot DenialLog::since(const LayerKey& key, std::uint64_t since_usec) const {
    const std::lock_guard lock(mutex_);
    Snapshot out;
    const auto it = rings_.find(key);
    if (it == rings_.end()) return out;
    out.dropped = it->second.dropped;
    for (const auto& d : it->second.order)
        if (d.last_usec >= since_usec) out.denials.push_back(d);
    return out;
}

std::vector<Denial> DenialLog::changed_after(const LayerKey& key, std::uint64_t seq) const {
    const std::lock_guard lock(mutex_);
    std::vector<Denial> out;
    const auto it = rings_.find(key);
    if (it == rings_.end()) return out;
    for (const auto& d : it->second.order)
        if (d.seq > seq) out.push_back(d);
    return out;
}

std::uint64_t DenialLog::seq() const {
    const std::lock_guard lock(mutex_);
    return seq_;
}

void DenialLog::forget(const LayerKey& key) {
    const std::lock_guard lock(mutex_);
    rings_.erase(key);
}

DenialLog::Stats DenialLog::stats() const {
    const std::lock_guard lock(mutex_);
    return stats_;
}

}  // namespace aalayer::service
