#include "service/core/denial_keeper.h"

namespace aalayer::service {

namespace {

std::string layer_name(const LayerKey& key) {
    return std::to_string(key.uid) + ":" + key.base + "/" + key.name;
}

}  // namespace

DenialKeeper::DenialKeeper(DenialLog& log, DenialStore& store, bool keep)
    : log_(log), store_(store), keep_(keep) {}

void DenialKeeper::start(const Exists& exists, const MessageLog& message) {
    const std::lock_guard lock(mutex_);
    if (!keep_) {
        auto erased = store_.erase_all();
        if (!erased) {
            message("cannot remove the denial records an earlier keep_denials saved: " +
                    erased.error().message);
        } else if (erased.value()) {
            message("keep_denials is off: removed the denial records saved before");
        }
        return;
    }
    std::vector<std::string> problems;
    auto saved = store_.load_all(problems);
    for (const auto& p : problems)
        message(p);
    if (!saved) {
        message("cannot read the saved denial records: " + saved.error().message);
        return;
    }
    for (auto& s : saved.value()) {
        if (exists(s.key)) {
            // Saved under a larger max_denials_per_layer: the trimmed ring is
            // written at the next save, so the file is bounded as the ring is.
            const LayerKey key = s.key;
            const std::size_t size = s.records.size();
            log_.restore(std::move(s));
            if (const auto ring = log_.saved_form(key); ring && ring->records.size() < size)
                retry_.insert(key);
            continue;
        }
        // Removed while the service was not running to erase them.
        if (auto st = store_.erase(s.key); !st)
            message("cannot remove the denial records of " + layer_name(s.key) + ": " + st.error().message);
    }
    saved_seq_ = log_.seq();  // what was just loaded is on disk already
}

std::size_t DenialKeeper::save(const MessageLog& message) {
    if (!keep_) return 0;
    const std::lock_guard lock(mutex_);
    // The seq before the rings are read: a record added meanwhile has a
    // higher one, so the next save writes its layer again.
    const std::uint64_t seq = log_.seq();
    std::set<LayerKey> keys(retry_.begin(), retry_.end());
    for (auto& key : log_.changed_layers(saved_seq_))
        keys.insert(std::move(key));
    saved_seq_ = seq;
    retry_.clear();
    std::size_t saved = 0;
    for (const auto& key : keys) {
        const auto ring = log_.saved_form(key);
        if (!ring) continue;  // forgotten meanwhile: forget() erases the file
        if (auto st = store_.save(*ring); !st) {
            message("cannot save the denial records of " + layer_name(key) + ": " + st.error().message);
            retry_.insert(key);
            continue;
        }
        ++saved;
    }
    return saved;
}

void DenialKeeper::forget(const LayerKey& key, const MessageLog& message) {
    if (!keep_) return;
    const std::lock_guard lock(mutex_);
    retry_.erase(key);
    if (auto st = store_.erase(key); !st)
        message("cannot remove the denial records of " + layer_name(key) + ": " + st.error().message);
}

}  // namespace aalayer::service
