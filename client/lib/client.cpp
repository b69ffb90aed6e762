#include "client/lib/client.h"

#include <map>
#include <mutex>

#include <sdbus-c++/sdbus-c++.h>

#include "dbus/layer1_proxy.h"
#include "dbus/manager1_proxy.h"
#include "dbus/sdbus_compat.h"

namespace aalayer::client {

namespace {

constexpr const char* kBusName = "org.aalayer.Manager1";
constexpr const char* kErrorPrefix = "org.aalayer.Error.";

using FindingStructs =
    std::vector<sdbus::Struct<std::string, std::uint32_t, std::uint32_t, std::string, std::string>>;

std::vector<Finding> to_findings(const FindingStructs& in) {
    std::vector<Finding> out;
    for (const auto& f : in)
        out.push_back(
            Finding{std::get<0>(f), std::get<1>(f), std::get<2>(f), std::get<3>(f), std::get<4>(f)});
    return out;
}

using AdminChange = std::function<void(const std::string&, const std::vector<std::string>&)>;

class ManagerProxy final : public sdbus::ProxyInterfaces<org::aalayer::Manager1_proxy> {
public:
    ManagerProxy(sdbus::IConnection& connection)  // NOLINT(google-explicit-constructor)
        : ProxyInterfaces(connection, sdbus_compat::ServiceName(kBusName),
                          sdbus::ObjectPath("/org/aalayer/Manager1")) {
        registerProxy();
    }
    ~ManagerProxy() { unregisterProxy(); }
    ManagerProxy(const ManagerProxy&) = delete;
    ManagerProxy& operator=(const ManagerProxy&) = delete;

    // The signals arrive on the event loop's thread, the callback may be set on another.
    void on_admin_change(AdminChange f) {
        const std::lock_guard lock(mutex_);
        on_admin_ = std::move(f);
    }

private:
    void onGrantsChanged(const std::vector<std::string>& bases) override { admin_change("grants", bases); }
    void onBasesChanged(const std::vector<std::string>& bases) override { admin_change("bases", bases); }
    void admin_change(const std::string& what, const std::vector<std::string>& bases) {
        AdminChange f;
        {
            const std::lock_guard lock(mutex_);
            f = on_admin_;
        }
        if (f) f(what, bases);
    }
    std::mutex mutex_;
    AdminChange on_admin_;
};

using DenialStructs =
    std::vector<sdbus::Struct<std::uint64_t, std::uint64_t, std::uint64_t, std::string, std::string,
                              std::string, std::string, std::string, std::string, std::string, std::string,
                              std::uint32_t, std::uint32_t, std::uint32_t, std::string, std::string,
                              std::string, std::string, std::string, std::string, std::string>>;

std::vector<Denial> to_denials(const DenialStructs& in) {
    std::vector<Denial> out;
    for (const auto& d : in) {
        out.push_back(Denial{std::get<0>(d),  std::get<1>(d),  std::get<2>(d),  std::get<3>(d),
                             std::get<4>(d),  std::get<5>(d),  std::get<6>(d),  std::get<7>(d),
                             std::get<8>(d),  std::get<9>(d),  std::get<10>(d), std::get<11>(d),
                             std::get<12>(d), std::get<13>(d), std::get<14>(d), std::get<15>(d),
                             std::get<16>(d), std::get<17>(d), std::get<18>(d), std::get<19>(d),
                             std::get<20>(d)});
    }
    return out;
}

// A layer object; `on_denials` hears the Denials signals sent to this client.
class LayerProxy final : public sdbus::ProxyInterfaces<org::aalayer::Layer1_proxy> {
public:
    LayerProxy(sdbus::IConnection& connection, const std::string& path,
               std::function<void(const std::vector<Denial>&)> on_denials = {})
        : ProxyInterfaces(connection, sdbus_compat::ServiceName(kBusName), sdbus::ObjectPath(path)),
          on_denials_(std::move(on_denials)) {
        registerProxy();
    }
    ~LayerProxy() { unregisterProxy(); }
    LayerProxy(const LayerProxy&) = delete;
    LayerProxy& operator=(const LayerProxy&) = delete;

private:
    void onDenials(const DenialStructs& denials) override {
        if (on_denials_) on_denials_(to_denials(denials));
    }
    std::function<void(const std::vector<Denial>&)> on_denials_;
};

// Layers added and removed (the object manager's signals).
class Watcher final : public sdbus::ProxyInterfaces<sdbus::ObjectManager_proxy> {
public:
    Watcher(sdbus::IConnection& connection, std::function<void(const std::string&)> on_change)
        : ProxyInterfaces(connection, sdbus_compat::ServiceName(kBusName), sdbus::ObjectPath("/org/aalayer")),
          on_change_(std::move(on_change)) {
        registerProxy();
    }
    ~Watcher() { unregisterProxy(); }
    Watcher(const Watcher&) = delete;
    Watcher& operator=(const Watcher&) = delete;

private:
    void onInterfacesAdded(const sdbus::ObjectPath& path,
                           const std::map<sdbus_compat::InterfaceName,
                                          std::map<sdbus_compat::PropertyName, sdbus::Variant>>&) override {
        on_change_(path);
    }
    void onInterfacesRemoved(const sdbus::ObjectPath& path,
                             const std::vector<sdbus_compat::InterfaceName>&) override {
        on_change_(path);
    }
    std::function<void(const std::string&)> on_change_;
};

// A service from before default layers has no Origin: every layer was the user's.
std::string origin_of(const std::map<std::string, sdbus::Variant>& properties) {
    const auto it = properties.find("Origin");
    return it == properties.end() ? "user" : it->second.get<std::string>();
}

class BusClient final : public Client {
public:
    explicit BusClient(std::unique_ptr<sdbus::IConnection> connection)
        : connection_(std::move(connection)), manager_(*connection_) {}
    ~BusClient() override {
        if (watching_) connection_->leaveEventLoop();
        watcher_.reset();
        followed_.clear();
        slot_.reset();
        service_slot_.reset();
    }
    BusClient(const BusClient&) = delete;
    BusClient& operator=(const BusClient&) = delete;

