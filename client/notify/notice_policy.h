// What `aalayer notify` shows of the denials it hears of, and when. Quiet by
// default: each distinct denial (layer, operation, what, denied mask) once
// per session, or again only after `repeat_after`; at most one notice per
// layer every `interval`, what comes in between held and then shown as one
// ("firefox (banking): 37 more denials"). Pure: the time is given, nothing
// is sent; client/notify/notifier.cpp sends what this returns.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/lib/client.h"

namespace aalayer::notify {

using Clock = std::chrono::steady_clock;

struct Settings {
    bool all_repeats = false;                    // every new occurrence, the same or not
    std::chrono::seconds repeat_after{0};        // the same denial again after this; 0: never
    std::chrono::milliseconds interval{10'000};  // at most one notice per layer this often
};

// The layer a record is about, as the service names it.
struct LayerName {
    std::string object_path;
    std::string base;
    std::string name;
};

struct Notice {
    LayerName layer;
    std::string summary;  // "firefox (banking) was denied"
    std::string body;     // what, whether the user can allow it, the log command
    // The layer could allow at least one of them (a rule in the grant): the
    // notice may offer `aalayer learn`.
    bool can_allow = false;
    std::size_t denials = 0;  // how many distinct denials it stands for
};

// Why a record is not shown; nothing when it is notable.
std::optional<std::string> skipped_because(const client::Denial& d);

class NoticePolicy {
public:
    explicit NoticePolicy(Settings settings) : settings_(settings) {}

    // Records the layer had before it was watched: seen, never shown.
    void baseline(const LayerName& layer, const std::vector<client::Denial>& records);
    // Records of the layer (a Denials signal's batch, or GetDenials after a
    // subscription), each possibly seen before: the notices to show now.
    std::vector<Notice> add(const LayerName& layer, const std::vector<client::Denial>& records,
                            Clock::time_point now);
    // The held notices whose layer's interval has passed by `now`.
    std::vector<Notice> due(Clock::time_point now);
    // When due() next returns something; nothing while nothing is held.
    [[nodiscard]] std::optional<Clock::time_point> next_due() const;
    // The layer is gone: its held denials with it (its dedup memory stays,
    // should it come back under the same name).
    void forget(const std::string& object_path);
    // The service restarted: the layer's records count from 1 again.
    void restarted(const std::string& object_path);

private:
    struct PerLayer {
        LayerName name;
        std::optional<Clock::time_point> last_shown;
        // Held back by the interval: the first few, how many in all, whether
        // the layer could allow any (bounded, whatever a flood brings).
        std::vector<client::Denial> held;
        std::size_t held_total = 0;
        bool held_can_allow = false;
        // Each record's count when last seen (freshness: a count that grew).
        std::map<std::string, std::uint64_t> counts;
    };
    bool fresh(PerLayer& l, const client::Denial& d);
    bool repeat(const PerLayer& l, const client::Denial& d, Clock::time_point now);

    Settings settings_;
    std::map<std::string, PerLayer> layers_;             // by object path
    std::map<std::string, Clock::time_point> notified_;  // dedup key -> when shown
};

// The notice for one denial, and for several held together.
Notice single_notice(const LayerName& layer, const client::Denial& d);
// `first`: the first few of `total` held, `can_allow`: whether the layer could allow any.
Notice burst_notice(const LayerName& layer, const std::vector<client::Denial>& first, std::size_t total,
                    bool can_allow);
// How many denials a notice lists; `aalayer log` has them all.
constexpr std::size_t kListed = 3;

// The command a notice's actions run: `aalayer log BASE/NAME --follow`, `aalayer learn BASE/NAME`.
std::string layer_text(const LayerName& layer);

}  // namespace aalayer::notify
