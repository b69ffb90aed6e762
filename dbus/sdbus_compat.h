// The one place that knows sdbus-c++ 1.x (Debian 12) from 2.x (Debian 13).
// The build writes AALAYER_SDBUS_2 (0 or 1) into dbus/sdbus_version.h from
// the dependency's version (dbus/meson.build): neither has a version macro.
// Everything else includes this header and writes the same code for both:
// names as the strong types below (plain strings on 1.x), object paths as
// sdbus::ObjectPath (1.x takes it as a string), and the few calls 2.x renamed
// or changed through these functions.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <sdbus-c++/sdbus-c++.h>

#include "dbus/sdbus_version.h"  // generated in the build directory

namespace aalayer::sdbus_compat {

#if AALAYER_SDBUS_2

using ServiceName = sdbus::ServiceName;
using InterfaceName = sdbus::InterfaceName;
using PropertyName = sdbus::PropertyName;
using ErrorName = sdbus::Error::Name;
// The error an async reply handler receives: none when the call succeeded.
using ReplyError = std::optional<sdbus::Error>;

// The call an object is handling: a value on 2.x, the object's own on 1.x.
using CurrentMessage = sdbus::Message;
inline CurrentMessage current_message(const sdbus::IObject& object) {
    return object.getCurrentlyProcessedMessage();
}
// 2.x registers an object's vtables at once.
inline void finish_registration(sdbus::IObject& /*object*/) {}
inline bool process_pending(sdbus::IConnection& connection) {
    return connection.processPendingEvent();
}
// 2.x has a second fd to poll besides the bus's (-1 on 1.x: poll(2) skips it).
inline int event_fd(const sdbus::IConnection::PollData& data) {
    return data.eventFd;
}
[[nodiscard]] inline sdbus::Slot add_match(sdbus::IConnection& connection, const std::string& rule,
                                           sdbus::message_handler handler) {
    return connection.addMatch(rule, std::move(handler), sdbus::return_slot);
}
// A signal of `object` to be sent to one destination (Signal::setDestination).
inline sdbus::Signal create_signal(sdbus::IObject& object, const std::string& interface,
                                   const std::string& member) {
    return object.createSignal(sdbus::InterfaceName(interface), sdbus::SignalName(member));
}

#else

using ServiceName = std::string;
using InterfaceName = std::string;
using PropertyName = std::string;
using ErrorName = std::string;
using ReplyError = const sdbus::Error*;

using CurrentMessage = const sdbus::Message&;  // not copyable on 1.x
inline CurrentMessage current_message(const sdbus::IObject& object) {
    return *object.getCurrentlyProcessedMessage();
}
inline void finish_registration(sdbus::IObject& object) {
    object.finishRegistration();
}
inline bool process_pending(sdbus::IConnection& connection) {
    return connection.processPendingRequest();
}
inline int event_fd(const sdbus::IConnection::PollData& /*data*/) {
    return -1;
}
[[nodiscard]] inline sdbus::Slot add_match(sdbus::IConnection& connection, const std::string& rule,
                                           sdbus::message_handler handler) {
    return connection.addMatch(rule, std::move(handler));
}
inline sdbus::Signal create_signal(sdbus::IObject& object, const std::string& interface,
                                   const std::string& member) {
    return object.createSignal(interface, member);
}

#endif

// Both versions: a proxy or an object by names given as text.
inline std::unique_ptr<sdbus::IProxy> create_proxy(sdbus::IConnection& connection, const std::string& service,
                                                   const std::string& path) {
    return sdbus::createProxy(connection, ServiceName(service), sdbus::ObjectPath(path));
}
inline std::unique_ptr<sdbus::IObject> create_object(sdbus::IConnection& connection,
                                                     const std::string& path) {
    return sdbus::createObject(connection, sdbus::ObjectPath(path));
}

}  // namespace aalayer::sdbus_compat
