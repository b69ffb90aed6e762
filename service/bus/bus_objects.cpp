#include "service/bus/bus_objects.h"

#include "service/bus/object_paths.h"
#include "service/system/log.h"

namespace aalayer::service {

namespace {

using Options = std::map<std::string, sdbus::Variant>;
using Reasons = std::vector<sdbus::Struct<std::string, std::string>>;

// Reads the a{sv} options a method accepts; anything else is refused by name.
struct ParsedOptions {
    bool interactive = false;
    bool strict = false;
    bool complain = false;
    bool force = false;
};

Outcome<ParsedOptions> parse_options(const Options& options, bool apply) {
    ParsedOptions out;
    for (const auto& option : options) {
        const std::string& key = option.first;
        const sdbus::Variant& value = option.second;
        auto boolean = [&, k = key](bool& target) -> Status {
            if (!value.containsValueOfType<bool>()) {
                return fail(ErrorKind::InvalidArgument, "option '" + k + "' must be a boolean (b)");
            }
            target = value.get<bool>();
            return Done{};
        };
        Status st = Done{};
        if (key == "interactive") {
            st = boolean(out.interactive);
        } else if (apply && key == "strict") {
            st = boolean(out.strict);
        } else if (apply && key == "mode") {
            if (!value.containsValueOfType<std::string>()) {
                return fail(ErrorKind::InvalidArgument, "option 'mode' must be a string (s)");
            }
            const auto mode = value.get<std::string>();
            if (mode != "enforce" && mode != "complain") {
                return fail(ErrorKind::InvalidArgument, "option 'mode' must be \"enforce\" or \"complain\"");
            }
            out.complain = mode == "complain";
        } else if (!apply && key == "force") {
            st = boolean(out.force);
        } else {
            return fail(ErrorKind::InvalidArgument, "unknown option '" + key + "'");
        }
        if (!st) return st.error();
    }
    return out;
}

// One journal entry per change request: who, what, and how it ended.
template <typename T>
void audit(const char* action, const Caller& caller, std::uint32_t uid, const std::string& base,
           const std::string& name, const Outcome<T>& outcome) {
    const std::string result = outcome ? "ok" : error_name(outcome.error().kind);
    log_message(outcome ? 6 : 5,
                std::string(action) + " " + base + "//aalayer." + std::to_string(uid) + "." + name +
                    " by uid " + std::to_string(caller.uid) + ": " + result,
                {{"UID", std::to_string(uid)},
                 {"CALLER_UID", std::to_string(caller.uid)},
                 {"BASE", base},
                 {"LAYER", name},
                 {"ACTION", action},
                 {"RESULT", result}});
}

Reasons to_reasons(const std::vector<std::pair<std::string, std::string>>& reasons) {
    Reasons out;
    for (const auto& [source, rule] : reasons)
        out.emplace_back(source, rule);
    return out;
}

}  // namespace

sdbus::Error to_dbus_error(const ServiceError& error) {
    std::string message = error.message;
    if (error.kind == ErrorKind::Internal && message.empty()) {
        message = "internal error in aalayerd; the system log has the details";
    }
    return sdbus::Error(std::string("org.aalayer.Error.") + error_name(error.kind), message);
}

FindingStructs to_structs(const std::vector<policy::Finding>& findings) {
    FindingStructs out;
    for (const auto& f : findings)
        out.emplace_back(policy::to_string(f.severity), f.where.line, f.where.column, f.where.file,
                         f.message);
    return out;
}

Caller BusObjects::caller_of(const sdbus::Message& message) {
    // The bus's answer for the sender's uid: never the real uid from /proc,
    // which differs from it for a caller that changed its effective uid.
    return Caller{static_cast<std::uint32_t>(message.getCredsEuid()), message.getSender()};
}

// ---- org.aalayer.Manager1 ----

class BusObjects::ManagerObject final : public sdbus::AdaptorInterfaces<org::aalayer::Manager1_adaptor> {
public:
    ManagerObject(sdbus::IConnection& connection, BusObjects& owner)
        : AdaptorInterfaces(connection, kManagerPath), owner_(owner) {
        registerAdaptor();
    }
    ~ManagerObject() { unregisterAdaptor(); }
    ManagerObject(const ManagerObject&) = delete;
    ManagerObject& operator=(const ManagerObject&) = delete;

private:
    Caller caller() { return caller_of(*getObject().getCurrentlyProcessedMessage()); }

