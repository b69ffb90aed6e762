#include "client/notify/desktop_notifications.h"

#include <map>
#include <stdexcept>

#include <sdbus-c++/sdbus-c++.h>

#include "dbus/sdbus_compat.h"

namespace aalayer::notify {

namespace {

constexpr const char* kName = "org.freedesktop.Notifications";
constexpr const char* kPath = "/org/freedesktop/Notifications";
// The server may be started by bus activation on the first call.
constexpr auto kTimeout = std::chrono::seconds(25);

}  // namespace

struct DesktopNotifications::Bus {
    std::unique_ptr<sdbus::IConnection> connection;
    std::unique_ptr<sdbus::IProxy> proxy;
    sdbus::Slot signals;
};

DesktopNotifications::DesktopNotifications(const Handlers& handlers) : bus_(std::make_unique<Bus>()) {
    try {
        bus_->connection = sdbus::createSessionBusConnection();
        bus_->proxy = sdbus_compat::create_proxy(*bus_->connection, kName, kPath);
        bus_->signals =
            sdbus_compat::add_match(*bus_->connection,
                                    std::string("type='signal',sender='") + kName + "',path='" + kPath +
                                        "',interface='" + kName + "'",
                                    [handlers](auto&& m) {  // Message& on sdbus-c++ 1.x, Message on 2.x
                                        const std::string member = m.getMemberName();
                                        std::uint32_t id = 0;
                                        if (member == "ActionInvoked" && handlers.action_invoked) {
                                            std::string action;
                                            m >> id >> action;
                                            handlers.action_invoked(id, action);
                                        } else if (member == "NotificationClosed" && handlers.closed) {
                                            m >> id;
                                            handlers.closed(id);
                                        }
                                    });
        bus_->connection->enterEventLoopAsync();
    } catch (const sdbus::Error& e) {
        throw std::runtime_error("no session bus: " + e.getMessage());
    }
}

DesktopNotifications::~DesktopNotifications() {
    bus_->connection->leaveEventLoop();
    bus_->signals.reset();
}

std::vector<std::string> DesktopNotifications::capabilities() {
    std::vector<std::string> out;
    try {
        bus_->proxy->callMethod("GetCapabilities")
            .onInterface(kName)
            .withTimeout(kTimeout)
            .storeResultsTo(out);
    } catch (const sdbus::Error& e) {
        throw std::runtime_error("no notification server: " + e.getMessage());
    }
    return out;
}

std::uint32_t DesktopNotifications::notify(std::uint32_t replaces, const std::string& summary,
                                           const std::string& body,
                                           const std::vector<std::pair<std::string, std::string>>& actions) {
    std::vector<std::string> flat;
    for (const auto& [key, label] : actions) {
        flat.push_back(key);
        flat.push_back(label);
    }
    std::map<std::string, sdbus::Variant> hints;
    hints["desktop-entry"] = sdbus::Variant(std::string("aalayer-notify"));
    std::uint32_t id = 0;
    try {
        // -1: the server's default timeout.
        bus_->proxy->callMethod("Notify")
            .onInterface(kName)
            .withTimeout(kTimeout)
            .withArguments(std::string("aalayer"), replaces, std::string("dialog-warning"), summary, body,
                           flat, hints, std::int32_t{-1})
            .storeResultsTo(id);
    } catch (const sdbus::Error& e) {
        throw std::runtime_error("the notification server refused: " + e.getMessage());
    }
    return id;
}

std::string escape_markup(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace aalayer::notify
