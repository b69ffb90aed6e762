#include "service/bus/bus_objects.h"

#include <ctime>

#include "dbus/sdbus_compat.h"
#include "service/bus/object_paths.h"
#include "service/system/log.h"

namespace aalayer::service {

namespace {

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

}  // namespace

std::uint64_t thread_cpu_usec() {
    timespec ts{};
    if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000U +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1000U;
}

// ---- org.aalayer.Manager1 ----

class BusObjects::ManagerObject final : public sdbus::AdaptorInterfaces<org::aalayer::Manager1_adaptor> {
public:
    ManagerObject(sdbus::IConnection& connection, BusObjects& owner)
        : AdaptorInterfaces(connection, sdbus::ObjectPath(kManagerPath)), owner_(owner) {
        registerAdaptor();
    }
    ~ManagerObject() { unregisterAdaptor(); }
    ManagerObject(const ManagerObject&) = delete;
    ManagerObject& operator=(const ManagerObject&) = delete;

private:
    sdbus_compat::CurrentMessage call() { return sdbus_compat::current_message(getObject()); }

    // Cheap checks on the bus thread, before the caller is even looked up:
    // an oversized text never reaches a queue.
    template <typename R>
    bool refused(const std::shared_ptr<R>& r, const ServiceStatus& st) {
        if (st) return false;
        r->returnError(to_dbus_error(st.error()));
        return true;
    }

    // Explain and ExplainAccess: a one-run layer's name ("run.7") is no stored
    // layer's name, but both answer for it.
    ServiceStatus valid_explain(const std::string& base, const std::string& name, const std::string& path) {
        const std::string checked_name = policy::transient_serial(name) ? std::string("run") : name;
        if (auto st = LayerManager::valid_request(base, checked_name, {}, owner_.manager().limits()); !st)
            return st;
        return LayerManager::valid_path(path);
    }

    void Check(sdbus::Result<std::string, FindingStructs>&& result, std::string base, std::string name,
               std::string text) override {
        auto r = std::make_shared<sdbus::Result<std::string, FindingStructs>>(std::move(result));
        if (refused(r, LayerManager::valid_request(base, name, text, owner_.manager().limits()))) return;
        owner_.serve(WorkerPool::Lane::Quick, call(), r,
                     [this, r, base, name, text = std::move(text)](const Caller& c) -> std::function<void()> {
                         auto out = owner_.manager().check(c, base, name, text);
                         return [r, out = std::move(out)] {
                             if (!out) return r->returnError(to_dbus_error(out.error()));
                             r->returnResults(to_text(out->child_profile), to_structs(out->findings));
                         };
                     });
    }

    void apply_common(sdbus::Result<sdbus::ObjectPath, FindingStructs>&& result,
                      std::optional<std::uint32_t> uid, const std::string& base, const std::string& name,
                      std::string text, const Options& options) {
        auto r = std::make_shared<sdbus::Result<sdbus::ObjectPath, FindingStructs>>(std::move(result));
        if (refused(r, LayerManager::valid_request(base, name, text, owner_.manager().limits()))) return;
        auto parsed = parse_options(options, true);
        if (!parsed) return r->returnError(to_dbus_error(parsed.error()));
        owner_.serve(
            WorkerPool::Lane::Slow, call(), r,
            [this, r, uid, base, name, text = std::move(text),
             o = *parsed](const Caller& c) -> std::function<void()> {
                ApplyOptions ao{o.interactive, o.strict, o.complain};
                auto out = owner_.manager().apply(c, uid, base, name, text, ao);
                audit("apply", c, uid.value_or(c.uid), base, name, out);
                const std::string path = layer_object_path(uid.value_or(c.uid), base, name);
                return [r, out = std::move(out), path, as_reply = o.refusal_as_reply] {
                    if (!out) {
                        const ServiceError& e = out.error();
                        if (as_reply && e.kind == ServiceErrorKind::InvalidLayer && !e.findings.empty())
                            return r->returnResults(sdbus::ObjectPath("/"), to_structs(e.findings));
                        return r->returnError(to_dbus_error(e));
                    }
                    r->returnResults(sdbus::ObjectPath(path), to_structs(*out));
                };
            });
    }