    void Check(sdbus::Result<std::string, FindingStructs>&& result, std::string base, std::string name,
               std::string text) override {
        auto r = std::make_shared<sdbus::Result<std::string, FindingStructs>>(std::move(result));
        owner_.submit(WorkerPool::Lane::Quick, r,
                      [this, r, c = caller(), base, name, text]() -> std::function<void()> {
                          auto out = owner_.manager().check(c, base, name, text);
                          return [r, out = std::move(out)] {
                              if (!out) return r->returnError(to_dbus_error(out.error()));
                              r->returnResults(out->child_profile, to_structs(out->findings));
                          };
                      });
    }

    void apply_common(sdbus::Result<sdbus::ObjectPath, FindingStructs>&& result,
                      std::optional<std::uint32_t> uid, const std::string& base, const std::string& name,
                      const std::string& text, const Options& options) {
        auto r = std::make_shared<sdbus::Result<sdbus::ObjectPath, FindingStructs>>(std::move(result));
        auto parsed = parse_options(options, true);
        if (!parsed) return r->returnError(to_dbus_error(parsed.error()));
        owner_.submit(WorkerPool::Lane::Slow, r,
                      [this, r, c = caller(), uid, base, name, text, o = *parsed]() -> std::function<void()> {
                          ApplyOptions ao{o.interactive, o.strict, o.complain};
                          auto out = owner_.manager().apply(c, uid, base, name, text, ao);
                          audit("apply", c, uid.value_or(c.uid), base, name, out);
                          const std::string path = layer_object_path(uid.value_or(c.uid), base, name);
                          return [r, out = std::move(out), path] {
                              if (!out) return r->returnError(to_dbus_error(out.error()));
                              r->returnResults(sdbus::ObjectPath(path), to_structs(*out));
                          };
                      });
    }

    void Apply(sdbus::Result<sdbus::ObjectPath, FindingStructs>&& result, std::string base, std::string name,
               std::string text, Options options) override {
        apply_common(std::move(result), std::nullopt, base, name, text, options);
    }

    void ApplyFor(sdbus::Result<sdbus::ObjectPath, FindingStructs>&& result, uint32_t uid, std::string base,
                  std::string name, std::string text, Options options) override {
        apply_common(std::move(result), uid, base, name, text, options);
    }

    void remove_common(sdbus::Result<>&& result, std::optional<std::uint32_t> uid, const std::string& base,
                       const std::string& name, const Options& options) {
        auto r = std::make_shared<sdbus::Result<>>(std::move(result));
        auto parsed = parse_options(options, false);
        if (!parsed) return r->returnError(to_dbus_error(parsed.error()));
        owner_.submit(WorkerPool::Lane::Slow, r,
                      [this, r, c = caller(), uid, base, name, o = *parsed]() -> std::function<void()> {
                          auto out = owner_.manager().remove(c, uid, base, name, o.interactive, o.force);
                          audit("remove", c, uid.value_or(c.uid), base, name, out);
                          return [r, out = std::move(out)] {
                              if (!out) return r->returnError(to_dbus_error(out.error()));
                              r->returnResults();
                          };
                      });
    }

    void Remove(sdbus::Result<>&& result, std::string base, std::string name, Options options) override {
        remove_common(std::move(result), std::nullopt, base, name, options);
    }

    void RemoveFor(sdbus::Result<>&& result, uint32_t uid, std::string base, std::string name,
                   Options options) override {
        remove_common(std::move(result), uid, base, name, options);
    }

    void ListGrants(sdbus::Result<std::vector<sdbus::Struct<std::string, std::string>>>&& result) override {
        auto r = std::make_shared<sdbus::Result<std::vector<sdbus::Struct<std::string, std::string>>>>(
            std::move(result));
        owner_.submit(WorkerPool::Lane::Quick, r, [this, r, c = caller()]() -> std::function<void()> {
            auto out = owner_.manager().list_grants(c);
            return [r, out = std::move(out)] {
                if (!out) return r->returnError(to_dbus_error(out.error()));
                r->returnResults(to_reasons(*out));
            };
        });
    }

