// Denial records kept across restarts, when the admin opts in (keep_denials,
// docs/service.md "Denials"): the log's rings saved through a DenialStore,
// each layer's at most once a save (aalayerd saves every few seconds and at
// stop, never once a record), loaded back at start. Not keeping, it removes
// what an earlier opt-in saved, so the option's "no" means nothing on disk.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>

#include "service/core/denials.h"
#include "service/core/ports.h"

namespace aalayer::service {

class DenialKeeper {
public:
    using MessageLog = std::function<void(const std::string&)>;
    using Exists = std::function<bool(const LayerKey&)>;

    DenialKeeper(DenialLog& log, DenialStore& store, bool keep);

    // Once the stored layers are known: the saved records of each that
    // exists go back into the log, those of layers gone are erased. Not
    // keeping: everything saved is erased. Problems are logged, never fatal.
    void start(const Exists& exists, const MessageLog& message);
    // Saves each layer whose ring changed since the last save (or whose
    // last save failed); how many layers it saved.
    std::size_t save(const MessageLog& message);
    // The layer was removed (its ring forgotten): its saved records go.
    void forget(const LayerKey& key, const MessageLog& message);
    [[nodiscard]] bool keeping() const { return keep_; }

private:
    DenialLog& log_;
    DenialStore& store_;
    bool keep_;
    // One save or forget at a time: a save in progress never writes back a
    // file that forget has just removed.
    std::mutex mutex_;
    std::uint64_t saved_seq_ = 0;  // the log's seq when the last save began
    std::set<LayerKey> retry_;     // layers whose last save failed
};

}  // namespace aalayer::service