    void Apply(sdbus::Result<sdbus::ObjectPath, FindingStructs>&& result, std::string base, std::string name,
               std::string text, Options options) override {
        apply_common(std::move(result), std::nullopt, base, name, std::move(text), options);
    }

    void ApplyFor(sdbus::Result<sdbus::ObjectPath, FindingStructs>&& result, uint32_t uid, std::string base,
                  std::string name, std::string text, Options options) override {
        apply_common(std::move(result), uid, base, name, std::move(text), options);
    }

    void remove_common(sdbus::Result<>&& result, std::optional<std::uint32_t> uid, const std::string& base,
                       const std::string& name, const Options& options) {
        auto r = std::make_shared<sdbus::Result<>>(std::move(result));
        if (refused(r, LayerManager::valid_request(base, name, {}, owner_.manager().limits()))) return;
        auto parsed = parse_options(options, false);
        if (!parsed) return r->returnError(to_dbus_error(parsed.error()));
        owner_.serve(WorkerPool::Lane::Slow, call(), r,
                     [this, r, uid, base, name, o = *parsed](const Caller& c) -> std::function<void()> {
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

    void reset_common(sdbus::Result<sdbus::ObjectPath>&& result, std::optional<std::uint32_t> uid,
                      const std::string& base, const std::string& name, const Options& options) {
        auto r = std::make_shared<sdbus::Result<sdbus::ObjectPath>>(std::move(result));
        if (refused(r, LayerManager::valid_request(base, name, {}, owner_.manager().limits()))) return;
        auto parsed = parse_options(options, false);
        if (!parsed) return r->returnError(to_dbus_error(parsed.error()));
        owner_.serve(WorkerPool::Lane::Slow, call(), r,
                     [this, r, uid, base, name, o = *parsed](const Caller& c) -> std::function<void()> {
                         auto out = owner_.manager().reset(c, uid, base, name, o.interactive);
                         audit("reset", c, uid.value_or(c.uid), base, name, out);
                         const std::string path = layer_object_path(uid.value_or(c.uid), base, name);
                         return [r, out = std::move(out), path] {
                             if (!out) return r->returnError(to_dbus_error(out.error()));
                             r->returnResults(sdbus::ObjectPath(path));
                         };
                     });
    }

    void Reset(sdbus::Result<sdbus::ObjectPath>&& result, std::string base, std::string name,
               Options options) override {
        reset_common(std::move(result), std::nullopt, base, name, options);
    }

    void ResetFor(sdbus::Result<sdbus::ObjectPath>&& result, uint32_t uid, std::string base, std::string name,
                  Options options) override {
        reset_common(std::move(result), uid, base, name, options);
    }

    void ListGrants(sdbus::Result<std::vector<sdbus::Struct<std::string, std::string>>>&& result) override {
        auto r = std::make_shared<sdbus::Result<std::vector<sdbus::Struct<std::string, std::string>>>>(
            std::move(result));
        owner_.serve(WorkerPool::Lane::Quick, call(), r, [this, r](const Caller& c) -> std::function<void()> {
            auto out = owner_.manager().list_grants(c);
            return [r, out = std::move(out)] {
                if (!out) return r->returnError(to_dbus_error(out.error()));
                r->returnResults(to_reasons(*out));
            };
        });
    }

    // Explain and ExplainAccess: one question, two shapes of answer.
    template <typename R, typename Reply>
    void explain_common(R result, const std::string& base, const std::string& name, const std::string& path,
                        Reply reply) {
        auto r = std::make_shared<R>(std::move(result));
        if (refused(r, valid_explain(base, name, path))) return;
        owner_.serve(WorkerPool::Lane::Quick, call(), r,
                     [this, r, base, name, path, reply](const Caller& c) -> std::function<void()> {
                         auto out = owner_.manager().explain(c, c.uid, base, name, path);
                         return [r, out = std::move(out), reply] {
                             if (!out) return r->returnError(to_dbus_error(out.error()));
                             reply(*r, *out);
                         };
                     });
    }

    void Explain(sdbus::Result<std::string, Reasons>&& result, std::string base, std::string name,
                 std::string path) override {
        explain_common(std::move(result), base, name, path, [](auto& r, const auto& out) {
            r.returnResults(to_text(out.perms), to_reasons(out.reasons));
        });
    }

    void ExplainAccess(sdbus::Result<std::string, std::string, Reasons>&& result, std::string base,
                       std::string name, std::string path) override {
        explain_common(std::move(result), base, name, path, [](auto& r, const auto& out) {
            r.returnResults(to_text(out.owner), to_text(out.other), to_reasons(out.reasons));
        });
    }

    void ListGrantRules(sdbus::Result<GrantRuleStructs>&& result) override {
        auto r = std::make_shared<sdbus::Result<GrantRuleStructs>>(std::move(result));
        owner_.serve(WorkerPool::Lane::Quick, call(), r, [this, r](const Caller& c) -> std::function<void()> {
            auto out = owner_.manager().grant_rules(c);
            return [r, out = std::move(out)] {
                if (!out) return r->returnError(to_dbus_error(out.error()));
                r->returnResults(to_grant_rule_structs(*out));
            };
        });
    }

    void ListBases(sdbus::Result<BaseStructs>&& result) override {
        auto r = std::make_shared<sdbus::Result<BaseStructs>>(std::move(result));
        owner_.serve(WorkerPool::Lane::Quick, call(), r, [this, r](const Caller& c) -> std::function<void()> {
            auto out = owner_.manager().list_bases(c);
            return [r, out = std::move(out)] {
                if (!out) return r->returnError(to_dbus_error(out.error()));
                r->returnResults(to_base_structs(*out));
            };
        });
    }

public:
    // Bus thread: the signals that tell panels the admin changed something.
    void send_catalog_changes(const CatalogChanges& changes) {
        if (!changes.grants.empty()) emitGrantsChanged(to_texts(changes.grants));
        if (!changes.bases.empty()) emitBasesChanged(to_texts(changes.bases));
    }

private:
    void Diff(sdbus::Result<std::vector<sdbus::Struct<std::string, std::string, std::string>>>&& result,
              std::string base, std::string name_a, std::string name_b) override {
        using Rows = std::vector<sdbus::Struct<std::string, std::string, std::string>>;
        auto r = std::make_shared<sdbus::Result<Rows>>(std::move(result));
        const auto& limits = owner_.manager().limits();
        if (refused(r, LayerManager::valid_request(base, name_a, {}, limits)) ||
            refused(r, LayerManager::valid_request(base, name_b, {}, limits)))
            return;
        owner_.serve(WorkerPool::Lane::Quick, call(), r,
                     [this, r, base, name_a, name_b](const Caller& c) -> std::function<void()> {
                         auto out = owner_.manager().diff(c, base, name_a, name_b);
                         return [r, out = std::move(out)] {
                             if (!out) return r->returnError(to_dbus_error(out.error()));
                             r->returnResults(to_rows(*out));
                         };
                     });
    }

    void DiffWithBase(
        sdbus::Result<std::vector<sdbus::Struct<std::string, std::string, std::string>>>&& result,
        std::string base, std::string name) override {
        using Rows = std::vector<sdbus::Struct<std::string, std::string, std::string>>;
        auto r = std::make_shared<sdbus::Result<Rows>>(std::move(result));
        if (refused(r, LayerManager::valid_request(base, name, {}, owner_.manager().limits()))) return;
        owner_.serve(WorkerPool::Lane::Quick, call(), r,
                     [this, r, base, name](const Caller& c) -> std::function<void()> {
                         auto out = owner_.manager().diff_with_base(c, base, name);
                         return [r, out = std::move(out)] {
                             if (!out) return r->returnError(to_dbus_error(out.error()));
                             r->returnResults(to_rows(*out));
                         };
                     });
    }

    using RunResult = sdbus::Result<std::string, std::string, std::string, FindingStructs>;
    void RunLayer(RunResult&& result, std::string base,
                  std::vector<sdbus::Struct<std::string, std::string>> allow, std::vector<std::string> deny,
                  std::string text, Options options) override {
        auto r = std::make_shared<RunResult>(std::move(result));
        RunRequest request;
        request.base = std::move(base);
        for (auto& a : allow)
            request.allows.push_back(policy::OneRunPath{std::move(a.get<0>()), std::move(a.get<1>())});
        request.denies = std::move(deny);
        request.text = std::move(text);
        // The paths' rules are cheap to write: written here, an oversized or
        // refused request is answered before it is queued.
        if (refused(
                r, LayerManager::valid_request(request.base, "run", request.text, owner_.manager().limits())))
            return;
        if (auto rules = policy::one_run_rules(request.allows, request.denies); !rules)
            return r->returnError(
                to_dbus_error(fail(ServiceErrorKind::InvalidArgument, rules.error().message)));
        auto parsed = parse_options(options, true);
        if (!parsed) return r->returnError(to_dbus_error(parsed.error()));
        if (parsed->complain) {
            return r->returnError(to_dbus_error(fail(ServiceErrorKind::InvalidArgument,
                                                     "unknown option 'mode': a one-run layer is enforced")));
        }
        request.interactive = parsed->interactive;
        request.strict = parsed->strict;
        owner_.serve(WorkerPool::Lane::Slow, call(), r,
                     [this, r, request = std::move(request)](const Caller& c) -> std::function<void()> {
                         auto out = owner_.manager().run_layer(c, request);
                         audit("run", c, c.uid, request.base, out ? out->name : std::string("run"), out);
                         return [r, out = std::move(out)] {
                             if (!out) return r->returnError(to_dbus_error(out.error()));
                             r->returnResults(out->name, to_text(out->label), to_text(out->text),
                                              to_structs(out->findings));
                         };
                     });
    }

    void Reload(sdbus::Result<>&& result) override {
        auto r = std::make_shared<sdbus::Result<>>(std::move(result));
        owner_.serve(WorkerPool::Lane::Slow, call(), r, [this, r](const Caller& c) -> std::function<void()> {
            auto out =
                owner_.manager().reload(c, false, [this](const std::string& m) { owner_.log()(4, m); });
            return [r, out = std::move(out)] {
                if (!out) return r->returnError(to_dbus_error(out.error()));
                r->returnResults();
            };
        });
    }

    std::string Backend() override { return to_string(owner_.manager().backend()); }
    std::string DenialSource() override { return owner_.delivery().source; }

    BusObjects& owner_;
};

// ---- org.aalayer.Layer1 ----

class LayerObject final
    : public sdbus::AdaptorInterfaces<org::aalayer::Layer1_adaptor, sdbus::ManagedObject_adaptor,
                                      sdbus::Properties_adaptor> {
public:
    LayerObject(sdbus::IConnection& connection, BusObjects& owner, LayerView view)
        : AdaptorInterfaces(connection, sdbus::ObjectPath(layer_object_path(view.uid, view.base, view.name))),
          owner_(owner),
          view_(std::move(view)) {
        registerAdaptor();
        emitInterfacesAddedSignal(
            {sdbus_compat::InterfaceName(org::aalayer::Layer1_adaptor::INTERFACE_NAME)});
    }
    ~LayerObject() {
        emitInterfacesRemovedSignal(
            {sdbus_compat::InterfaceName(org::aalayer::Layer1_adaptor::INTERFACE_NAME)});
        unregisterAdaptor();
    }
    LayerObject(const LayerObject&) = delete;
    LayerObject& operator=(const LayerObject&) = delete;

    // The Denials signal to `destination` alone (a unicast signal: bus
    // daemons deliver it to that connection only, whatever others match).
    void send_denials(const std::string& destination, const DenialStructs& denials) {
        auto signal =
            sdbus_compat::create_signal(getObject(), org::aalayer::Layer1_adaptor::INTERFACE_NAME, "Denials");
        signal << denials;
        signal.setDestination(destination);
        signal.send();
    }

    void update(LayerView view) {
        view_ = std::move(view);
        // Findings are only invalidated (no value in the signal): see the XML.
        using sdbus_compat::PropertyName;
        emitPropertiesChangedSignal(
            sdbus_compat::InterfaceName(org::aalayer::Layer1_adaptor::INTERFACE_NAME),
            {PropertyName("State"), PropertyName("UpdatedAt"), PropertyName("Mode"), PropertyName("Origin")});
    }

private:
    // The continuations below run after the caller is known, when this
    // object may be gone (its layer removed meanwhile): they capture what
    // they need (the view as it was called, the BusObjects), never `this`.
    sdbus_compat::CurrentMessage call() { return sdbus_compat::current_message(getObject()); }

    void GetFindings(sdbus::Result<FindingStructs>&& result) override {
        auto r = std::make_shared<sdbus::Result<FindingStructs>>(std::move(result));
        // Answered on the bus thread from the snapshot, once the caller is known.
        owner_.with_caller(call(), r, [r, uid = view_.uid, findings = view_.findings](const Caller& c) {
            // Another user's findings are refused like their text: they may quote it.
            if (c.uid != uid && c.uid != 0) {
                return r->returnError(
                    to_dbus_error(fail(ServiceErrorKind::NoSuchLayer, "you have no such layer")));
            }
            r->returnResults(to_structs(findings));
        });
    }

    void GetSource(sdbus::Result<std::string>&& result) override {
        auto r = std::make_shared<sdbus::Result<std::string>>(std::move(result));
        owner_.serve(WorkerPool::Lane::Quick, call(), r,
                     [&owner = owner_, r, v = view_](const Caller& c) -> std::function<void()> {
                         auto out = owner.manager().source(c, v.uid, v.base, v.name);
                         return [r, out = std::move(out)] {
                             if (!out) return r->returnError(to_dbus_error(out.error()));
                             r->returnResults(to_text(*out));
                         };
                     });
    }

    void Explain(sdbus::Result<std::string, Reasons>&& result, std::string path) override {
        auto r = std::make_shared<sdbus::Result<std::string, Reasons>>(std::move(result));
        if (auto st = LayerManager::valid_path(path); !st) return r->returnError(to_dbus_error(st.error()));
        owner_.serve(WorkerPool::Lane::Quick, call(), r,
                     [&owner = owner_, r, v = view_, path](const Caller& c) -> std::function<void()> {
                         auto out = owner.manager().explain(c, v.uid, v.base, v.name, path);
                         return [r, out = std::move(out)] {
                             if (!out) return r->returnError(to_dbus_error(out.error()));
                             r->returnResults(to_text(out->perms), to_reasons(out->reasons));
                         };
                     });
    }

    void Remove(sdbus::Result<>&& result) override {
        auto r = std::make_shared<sdbus::Result<>>(std::move(result));
        owner_.serve(WorkerPool::Lane::Slow, call(), r,
                     [&owner = owner_, r, v = view_](const Caller& c) -> std::function<void()> {
                         // The owner removes their own layer; anyone else needs manage-any.
                         const std::optional<std::uint32_t> for_uid =
                             c.uid == v.uid ? std::nullopt : std::optional(v.uid);
                         auto out = owner.manager().remove(c, for_uid, v.base, v.name, false, false);
                         audit("remove", c, v.uid, v.base, v.name, out);
                         return [r, out = std::move(out)] {
                             if (!out) return r->returnError(to_dbus_error(out.error()));
                             r->returnResults();
                         };
                     });
    }

    void SetMode(sdbus::Result<>&& result, std::string mode) override {
        auto r = std::make_shared<sdbus::Result<>>(std::move(result));
        auto complain = parse_mode(mode);
        if (!complain) return r->returnError(to_dbus_error(complain.error()));
        owner_.serve(
            WorkerPool::Lane::Slow, call(), r,
            [&owner = owner_, r, v = view_, complain = *complain](const Caller& c) -> std::function<void()> {
                const std::optional<std::uint32_t> for_uid =
                    c.uid == v.uid ? std::nullopt : std::optional(v.uid);
                auto out = owner.manager().set_mode(c, for_uid, v.base, v.name, complain, false);
                audit(complain ? "complain" : "enforce", c, v.uid, v.base, v.name, out);
                return [r, out = std::move(out)] {
                    if (!out) return r->returnError(to_dbus_error(out.error()));
                    r->returnResults();
                };
            });
    }

    void Accept(sdbus::Result<>&& result, bool interactive) override {
        auto r = std::make_shared<sdbus::Result<>>(std::move(result));
        owner_.serve(WorkerPool::Lane::Slow, call(), r,
                     [&owner = owner_, r, v = view_, interactive](const Caller& c) -> std::function<void()> {
                         const std::optional<std::uint32_t> for_uid =
                             c.uid == v.uid ? std::nullopt : std::optional(v.uid);
                         auto out = owner.manager().accept(c, for_uid, v.base, v.name, interactive);
                         audit("accept", c, v.uid, v.base, v.name, out);
                         return [r, out = std::move(out)] {
                             if (!out) return r->returnError(to_dbus_error(out.error()));
                             r->returnResults();
                         };
                     });
    }

    void GetDenials(sdbus::Result<DenialStructs, std::uint64_t>&& result, uint64_t since) override {
        auto r = std::make_shared<sdbus::Result<DenialStructs, std::uint64_t>>(std::move(result));
        owner_.serve(
            WorkerPool::Lane::Quick, call(), r,
            [&owner = owner_, r, v = view_, since](const Caller& c) -> std::function<void()> {
                std::uint64_t dropped = 0;
                auto out = owner.manager().denials(c, LayerKey{v.uid, v.base, v.name}, since, dropped);
                DenialStructs structs;
                if (out) structs = to_denial_structs(*out);
                return [r, ok = static_cast<bool>(out), error = out ? ServiceError{} : out.error(),
                        structs = std::move(structs), dropped] {
                    if (!ok) return r->returnError(to_dbus_error(error));
                    r->returnResults(structs, dropped);
                };
            });
    }

    void ProposeRules(
        sdbus::Result<ProposalStructs, UnproposedStructs, std::string, std::string, std::uint64_t>&& result,
        uint64_t since) override {
        using Reply =
            sdbus::Result<ProposalStructs, UnproposedStructs, std::string, std::string, std::uint64_t>;
        auto r = std::make_shared<Reply>(std::move(result));
        // Composes the layer like Check does: the same lane, charged the same way.
        owner_.serve(WorkerPool::Lane::Quick, call(), r,
                     [&owner = owner_, r, v = view_, since](const Caller& c) -> std::function<void()> {
                         auto out = owner.manager().learn(c, LayerKey{v.uid, v.base, v.name}, since);
                         return [r, out = std::move(out)] {
                             if (!out) return r->returnError(to_dbus_error(out.error()));
                             r->returnResults(to_proposal_structs(out->proposals),
                                              to_unproposed_structs(out->unproposed), to_text(out->text),
                                              to_text(out->new_text), out->dropped);
                         };
                     });
    }

    void SubscribeDenials(sdbus::Result<>&& result) override {
        auto r = std::make_shared<sdbus::Result<>>(std::move(result));
        owner_.serve(WorkerPool::Lane::Quick, call(), r,
                     [&owner = owner_, r, v = view_](const Caller& c) -> std::function<void()> {
                         const LayerKey key{v.uid, v.base, v.name};
                         auto allowed = owner.manager().may_read_denials(c, key);
                         // The subscription itself is made on the bus thread, with the reply.
                         return [&owner, r, c, key, allowed = std::move(allowed)] {
                             if (!allowed) return r->returnError(to_dbus_error(allowed.error()));
                             if (auto refused = owner.subscribe(c, key))
                                 return r->returnError(to_dbus_error(*refused));
                             r->returnResults();
                         };
                     });
    }

    void UnsubscribeDenials(sdbus::Result<>&& result) override {
        auto r = std::make_shared<sdbus::Result<>>(std::move(result));
        owner_.with_caller(call(), r, [&owner = owner_, r, v = view_](const Caller& c) {
            owner.unsubscribe(c.bus_name, LayerKey{v.uid, v.base, v.name});
            r->returnResults();
        });
    }

    uint32_t Owner() override { return view_.uid; }
    std::string Base() override { return to_text(view_.base); }
    std::string Name() override { return to_text(view_.name); }
    std::string KernelName() override { return to_text(view_.kernel_name); }
    std::string State() override { return to_string(view_.state); }
    uint64_t UpdatedAt() override { return view_.updated_at; }
    std::string Mode() override { return view_.complain ? "complain" : "enforce"; }
    std::string Origin() override { return view_.origin; }

    BusObjects& owner_;
    LayerView view_;
};

// ---- BusObjects ----

BusObjects::BusObjects(sdbus::IConnection& connection, BusLoop& loop, WorkerPool& pool, LayerManager& manager,
                       CostLimiter& costs, PriorityLog log, DenialDelivery delivery)
    : connection_(connection),
      loop_(loop),
      pool_(pool),
      manager_(manager),
      costs_(costs),
      log_(std::move(log)),
      callers_(connection),
      delivery_(std::move(delivery)) {
    object_manager_ = sdbus_compat::create_object(connection_, kObjectManagerPath);
    object_manager_->addObjectManager();
    sdbus_compat::finish_registration(*object_manager_);
    manager_object_ = std::make_unique<ManagerObject>(connection_, *this);
    // Subscribers that leave the bus (their unique name loses its owner).
    names_slot_ = std::make_unique<sdbus::Slot>(
        sdbus_compat::add_match(connection_,
                                "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                "interface='org.freedesktop.DBus',member='NameOwnerChanged'",
                                // A Message& on sdbus-c++ 1.x, a Message value on 2.x.
                                [this](auto&& m) {
                                    std::string name;
                                    std::string old_owner;
                                    std::string new_owner;
                                    try {
                                        m >> name >> old_owner >> new_owner;
                                    } catch (const sdbus::Error&) {
                                        return;
                                    }
                                    if (new_owner.empty()) name_gone(name);
                                }));
}

BusObjects::~BusObjects() {
    // A batch's timer left on the loop does nothing now; its round, like
    // every task of ours, is gone with the pool's shutdown (main.cpp).
    {
        const std::lock_guard lock(notify_mutex_);
        stopping_ = true;
    }
    names_slot_.reset();
    layers_.clear();
    manager_object_.reset();
    object_manager_.reset();
}

namespace {

std::uint64_t steady_usec() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

}  // namespace

std::optional<ServiceError> BusObjects::admit(const Caller& caller) {
    const auto wait = costs_.admit(caller.uid, steady_usec());
    if (!wait) return std::nullopt;
    return fail(ServiceErrorKind::LimitExceeded,
                "uid " + std::to_string(caller.uid) +
                    " has used its share of the service's CPU time for now; retry in " +
                    std::to_string((*wait + 999'999U) / 1'000'000U) + " s");
}

void BusObjects::charge(const Caller& caller, std::uint64_t cpu_usec) {
    costs_.charge(caller.uid, cpu_usec, steady_usec());
}

ServiceError BusObjects::refusal(WorkerPool::Posted posted) {
    if (posted == WorkerPool::Posted::UserFull) {
        return fail(ServiceErrorKind::Busy,
                    "you have too many requests waiting already; retry once they are answered");
    }
    if (posted == WorkerPool::Posted::Stopped) return fail(ServiceErrorKind::Busy, "the service is stopping");
    return fail(ServiceErrorKind::Busy, "the service is busy with other requests; retry in a moment");
}

void BusObjects::on_denials(const LayerKey& key) {
    {
        const std::lock_guard lock(notify_mutex_);
        if (!watched_.contains(key)) return;
        pending_.insert(key);
        // Only the first record of a batch sets a timer: at 100,000 records
        // a second, one each would be a wake-up of the bus thread each.
        if (batch_armed_ || stopping_) return;
        batch_armed_ = true;
    }
    // Let the batch fill: one signal per layer per batch, however many records.
    loop_.post_at(std::chrono::steady_clock::now() + delivery_.batch, [this] { start_batch(); });
}

void BusObjects::start_batch() {
    {
        const std::lock_guard lock(notify_mutex_);
        if (stopping_) return;
    }
    const auto posted = pool_.post(0, [this] { send_batch(); });
    // Stopped: the service is going; batch_armed_ stays, so nothing re-arms.
    if (posted == WorkerPool::Posted::Queued || posted == WorkerPool::Posted::Stopped) return;
    // A full pool: the records wait in their rings, the batch a while longer.
    loop_.post_at(std::chrono::steady_clock::now() + delivery_.batch, [this] { start_batch(); });
}

void BusObjects::send_batch() {
    std::set<LayerKey> keys;
    {
        const std::lock_guard lock(notify_mutex_);
        if (stopping_) return;
        keys.swap(pending_);
    }
    for (const auto& key : keys) {
        auto& sent = sent_seq_[key];
        const std::uint64_t now = manager_.denial_log().seq();
        auto records = manager_.denial_log().changed_after(key, sent);
        sent = now;
        if (records.empty()) continue;
        auto structs = to_denial_structs(manager_.explain_denials(key, std::move(records)));
        loop_.post([this, key, structs = std::move(structs)] { deliver(key, structs); });
    }
    {
        const std::lock_guard lock(notify_mutex_);
        // Records that came during this batch: the next, a batch from now.
        batch_armed_ = !pending_.empty() && !stopping_;
        if (!batch_armed_) return;
    }
    loop_.post_at(std::chrono::steady_clock::now() + delivery_.batch, [this] { start_batch(); });
}

void BusObjects::deliver(const LayerKey& key, const DenialStructs& denials) {
    const auto object = layers_.find(key);
    if (object == layers_.end()) return;
    for (const auto& [name, keys] : subscriptions_) {
        if (!keys.contains(key)) continue;
        try {
            object->second->send_denials(name, denials);
        } catch (const std::exception& e) {
            log_(4, std::string("cannot send denials to a subscriber: ") + e.what());
        }
    }
}

std::optional<ServiceError> BusObjects::subscribe(const Caller& caller, const LayerKey& key) {
    if (const auto it = subscriptions_.find(caller.bus_name);
        it != subscriptions_.end() && it->second.contains(key))
        return std::nullopt;
    std::size_t of_user = 0;
    std::size_t all = 0;
    for (const auto& [name, keys] : subscriptions_) {
        all += keys.size();
        const auto who = subscriber_of_.find(name);
        if (who != subscriber_of_.end() && who->second.uid == caller.uid) of_user += keys.size();
    }
    // Nothing is recorded for a refused caller: refusals cost the service no memory.
    if (caller.uid != 0 && of_user >= delivery_.max_subscriptions_per_user) {
        return fail(ServiceErrorKind::LimitExceeded, "uid " + std::to_string(caller.uid) + " already has " +
                                                         std::to_string(of_user) +
                                                         " denial subscriptions, the most allowed");
    }
    if (all >= delivery_.max_subscriptions)
        return fail(ServiceErrorKind::Busy, "the service has too many denial subscriptions; retry later");
    subscriptions_[caller.bus_name].insert(key);
    subscriber_of_[caller.bus_name] = caller;
    {
        const std::lock_guard lock(notify_mutex_);
        watched_.insert(key);
    }
    return std::nullopt;
}

void BusObjects::unsubscribe(const std::string& name, const LayerKey& key) {
    const auto it = subscriptions_.find(name);
    if (it == subscriptions_.end()) return;
    it->second.erase(key);
    if (it->second.empty()) {
        subscriptions_.erase(it);
        subscriber_of_.erase(name);
    }
    bool still = false;
    for (const auto& [n, keys] : subscriptions_)
        still = still || keys.contains(key);
    if (!still) {
        const std::lock_guard lock(notify_mutex_);
        watched_.erase(key);
    }
}

void BusObjects::name_gone(const std::string& name) {
    // Every name, not only those with a run now: a run that is still being
    // loaded is marked as it registers (LayerManager remembers recent names).
    // apparmor_parser runs to unload: never on the bus thread. If the pool
    // is full, aalayerd's periodic sweep unloads them a little later.
    if (manager_.run_client_gone(name)) (void)pool_.post(0, [this] { manager_.sweep_runs(); });
    const auto it = subscriptions_.find(name);
    if (it == subscriptions_.end()) return;
    const std::set<LayerKey> keys = it->second;
    for (const auto& key : keys)
        unsubscribe(name, key);
}

void BusObjects::publish_all() {
    for (auto& view : manager_.layers()) {
        const LayerKey key{view.uid, view.base, view.name};
        layers_[key] = std::make_unique<LayerObject>(connection_, *this, std::move(view));
    }
}

void BusObjects::on_catalog_changes(const CatalogChanges& changes) {
    loop_.post([this, changes] {
        try {
            manager_object_->send_catalog_changes(changes);
        } catch (const std::exception& e) {
            log_(4, std::string("cannot send GrantsChanged or BasesChanged: ") + e.what());
        }
    });
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
