#include "service/system/polkit_authorizer.h"

#include <map>
#include <memory>

#include <sdbus-c++/sdbus-c++.h>

#include "dbus/sdbus_compat.h"
#include "service/system/log.h"

namespace aalayer::service {

PolkitAuthorizer::PolkitAuthorizer(std::string bus_address, std::chrono::seconds timeout)
    : address_(std::move(bus_address)), timeout_(timeout) {}

Decision PolkitAuthorizer::check(const Caller& caller, const std::string& action, bool interactive) {
    // One connection per worker thread: sd-bus connections are not shared across threads.
    thread_local std::unique_ptr<sdbus::IConnection> connection;
    thread_local std::unique_ptr<sdbus::IProxy> proxy;
    try {
        if (!connection) {
            connection = address_.empty() ? sdbus::createSystemBusConnection()
                                          : sdbus::createSessionBusConnectionWithAddress(address_);
            proxy = sdbus_compat::create_proxy(*connection, "org.freedesktop.PolicyKit1",
                                               "/org/freedesktop/PolicyKit1/Authority");
        }
        using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
        const Subject subject{"system-bus-name", {{"name", sdbus::Variant(caller.bus_name)}}};
        const std::map<std::string, std::string> details;
        const std::uint32_t flags = interactive ? 1U : 0U;  // AllowUserInteraction
        sdbus::Struct<bool, bool, std::map<std::string, std::string>> result;
        proxy->callMethod("CheckAuthorization")
            .onInterface("org.freedesktop.PolicyKit1.Authority")
            .withTimeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout_))
            .withArguments(subject, action, details, flags, std::string())
            .storeResultsTo(result);
        if (std::get<0>(result)) return Decision::Allowed;
        return std::get<1>(result) ? Decision::Challenge : Decision::Denied;
    } catch (const std::exception& e) {
        // Fail closed; a broken connection is rebuilt on the next check.
        log_message(4, std::string("polkit check failed: ") + e.what(),
                    {{"UID", std::to_string(caller.uid)}, {"ACTION", action}});
        proxy.reset();
        connection.reset();
        return Decision::Unavailable;
    }
}

}  // namespace aalayer::service
