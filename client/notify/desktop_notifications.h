// org.freedesktop.Notifications on the session bus (the Desktop
// Notifications Specification 1.2): Notify, GetCapabilities, and the
// ActionInvoked and NotificationClosed signals.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace aalayer::notify {

class DesktopNotifications {
public:
    struct Handlers {
        std::function<void(std::uint32_t id, const std::string& action)> action_invoked;
        std::function<void(std::uint32_t id)> closed;
    };

    // The session bus of DBUS_SESSION_BUS_ADDRESS; the handlers are called
    // from a thread of the library's own. Throws std::runtime_error when
    // there is no session bus.
    explicit DesktopNotifications(const Handlers& handlers);
    ~DesktopNotifications();
    DesktopNotifications(const DesktopNotifications&) = delete;
    DesktopNotifications& operator=(const DesktopNotifications&) = delete;

    // What the notification server says it can do ("actions", "body-markup", ...).
    std::vector<std::string> capabilities();
    // The notification's id; `replaces` 0 for a new one. `actions` are
    // (key, label) pairs. Throws std::runtime_error when the server refuses
    // or there is none.
    std::uint32_t notify(std::uint32_t replaces, const std::string& summary, const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& actions);

private:
    struct Bus;
    std::unique_ptr<Bus> bus_;
};

// `text` with & < > as entities, for a server that reads markup in bodies.
std::string escape_markup(const std::string& text);

}  // namespace aalayer::notify
