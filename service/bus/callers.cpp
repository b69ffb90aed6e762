#include "service/bus/callers.h"

#include "dbus/sdbus_compat.h"

namespace aalayer::service {

Callers::Callers(sdbus::IConnection& connection)
    // On the service's own connection: its loop (the bus thread) gets the answers.
    : daemon_(sdbus_compat::create_proxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus")) {}

Callers::~Callers() = default;

void Callers::resolve(const std::string& sender, std::function<void(std::optional<Caller>)> then) {
    if (const auto it = known_.find(sender); it != known_.end()) return then(Caller{it->second, sender});
    auto& waiting = waiting_[sender];
    if (waiting.size() >= kMaxWaitingPerName) return then(std::nullopt);
    waiting.push_back(std::move(then));
    if (waiting.size() > 1) return;  // asked already
    try {
        daemon_->callMethodAsync("GetConnectionUnixUser")
            .onInterface("org.freedesktop.DBus")
            .withArguments(sender)
            .uponReplyInvoke([this, sender](sdbus_compat::ReplyError error, std::uint32_t uid) {
                answered(sender, !error ? std::optional(uid) : std::nullopt);
            });
    } catch (const std::exception&) {
        answered(sender, std::nullopt);
    }
}

void Callers::answered(const std::string& sender, std::optional<std::uint32_t> uid) {
    const auto it = waiting_.find(sender);
    if (it == waiting_.end()) return;
    auto waiting = std::move(it->second);
    waiting_.erase(it);
    if (uid) {
        if (known_.size() >= kMaxKnown) known_.clear();
        known_.emplace(sender, *uid);
    }
    for (auto& then : waiting)
        then(uid ? std::optional(Caller{*uid, sender}) : std::nullopt);
}

}  // namespace aalayer::service