    // Every sdbus::Error leaves the library as a CallError.
    template <typename Fn>
    auto guarded(Fn&& fn) -> decltype(fn()) {
        try {
            return fn();
        } catch (const sdbus::Error& e) {
            wake_event_loop();
            throw CallError(e.getName(), e.getMessage());
        }
    }

    std::vector<std::pair<std::string, std::string>> grants() override {
        return guarded([&] {
            std::vector<std::pair<std::string, std::string>> out;
            for (const auto& g : manager_.ListGrants())
                out.emplace_back(std::get<0>(g), std::get<1>(g));
            return out;
        });
    }

    std::pair<std::string, std::vector<Finding>> check(const std::string& base, const std::string& name,
                                                       const std::string& text) override {
        return guarded([&] {
            const auto [child, findings] = manager_.Check(base, name, text);
            return std::make_pair(child, to_findings(findings));
        });
    }

    std::pair<std::string, std::vector<Finding>> apply(const std::string& base, const std::string& name,
                                                       const std::string& text,
                                                       const ApplyOptions& o) override {
        return guarded([&] {
            std::map<std::string, sdbus::Variant> options;
            if (o.strict) options["strict"] = sdbus::Variant(true);
            if (o.complain)
                options["mode"] = sdbus::Variant(std::string(*o.complain ? "complain" : "enforce"));
            if (o.interactive) options["interactive"] = sdbus::Variant(true);
            // A refusal for the layer's findings comes as a reply ("/" and
            // the findings), not as an error message to be parsed.
            options["refusal_as_reply"] = sdbus::Variant(true);
            const auto [path, findings] = manager_.Apply(base, name, text, options);
            if (std::string(path) == "/") {
                throw CallError(std::string(kErrorPrefix) + "InvalidLayer", "the layer has errors",
                                to_findings(findings));
            }
            return std::make_pair(std::string(path), to_findings(findings));
        });
    }

    void reload() override {
        guarded([&] {
            manager_.Reload();
            return 0;
        });
    }

    void reset(const std::string& base, const std::string& name, bool interactive) override {
        guarded([&] {
            std::map<std::string, sdbus::Variant> options;
            if (interactive) options["interactive"] = sdbus::Variant(true);
            manager_.Reset(base, name, options);
            return 0;
        });
    }

    void remove(const std::string& base, const std::string& name, bool force, bool interactive) override {
        guarded([&] {
            std::map<std::string, sdbus::Variant> options;
            if (force) options["force"] = sdbus::Variant(true);
            if (interactive) options["interactive"] = sdbus::Variant(true);
            manager_.Remove(base, name, options);
            return 0;
        });
    }

    Explanation explain(const std::string& base, const std::string& name, const std::string& path) override {
        return guarded([&] {
            const auto [owner, other, reasons] = manager_.ExplainAccess(base, name, path);
            Explanation e{"owner=" + owner + " other=" + other, {}, owner, other};
            for (const auto& r : reasons)
                e.reasons.push_back(Reason{std::get<0>(r), std::get<1>(r)});
            return e;
        });
    }

