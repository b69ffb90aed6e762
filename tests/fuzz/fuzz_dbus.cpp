// The D-Bus edge, fuzzed: arbitrary bytes become a method (Check, Apply,
// ApplyFor, Remove, Explain, Diff, DiffWithBase, GetSource, ListGrants), its caller, its
// arguments and its a{sv} options; the request goes through the same
// checks and service logic as on the bus (fakes for polkit, the kernel and
// the disk), and every reply and error is built by the edge's own
// functions (service/bus/wire.h) and serialized by sd-bus, which refuses
// any string that is not UTF-8. So a reply the service could not send —
// the bug that once let one Check end aalayerd — traps here.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "policy/common/utf8.h"
#include "policy/source/memory_reader.h"
#include "service/bus/object_paths.h"
#include "service/bus/wire.h"
#include "service/core/layer_manager.h"

namespace {

using namespace aalayer;
using namespace aalayer::service;

class MemoryStore final : public LayerStore {
public:
    Outcome<std::vector<StoredLayer>> load_all(std::vector<std::string>& /*problems*/) override {
        return std::vector<StoredLayer>{};
    }
    Outcome<std::unique_ptr<StagedWrite>> stage(const StoredLayer& layer) override {
        struct Staged final : StagedWrite {
            Staged(MemoryStore& s, StoredLayer l) : store(s), layer(std::move(l)) {}
            ServiceStatus commit() override {
                store.layers[{layer.uid, layer.base, layer.name}] = layer;
                return Done{};
            }
            MemoryStore& store;
            StoredLayer layer;
        };
        return std::unique_ptr<StagedWrite>(std::make_unique<Staged>(*this, layer));
    }
    ServiceStatus erase(std::uint32_t uid, const std::string& base, const std::string& name) override {
        layers.erase({uid, base, name});
        return Done{};
    }
    std::map<std::tuple<std::uint32_t, std::string, std::string>, StoredLayer> layers;
};

// Every child compiles: apparmor_parser is not what is fuzzed here.
class AcceptingKernel final : public KernelLoader {
public:
    [[nodiscard]] Backend backend() const override { return Backend::CompileOnly; }
    Outcome<std::unique_ptr<CompiledChild>> compile(const std::string& /*name*/,
                                                    const std::string& /*text*/) override {
        struct Child final : CompiledChild {
            ServiceStatus load() override { return Done{}; }
        };
        return std::unique_ptr<CompiledChild>(std::make_unique<Child>());
    }
    ServiceStatus unload(const std::string& /*name*/) override { return Done{}; }
    [[nodiscard]] bool in_use(const std::string& /*name*/) override { return false; }
    [[nodiscard]] std::optional<std::unordered_set<std::string>> loaded_profiles() override {
        return std::nullopt;
    }
};

// alice may, bob may not, carol would have to authenticate.
class Polkit final : public Authorizer {
public:
    Decision check(const Caller& caller, const std::string& /*action*/, bool /*interactive*/) override {
        if (caller.uid == 1000) return Decision::Allowed;
        return caller.uid == 1001 ? Decision::Denied : Decision::Challenge;
    }
};

class Users final : public UserDb {
public:
    [[nodiscard]] std::optional<policy::UserIdentity> lookup(std::uint32_t uid) const override {
        switch (uid) {
            case 0: return policy::UserIdentity{0, "root", "/root"};
            case 1000: return policy::UserIdentity{1000, "alice", "/home/alice"};
            case 1001: return policy::UserIdentity{1001, "bob", "/home/bob"};
            case 1002:
                return policy::UserIdentity{1002, "carol", "/home/carol",
                                            "/srv/r\xc3\xa9"
                                            "el/carol"};
            default: return std::nullopt;
        }
    }
    [[nodiscard]] std::vector<std::uint32_t> people() const override { return {1000, 1001, 1002}; }
    [[nodiscard]] bool is_person(std::uint32_t uid) const override { return uid >= 1000; }
};

class Ticks final : public Clock {
public:
    [[nodiscard]] std::uint64_t now_usec() const override { return now += 1000; }
    mutable std::uint64_t now = 0;
};

struct Edge {
    Edge() {
        reader.add("/etc/apparmor.d/tunables/global", "@{PROC}=/proc\n@{HOMEDIRS}=/home/\n");
        reader.add("/etc/apparmor.d/abstractions/base", "/etc/ld.so.cache r,\n");
        reader.add("/etc/apparmor.d/app",
                   "profile app /usr/bin/app {\n  /** r,\n  owner /home/*/** rwk,\n"
                   "  network inet stream,\n  capability chown,\n}\n");
        reader.add("/etc/aalayer/grants.d/app.conf",
                   "grant app {\n  owner @{HOME}/** rw,\n  /tmp/** r,\n}\n");
        ServiceLimits limits;
        limits.rate_limit_per_minute = 1'000'000;
        limits.layer.max_compose_work = 2'000'000;  // find crashes, not big automata
        CatalogConfig catalog;  // the grants where the reader has them, not this build's default
        catalog.grants_dir = "/etc/aalayer/grants.d";
        manager = std::make_unique<LayerManager>(Ports{reader, store, kernel, polkit, users, clock, executor},
                                                 catalog, limits);
        manager->start([](const std::string&) {});
    }
    policy::MemoryReader reader;
    MemoryStore store;
    AcceptingKernel kernel;
    Polkit polkit;
    Users users;
    Ticks clock;
    InlineExecutor executor;
    std::unique_ptr<LayerManager> manager;
};

// sd-bus serializes the value (a Variant holds it as a message): it throws
// for a string that is not UTF-8 or an object path that is not one.
template <typename T>
void send(const T& value) {
    try {
        const sdbus::Variant wire(value);
        (void)wire;
    } catch (const sdbus::Error&) {
        __builtin_trap();
    }
}

void send_error(const ServiceError& e) {
    const sdbus::Error error = to_dbus_error(e);
    send(sdbus::Struct<std::string, std::string>(error.getName(), error.getMessage()));
    if (e.kind == ServiceErrorKind::Internal) __builtin_trap();  // nothing a request sends is unexpected
}

template <typename T, typename F>
void reply(const Outcome<T>& out, F&& build) {
    if (!out) return send_error(out.error());
    send(build(*out));
}

std::vector<std::string> fields(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> out(1);
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == 0 && out.size() < 5) {
            out.emplace_back();
        } else {
            out.back() += static_cast<char>(data[i]);
        }
    }
    out.resize(5);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Edge edge;
    if (size < 2) return 0;
    const std::uint8_t method = data[0] % 9;
    static constexpr std::uint32_t kUids[] = {1000, 1001, 1002, 0};
    const Caller caller{kUids[data[1] % 4], ":1.42"};
    auto f = fields(data + 2, size - 2);
    // Mostly the granted base, so the engine is reached.
    const std::string base = (data[1] & 0x80U) != 0 ? f[0] : "app";
    const std::string& name = f[1];
    const std::string& text = f[2];
    // Arguments are taken as arbitrary bytes (stricter than the bus, which
    // delivers only UTF-8); an option's value is a variant, which sd-bus
    // builds only from UTF-8, as a caller's library would.
    Options options;
    if (!f[3].empty()) {
        const auto kind = static_cast<unsigned char>(f[3][0]) % 3;
        const std::string key = f[3].substr(1);
        options[key] = kind == 0   ? sdbus::Variant(true)
                       : kind == 1 ? sdbus::Variant(policy::to_valid_utf8(f[4]))
                                   : sdbus::Variant(7U);
    }
    LayerManager& m = *edge.manager;
    // What the edge checks on the bus thread, before anything is queued.
    const auto edge_checks = [&]() -> ServiceStatus {
        if (method != 4) return LayerManager::valid_request(base, name, text, m.limits());
        // Explain's third argument is a path, checked as one.
        if (auto st = LayerManager::valid_request(base, name, {}, m.limits()); !st) return st;
        return LayerManager::valid_path(text);
    };
    if (const ServiceStatus st = edge_checks(); !st) {
        send_error(st.error());
        return 0;
    }
    switch (method) {
        case 0:
            reply(m.check(caller, base, name, text), [](const CheckResult& r) {
                return sdbus::Struct<std::string, FindingStructs>(to_text(r.child_profile),
                                                                  to_structs(r.findings));
            });
            break;
        case 1:
        case 2: {
            const auto parsed = parse_options(options, true);
            if (!parsed) {
                send_error(parsed.error());
                break;
            }
            const std::optional<std::uint32_t> for_uid =
                method == 2 ? std::optional<std::uint32_t>(1000 + data[1] % 3) : std::nullopt;
            const ApplyOptions ao{parsed->interactive, parsed->strict, parsed->complain};
            reply(m.apply(caller, for_uid, base, name, text, ao), [&](const std::vector<policy::Finding>& r) {
                return sdbus::Struct<sdbus::ObjectPath, FindingStructs>(
                    sdbus::ObjectPath(layer_object_path(for_uid.value_or(caller.uid), base, name)),
                    to_structs(r));
            });
            break;
        }
        case 3: {
            const auto parsed = parse_options(options, false);
            if (!parsed) {
                send_error(parsed.error());
                break;
            }
            const ServiceStatus st =
                m.remove(caller, std::nullopt, base, name, parsed->interactive, parsed->force);
            if (!st) send_error(st.error());
            break;
        }
        case 4:
            reply(m.explain(caller, caller.uid, base, name, text), [](const ExplainResult& r) {
                return sdbus::Struct<std::string, Reasons>(to_text(r.perms), to_reasons(r.reasons));
            });
            break;
        case 5:
            reply(m.diff(caller, base, name, f[3]), [](const auto& rows) { return to_rows(rows); });
            break;
        case 6:
            reply(m.source(caller, caller.uid, base, name), [](const std::string& s) { return to_text(s); });
            break;
        case 7:
            reply(m.diff_with_base(caller, base, name), [](const auto& rows) { return to_rows(rows); });
            break;
        default: reply(m.list_grants(caller), [](const auto& grants) { return to_reasons(grants); }); break;
    }
    return 0;
}
