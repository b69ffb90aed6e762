#include "service/core/layer_inputs.h"

#include "policy/common/hash.h"

namespace aalayer::service {

namespace {

// A content hash can be any value: failures are told apart from it by the
// high bit, set only on them (a hash with it set is folded below it).
constexpr std::uint64_t kFailed = 1ULL << 63U;

std::uint64_t content_sum(std::string_view text) {
    return text_sum(text) & ~kFailed;
}

std::uint64_t read_sum(const policy::Result<std::string>& text) {
    return text ? content_sum(*text) : kFailed | static_cast<std::uint64_t>(text.error().kind);
}

std::uint64_t list_sum(const policy::Result<std::vector<std::string>>& names) {
    if (!names) return kFailed;
    std::string joined;
    for (const auto& n : *names) {
        joined += n;
        joined += '\0';
    }
    return content_sum(joined);
}

}  // namespace

std::uint64_t text_sum(std::string_view text) {
    return policy::fnv1a_bytes(text);
}

std::uint64_t answer_of(const policy::SourceReader& reader, const SourceRecord::Key& key) {
    const auto& [kind, path, max_bytes] = key;
    switch (kind) {
        case SourceRecord::Kind::Read: return read_sum(reader.read(path, max_bytes));
        case SourceRecord::Kind::Stat: return static_cast<std::uint64_t>(reader.stat(path));
        case SourceRecord::Kind::List: return list_sum(reader.list(path));
    }
    return kFailed;
}

policy::EntryType RecordingReader::stat(const std::string& path) const {
    const policy::EntryType type = inner_.stat(path);
    record_.answers[{SourceRecord::Kind::Stat, path, 0}] = static_cast<std::uint64_t>(type);
    return type;
}

policy::Result<std::string> RecordingReader::read(const std::string& path, std::size_t max_bytes) const {
    auto text = inner_.read(path, max_bytes);
    record_.answers[{SourceRecord::Kind::Read, path, max_bytes}] = read_sum(text);
    return text;
}

policy::Result<std::vector<std::string>> RecordingReader::list(const std::string& path) const {
    auto names = inner_.list(path);
    record_.answers[{SourceRecord::Kind::List, path, 0}] = list_sum(names);
    return names;
}

std::uint64_t InputsCheck::answer(const SourceRecord::Key& key) {
    const auto it = answers_.find(key);
    if (it != answers_.end()) return it->second;
    return answers_[key] = answer_of(reader_, key);
}

bool InputsCheck::record_unchanged(const std::shared_ptr<const SourceRecord>& record) {
    if (!record) return true;
    const auto it = records_.find(record.get());
    if (it != records_.end()) return it->second.second;
    bool same = true;
    for (const auto& [key, sum] : record->answers) {
        if (answer(key) != sum) {
            same = false;
            break;
        }
    }
    records_[record.get()] = {record, same};
    return same;
}

bool InputsCheck::unchanged(const LayerInputs& inputs) {
    if (inputs.settings != settings_) return false;
    // Looked up outside the lock: a directory service may take a while.
    std::optional<std::optional<policy::UserIdentity>> seen;
    {
        const std::lock_guard lock(mutex_);
        if (const auto it = users_seen_.find(inputs.identity.uid); it != users_seen_.end()) seen = it->second;
    }
    if (!seen) {
        seen = users_.lookup(inputs.identity.uid);
        const std::lock_guard lock(mutex_);
        users_seen_.emplace(inputs.identity.uid, *seen);
    }
    const auto& now = *seen;
    if (!now || now->name != inputs.identity.name || now->home != inputs.identity.home ||
        now->resolved_home != inputs.identity.resolved_home)
        return false;
    // Small files, read once per reload: serialising them costs less than a lock per answer.
    const std::lock_guard lock(mutex_);
    for (const auto& record : inputs.sources)
        if (!record_unchanged(record)) return false;
    return true;
}

}  // namespace aalayer::service