    std::vector<GrantRule> grant_rules() override {
        return guarded([&] {
            std::vector<GrantRule> out;
            for (const auto& g : manager_.ListGrantRules())
                out.push_back(GrantRule{g.get<0>(), g.get<1>(), g.get<2>(), g.get<3>(), g.get<4>(),
                                        g.get<5>(), g.get<6>(), g.get<7>()});
            return out;
        });
    }

    std::vector<Base> bases() override {
        return guarded([&] {
            std::vector<Base> out;
            for (const auto& b : manager_.ListBases())
                out.push_back(Base{b.get<0>(), b.get<1>(), b.get<2>(), b.get<3>()});
            return out;
        });
    }

    void watch_admin_changes(AdminChange on_change) override {
        manager_.on_admin_change(std::move(on_change));
        if (!watching_) connection_->enterEventLoopAsync();
        watching_ = true;
    }

    OneRun run_layer(const std::string& base, const std::vector<RunPath>& allow,
                     const std::vector<std::string>& deny, const std::string& text,
                     const RunOptions& o) override {
        return guarded([&] {
            std::map<std::string, sdbus::Variant> options;
            if (o.strict) options["strict"] = sdbus::Variant(true);
            if (o.interactive) options["interactive"] = sdbus::Variant(true);
            std::vector<sdbus::Struct<std::string, std::string>> paths;
            paths.reserve(allow.size());
            for (const auto& a : allow)
                paths.emplace_back(a.path, a.perms);
            const auto [name, label, layer_text, findings] =
                manager_.RunLayer(base, paths, deny, text, options);
            return OneRun{name, label, layer_text, to_findings(findings)};
        });
    }

    std::vector<Difference> diff(const std::string& base, const std::string& a,
                                 const std::string& b) override {
        return guarded([&] {
            std::vector<Difference> out;
            for (const auto& d : manager_.Diff(base, a, b))
                out.push_back(Difference{std::get<0>(d), std::get<1>(d), std::get<2>(d)});
            return out;
        });
    }

    std::vector<Difference> diff_with_base(const std::string& base, const std::string& name) override {
        return guarded([&] {
            std::vector<Difference> out;
            for (const auto& d : manager_.DiffWithBase(base, name))
                out.push_back(Difference{std::get<0>(d), std::get<1>(d), std::get<2>(d)});
            return out;
        });
    }

    std::vector<Layer> layers() override {
        return guarded([&] {
            auto root = sdbus_compat::create_proxy(*connection_, kBusName, "/org/aalayer");
            std::map<sdbus::ObjectPath, std::map<std::string, std::map<std::string, sdbus::Variant>>> objects;
            root->callMethod("GetManagedObjects")
                .onInterface("org.freedesktop.DBus.ObjectManager")
                .storeResultsTo(objects);
            std::vector<Layer> out;
            for (const auto& [path, interfaces] : objects) {
                const auto it = interfaces.find("org.aalayer.Layer1");
                if (it == interfaces.end()) continue;
                const auto& p = it->second;
                out.push_back(Layer{path, p.at("Owner").get<std::uint32_t>(), p.at("Base").get<std::string>(),
                                    p.at("Name").get<std::string>(), p.at("KernelName").get<std::string>(),
                                    p.at("State").get<std::string>(), p.at("UpdatedAt").get<std::uint64_t>(),
                                    p.at("Mode").get<std::string>(), origin_of(p)});
            }
            return out;
        });
    }

    std::string source(const std::string& object_path) override {
        return guarded([&] { return LayerProxy(*connection_, object_path).GetSource(); });
    }

    std::vector<Finding> findings(const std::string& object_path) override {
        return guarded([&] { return to_findings(LayerProxy(*connection_, object_path).GetFindings()); });
    }

    std::string backend() override {
        return guarded([&] { return manager_.Backend(); });
    }

    std::string denial_source() override {
        return guarded([&] { return manager_.DenialSource(); });
    }

    void set_mode(const std::string& object_path, const std::string& mode) override {
        guarded([&] {
            LayerProxy(*connection_, object_path).SetMode(mode);
            return 0;
        });
    }

    void accept(const std::string& object_path, bool interactive) override {
        guarded([&] {
            LayerProxy(*connection_, object_path).Accept(interactive);
            return 0;
        });
    }

