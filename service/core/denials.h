// What the kernel denied programs under each layer (issue: "What did my layer
// deny?"): AppArmor audit records attributed to their layer and owner, kept
// in memory, in a bounded, de-duplicated ring per layer (saved to disk only
// when the admin opts in: DenialKeeper).
//
// Attribution: a record whose profile (or one of whose label's components)
// is a layer's child BASE//aalayer.UID.NAME belongs to that layer. A record
// that names only the base profile (the base denied on its own, so its
// child was never asked) belongs to the layer of the process, if that
// process still runs under one (ProcessLabels), marked as the base's. A
// record whose label is the whole stack is the base's when the base alone
// does not allow what was asked (decided at query time, by the engine).
//
// Cost: add() parses one record and touches one layer's ring, never more;
// it never waits for anything but the log's own lock. A ring full of
// distinct records drops its oldest and counts it.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "service/core/audit_record.h"
#include "service/core/denial_record.h"
#include "service/core/layer_key.h"
#include "service/core/ports.h"

namespace aalayer::service {

struct DenialLimits {
    std::size_t per_layer = 256;  // distinct records kept per layer
    friend bool operator==(const DenialLimits&, const DenialLimits&) = default;
};

// The layer a kernel profile name is the child of: BASE//aalayer.UID.NAME.
std::optional<LayerKey> layer_of_profile(std::string_view profile);

class DenialLog {
public:
    using Known = std::function<bool(const LayerKey&)>;
    using Listener = std::function<void(const LayerKey&)>;

    explicit DenialLog(DenialLimits limits = {});

    // Which layers exist (records of others are dropped); called without the log's lock.
    void set_known(Known known);
    // Where base-only records find their process's label; may be null.
    void set_labels(const ProcessLabels* labels);
    // Told the layer after each record it kept (on the source's thread).
    void set_listener(Listener listener);

    enum class Added : std::uint8_t { Kept, NotAppArmor, NotALayer };
    // One record's text from the source, stamped `source_usec` by it (used
    // when the text has no audit(...) time).
    Added add(std::string_view text, std::uint64_t source_usec);

    // The layer's records that changed at or after `since_usec`, oldest
    // first, and how many distinct records its ring has dropped.
    struct Snapshot {
        std::vector<Denial> denials;
        std::uint64_t dropped = 0;
    };
    [[nodiscard]] Snapshot since(const LayerKey& key, std::uint64_t since_usec) const;
    // Those whose seq is above `seq` (for the live notification), oldest first.
    [[nodiscard]] std::vector<Denial> changed_after(const LayerKey& key, std::uint64_t seq) const;
    [[nodiscard]] std::uint64_t seq() const;
    // The layer is gone: its records go too.
    void forget(const LayerKey& key);

    // For keeping records across restarts (DenialKeeper): the layers whose
    // ring changed after `seq`, a ring as saved (none when the layer has no
    // ring), and a saved ring put back. Restored records keep their times and
    // counts, take new seqs, and a ring saved larger than this log's bound
    // keeps its newest records and counts the rest as dropped.
    [[nodiscard]] std::vector<LayerKey> changed_layers(std::uint64_t seq) const;
    [[nodiscard]] std::optional<StoredDenials> saved_form(const LayerKey& key) const;
    void restore(StoredDenials saved);

    struct Stats {
        std::uint64_t records = 0;       // AppArmor records read
        std::uint64_t kept = 0;          // attributed to a layer
        std::uint64_t unattributed = 0;  // of no layer
        std::uint64_t dropped = 0;       // pushed out of a full ring
    };
    [[nodiscard]] Stats stats() const;

private:
    struct Ring {
        std::list<Denial> order;  // least recently changed first
        std::unordered_map<std::string, std::list<Denial>::iterator> index;
        std::uint64_t dropped = 0;
    };
    // Appends `d` as the newest record, dropping the oldest from a full ring.
    void push(Ring& ring, Denial d, std::string key);
    std::optional<std::pair<LayerKey, DenialOrigin>> attribute(const AuditRecord& r) const;

    DenialLimits limits_;
    Known known_;
    const ProcessLabels* labels_ = nullptr;
    Listener listener_;
    mutable std::mutex mutex_;
    std::map<LayerKey, Ring> rings_;
    std::uint64_t seq_ = 0;
    Stats stats_;
};

}  // namespace aalayer::service
