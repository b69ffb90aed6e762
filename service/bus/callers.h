// Who is calling, as the bus daemon vouches for it: the uid behind a unique
// name, asked of org.freedesktop.DBus without blocking the bus thread (a
// blocking GetConnectionCredentials per call let one slow answer stall
// every caller), and remembered for the connection's life: a unique name
// is never reused, so the answer never goes stale.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "service/core/ports.h"

namespace aalayer::service {

class Callers {
public:
    explicit Callers(sdbus::IConnection& connection);
    Callers(const Callers&) = delete;
    Callers& operator=(const Callers&) = delete;
    ~Callers();

    // Calls `then` on the bus thread with the caller behind `sender`: at once
    // when it is known, else once the bus daemon has answered; nullopt when
    // it could not say (the caller is gone, or too many of its requests wait
    // for the answer). Call on the bus thread.
    void resolve(const std::string& sender, std::function<void(std::optional<Caller>)> then);

private:
    static constexpr std::size_t kMaxKnown = 4096;         // then forget them all and ask again
    static constexpr std::size_t kMaxWaitingPerName = 64;  // requests of one name awaiting its uid

    void answered(const std::string& sender, std::optional<std::uint32_t> uid);

    std::unordered_map<std::string, std::uint32_t> known_;
    std::unordered_map<std::string, std::vector<std::function<void(std::optional<Caller>)>>> waiting_;
    std::unique_ptr<sdbus::IProxy> daemon_;  // last: goes first, with the answers it still awaits
};

}  // namespace aalayer::service