    std::pair<std::vector<Denial>, std::uint64_t> denials(const std::string& object_path,
                                                          std::uint64_t since) override {
        return guarded([&] {
            const auto [records, dropped] = LayerProxy(*connection_, object_path).GetDenials(since);
            return std::make_pair(to_denials(records), dropped);
        });
    }

    Learned propose_rules(const std::string& object_path, std::uint64_t since) override {
        return guarded([&] {
            const auto [proposals, unproposed, text, new_text, dropped] =
                LayerProxy(*connection_, object_path).ProposeRules(since);
            Learned out;
            for (const auto& p : proposals)
                out.proposals.push_back(Proposal{p.get<0>(), p.get<1>(), p.get<2>()});
            for (const auto& u : unproposed)
                out.unproposed.push_back(Unproposed{u.get<0>(), u.get<1>(), u.get<2>()});
            out.text = text;
            out.new_text = new_text;
            out.dropped = dropped;
            return out;
        });
    }

    void follow_denials(const std::string& object_path,
                        std::function<void(const std::vector<Denial>&)> on_denials) override {
        guarded([&] {
            auto proxy = std::make_unique<LayerProxy>(*connection_, object_path, std::move(on_denials));
            proxy->SubscribeDenials();
            followed_[object_path] = std::move(proxy);
            if (!watching_) connection_->enterEventLoopAsync();
            watching_ = true;
            return 0;
        });
    }

    void unfollow_denials(const std::string& object_path) override {
        const auto it = followed_.find(object_path);
        if (it == followed_.end()) return;
        try {
            it->second->UnsubscribeDenials();
        } catch (const sdbus::Error&) {  // NOLINT(bugprone-empty-catch)
            // The layer or the service is gone, and the subscription with it.
        }
        followed_.erase(it);
    }

    void watch_service(std::function<void(bool)> on_owner) override {
        service_slot_ = sdbus_compat::add_match(
            *connection_,
            std::string("type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                        "member='NameOwnerChanged',arg0='") +
                kBusName + "'",
            [on_owner](auto&& m) {  // Message& on sdbus-c++ 1.x, Message on 2.x
                std::string name;
                std::string old_owner;
                std::string new_owner;
                m >> name >> old_owner >> new_owner;
                on_owner(!new_owner.empty());
            });
        if (!watching_) connection_->enterEventLoopAsync();
        watching_ = true;
    }

    void subscribe(std::function<void(const std::string&)> on_change) override {
        watcher_ = std::make_unique<Watcher>(*connection_, on_change);
        // State changes: PropertiesChanged anywhere below /org/aalayer/layers.
        slot_ = sdbus_compat::add_match(
            *connection_,
            "type='signal',sender='org.aalayer.Manager1',interface='org.freedesktop.DBus.Properties',"
            "member='PropertiesChanged',path_namespace='/org/aalayer/layers'",
            [on_change](const sdbus::Message& m) { on_change(m.getPath()); });
        if (!watching_) connection_->enterEventLoopAsync();
        watching_ = true;
    }

private:
    // sdbus-c++ wakes its event loop thread after a call only when the call
    // returned: Connection::callMethod looks at its read queue after
    // send(), which throws on an error reply. A signal read in during a
    // failed call (NameOwnerChanged as the service leaves, when the call
    // failed because it left) would wait for the next message on the socket:
    // the notifier missed the service leaving. A call that returns makes
    // that look.
    void wake_event_loop() noexcept {
        if (!watching_) return;
        try {
            auto driver =
                sdbus_compat::create_proxy(*connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
            std::string id;
            driver->callMethod("GetId").onInterface("org.freedesktop.DBus").storeResultsTo(id);
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch)
            // The bus itself is gone: nothing more will come in.
        }
    }

    std::unique_ptr<sdbus::IConnection> connection_;
    ManagerProxy manager_;
    std::unique_ptr<Watcher> watcher_;
    std::map<std::string, std::unique_ptr<LayerProxy>> followed_;
    sdbus::Slot slot_;
    sdbus::Slot service_slot_;
    bool watching_ = false;
};

}  // namespace

std::string CallError::short_name() const {
    return name_.starts_with(kErrorPrefix) ? name_.substr(std::string(kErrorPrefix).size()) : name_;
}

std::unique_ptr<Client> Client::connect(const std::optional<std::string>& address) {
    try {
        auto connection = address ? sdbus::createSessionBusConnectionWithAddress(*address)
                                  : sdbus::createSystemBusConnection();
        return std::make_unique<BusClient>(std::move(connection));
    } catch (const sdbus::Error& e) {
        throw CallError(e.getName(), e.getMessage());
    }
}

}  // namespace aalayer::client
