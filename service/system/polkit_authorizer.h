// polkit over its D-Bus API: CheckAuthorization with the caller's
// system-bus-name as subject. Each worker thread has its own connection, so
// a check polkitd stalls (seen: 15 s) holds up only that worker.
#pragma once

#include <chrono>
#include <string>

#include "service/core/ports.h"

namespace aalayer::service {

class PolkitAuthorizer final : public Authorizer {
public:
    // bus_address empty: the system bus.
    explicit PolkitAuthorizer(std::string bus_address,
                              std::chrono::seconds timeout = std::chrono::seconds(30));
    Decision check(const Caller& caller, const std::string& action, bool interactive) override;

private:
    std::string address_;
    std::chrono::seconds timeout_;
};

}  // namespace aalayer::service