    void Explain(sdbus::Result<std::string, Reasons>&& result, std::string base, std::string name,
                 std::string path) override {
        auto r = std::make_shared<sdbus::Result<std::string, Reasons>>(std::move(result));
        owner_.submit(WorkerPool::Lane::Quick, r,
                      [this, r, c = caller(), base, name, path]() -> std::function<void()> {
                          auto out = owner_.manager().explain(c, c.uid, base, name, path);
                          return [r, out = std::move(out)] {
                              if (!out) return r->returnError(to_dbus_error(out.error()));
                              r->returnResults(out->perms, to_reasons(out->reasons));
                          };
                      });
    }

    void Diff(sdbus::Result<std::vector<sdbus::Struct<std::string, std::string, std::string>>>&& result,
              std::string base, std::string name_a, std::string name_b) override {
        using Rows = std::vector<sdbus::Struct<std::string, std::string, std::string>>;
        auto r = std::make_shared<sdbus::Result<Rows>>(std::move(result));
        owner_.submit(WorkerPool::Lane::Quick, r,
                      [this, r, c = caller(), base, name_a, name_b]() -> std::function<void()> {
                          auto out = owner_.manager().diff(c, base, name_a, name_b);
                          return [r, out = std::move(out)] {
                              if (!out) return r->returnError(to_dbus_error(out.error()));
                              Rows rows;
                              for (const auto& [path, a, b] : *out)
                                  rows.emplace_back(path, a, b);
                              r->returnResults(rows);
                          };
                      });
    }

    void Reload(sdbus::Result<>&& result) override {
        auto r = std::make_shared<sdbus::Result<>>(std::move(result));
        owner_.submit(WorkerPool::Lane::Slow, r, [this, r, c = caller()]() -> std::function<void()> {
            auto out =
                owner_.manager().reload(c, false, [this](const std::string& m) { owner_.log()(4, m); });
            return [r, out = std::move(out)] {
                if (!out) return r->returnError(to_dbus_error(out.error()));
                r->returnResults();
            };
        });
    }

    std::string Backend() override { return owner_.manager().backend(); }

    BusObjects& owner_;
};

// ---- org.aalayer.Layer1 ----

class LayerObject final
    : public sdbus::AdaptorInterfaces<org::aalayer::Layer1_adaptor, sdbus::ManagedObject_adaptor,
                                      sdbus::Properties_adaptor> {
public:
    LayerObject(sdbus::IConnection& connection, BusObjects& owner, LayerView view)
        : AdaptorInterfaces(connection, layer_object_path(view.uid, view.base, view.name)),
          owner_(owner),
          view_(std::move(view)) {
        registerAdaptor();
        emitInterfacesAddedSignal({org::aalayer::Layer1_adaptor::INTERFACE_NAME});
    }
    ~LayerObject() {
        emitInterfacesRemovedSignal({org::aalayer::Layer1_adaptor::INTERFACE_NAME});
        unregisterAdaptor();
    }
    LayerObject(const LayerObject&) = delete;
    LayerObject& operator=(const LayerObject&) = delete;

    void update(LayerView view) {
        view_ = std::move(view);
        // Findings are only invalidated (no value in the signal): see the XML.
        emitPropertiesChangedSignal(org::aalayer::Layer1_adaptor::INTERFACE_NAME,
                                    {"State", "UpdatedAt", "Mode"});
    }

private:
    Caller caller() { return BusObjects::caller_of(*getObject().getCurrentlyProcessedMessage()); }
    [[nodiscard]] bool may_read(const Caller& c) const { return c.uid == view_.uid || c.uid == 0; }

    void GetFindings(sdbus::Result<FindingStructs>&& result) override {
        // Another user's findings are refused like their text: they may quote it.
        if (!may_read(caller())) {
            return result.returnError(to_dbus_error(fail(ErrorKind::NoSuchLayer, "you have no such layer")));
        }
        result.returnResults(to_structs(view_.findings));
    }

    void GetSource(sdbus::Result<std::string>&& result) override {
        auto r = std::make_shared<sdbus::Result<std::string>>(std::move(result));
        owner_.submit(WorkerPool::Lane::Quick, r,
                      [this, r, c = caller(), v = view_]() -> std::function<void()> {
                          auto out = owner_.manager().source(c, v.uid, v.base, v.name);
                          return [r, out = std::move(out)] {
                              if (!out) return r->returnError(to_dbus_error(out.error()));
                              r->returnResults(*out);
                          };
                      });
    }

    void Explain(sdbus::Result<std::string, Reasons>&& result, std::string path) override {
        auto r = std::make_shared<sdbus::Result<std::string, Reasons>>(std::move(result));
        owner_.submit(WorkerPool::Lane::Quick, r,
                      [this, r, c = caller(), v = view_, path]() -> std::function<void()> {
                          auto out = owner_.manager().explain(c, v.uid, v.base, v.name, path);
                          return [r, out = std::move(out)] {
                              if (!out) return r->returnError(to_dbus_error(out.error()));
                              r->returnResults(out->perms, to_reasons(out->reasons));
                          };
                      });
    }

    void Remove(sdbus::Result<>&& result) override {
        auto r = std::make_shared<sdbus::Result<>>(std::move(result));
        owner_.submit(WorkerPool::Lane::Slow, r,
                      [this, r, c = caller(), v = view_]() -> std::function<void()> {
                          // The owner removes their own layer; anyone else needs manage-any.
                          const std::optional<std::uint32_t> for_uid =
                              c.uid == v.uid ? std::nullopt : std::optional(v.uid);
                          auto out = owner_.manager().remove(c, for_uid, v.base, v.name, false, false);
                          audit("remove", c, v.uid, v.base, v.name, out);
                          return [r, out = std::move(out)] {
                              if (!out) return r->returnError(to_dbus_error(out.error()));
                              r->returnResults();
                          };
                      });
    }

    uint32_t Owner() override { return view_.uid; }
    std::string Base() override { return view_.base; }
    std::string Name() override { return view_.name; }
    std::string KernelName() override { return view_.kernel_name; }
    std::string State() override { return to_string(view_.state); }
    uint64_t UpdatedAt() override { return view_.updated_at; }
    std::string Mode() override { return view_.complain ? "complain" : "enforce"; }

    BusObjects& owner_;
    LayerView view_;
};

// ---- BusObjects ----

BusObjects::BusObjects(sdbus::IConnection& connection, BusLoop& loop, WorkerPool& pool, LayerManager& manager,
                       Log log)
    : connection_(connection), loop_(loop), pool_(pool), manager_(manager), log_(std::move(log)) {
    object_manager_ = sdbus::createObject(connection_, kObjectManagerPath);
    object_manager_->addObjectManager();
    object_manager_->finishRegistration();
    manager_object_ = std::make_unique<ManagerObject>(connection_, *this);
}

BusObjects::~BusObjects() {
    layers_.clear();
    manager_object_.reset();
    object_manager_.reset();
}

void BusObjects::publish_all() {
    for (auto& view : manager_.layers()) {
        const LayerKey key{view.uid, view.base, view.name};
        layers_[key] = std::make_unique<LayerObject>(connection_, *this, std::move(view));
    }
}

void BusObjects::on_layer_event(LayerEvent event, const LayerKey& key) {
    // Snapshot now, on the calling thread; apply on the bus thread.
    std::optional<LayerView> view = event == LayerEvent::Removed ? std::nullopt : manager_.layer(key);
    loop_.post([this, key, view = std::move(view)]() mutable {
        const auto it = layers_.find(key);
        if (!view) {
            if (it != layers_.end()) layers_.erase(it);
            return;
        }
        if (it == layers_.end()) {
            layers_[key] = std::make_unique<LayerObject>(connection_, *this, std::move(*view));
        } else {
            it->second->update(std::move(*view));
        }
    });
}

}  // namespace aalayer::service
