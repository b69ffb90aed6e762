#include "service/core/layer_manager.h"

#include <algorithm>
#include <functional>
#include <string_view>

#include "policy/common/utf8.h"

namespace aalayer::service {

const char* to_string(LayerState state) {
    switch (state) {
        case LayerState::Active: return "active";
        case LayerState::Compiled: return "compiled";
        case LayerState::Invalid: return "invalid";
        case LayerState::Failed: return "failed";
        case LayerState::Stale: return "stale";
        case LayerState::Review: return "review";
    }
    return "invalid";
}

std::string format_findings(const std::vector<policy::Finding>& findings) {
    std::string out;
    for (const auto& f : findings) {
        if (!out.empty()) out += '\n';
        out += f.format();
    }
    return out;
}

std::string layer_source_name(const std::string& name) {
    return name + ".layer";
}

namespace {

ServiceStatus valid_base(const std::string& base) {
    const bool ok =
        !base.empty() && base.size() <= 1024 && std::none_of(base.begin(), base.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u < 0x20 || u == 0x7f;
        });
    if (ok) return Done{};
    return fail(ServiceErrorKind::InvalidArgument, "base name must be 1-1024 printable bytes");
}

ServiceStatus valid_layer_name(const std::string& name) {
    if (auto st = policy::validate_layer_name(name); !st)
        return fail(ServiceErrorKind::InvalidArgument, st.error().message);
    return Done{};
}

// Everything the manager's configuration puts into a composition, as one
// number: LayerInputs keeps it, so a layer computed under other settings is
// never taken for current.
std::uint64_t settings_fingerprint(const policy::LayerLimits& layer, const CatalogConfig& config) {
    std::string all;
    const auto add = [&](const auto& value) {
        all += std::to_string(value);
        all += '\0';
    };
    add(layer.max_text_bytes);
    add(layer.max_rules);
    add(layer.max_depth);
    add(layer.max_alternation);
    add(layer.max_pattern_bytes);
    add(layer.max_expansions);
    add(layer.max_compose_work);
    add(static_cast<int>(layer.abi.userns));
    add(static_cast<int>(layer.abi.mqueue));
    add(config.limits.glob.max_length);
    add(config.limits.glob.max_alternation_depth);
    add(config.limits.glob.max_nfa_states);
    add(config.limits.dfa.max_states);
    for (const auto* dir : {&config.profiles_dir, &config.grants_dir}) {
        all += *dir;
        all += '\0';
    }
    for (const auto& dir : config.include_dirs) {
        all += dir;
        all += '\0';
    }
    return text_sum(all);
}

}  // namespace

LayerManager::LayerManager(Ports ports, CatalogConfig catalog, ServiceLimits limits)
    : ports_(ports),
      limits_(limits),
      catalog_config_(std::move(catalog)),
      catalog_{std::make_shared<const PolicyCatalog>(ports.reader, catalog_config_), 0},
      compositions_(catalog_config_.bounds_cache_size),
      denials_(limits.denials) {
    limits_.layer.max_text_bytes = limits_.max_text_bytes;
    limits_.layer.abi = ports_.kernel.system_abi();
    settings_ = settings_fingerprint(limits_.layer, catalog_config_);
    denials_.set_known([this](const LayerKey& key) {
        const std::lock_guard lock(mutex_);
        return layers_.contains(key);
    });
}

void LayerManager::keep_denials(DenialStore& store, bool keep) {
    keeper_ = std::make_unique<DenialKeeper>(denials_, store, keep);
}

void LayerManager::save_denials() {
    if (keeper_) keeper_->save(log_);
}

void LayerManager::set_listener(std::function<void(LayerEvent, const LayerKey&)> listener) {
    const std::lock_guard lock(mutex_);
    listener_ = std::move(listener);
}

void LayerManager::set_after_refresh(std::function<void()> hook) {
    const std::lock_guard lock(mutex_);
    after_refresh_ = std::move(hook);
}

void LayerManager::refreshed() {
    std::function<void()> hook;
    {
        const std::lock_guard lock(mutex_);
        hook = after_refresh_;
    }
    if (hook) hook();
}

void LayerManager::set_catalog_listener(std::function<void(const CatalogChanges&)> listener) {
    const std::lock_guard lock(mutex_);
    catalog_listener_ = std::move(listener);
}

void LayerManager::notify(LayerEvent event, const LayerKey& key) {
    std::function<void(LayerEvent, const LayerKey&)> listener;
    {
        const std::lock_guard lock(mutex_);
        listener = listener_;
    }
    if (listener) listener(event, key);
}

Outcome<policy::UserIdentity> LayerManager::user(std::uint32_t uid) const {
    auto u = ports_.users.lookup(uid);
    if (!u)
        return fail(ServiceErrorKind::InvalidArgument, "there is no user with uid " + std::to_string(uid));
    return *u;
}

LayerManager::CatalogRef LayerManager::current() const {
    const std::lock_guard lock(mutex_);
    return catalog_;
}

ServiceStatus LayerManager::authorize(const Caller& caller, const char* action, bool interactive,
                                      const char* retry) {
    // Root may load AppArmor policy directly, and polkit answers yes for uid 0
    // anyway: asking would only make root depend on polkitd running.
    if (caller.uid == 0) return Done{};
    switch (ports_.authorizer.check(caller, action, interactive)) {
        case Decision::Allowed: return Done{};
        case Decision::Challenge:
            return fail(ServiceErrorKind::PermissionDenied, std::string("not authorized for ") + action +
                                                                ": authentication is required; " + retry);
        case Decision::Unavailable:
            return fail(ServiceErrorKind::PermissionDenied,
                        std::string("not authorized for ") + action + ": polkit could not be asked");
        case Decision::Denied: break;
    }
    return fail(ServiceErrorKind::PermissionDenied, std::string("not authorized for ") + action);
}

ServiceStatus LayerManager::rate_limit(std::uint32_t uid) {
    return counted(recent_, limits_.rate_limit_per_minute, uid, "requests");
}

ServiceStatus LayerManager::check_rate_limit(std::uint32_t uid) {
    return counted(recent_checks_, limits_.check_rate_limit_per_minute, uid, "checks");
}

ServiceStatus LayerManager::counted(std::map<std::uint32_t, std::deque<std::uint64_t>>& recent,
                                    std::size_t limit, std::uint32_t uid, const char* what) {
    if (uid == 0) return Done{};
    const std::lock_guard lock(mutex_);
    const std::uint64_t now = ports_.clock.now_usec();
    auto& times = recent[uid];
    while (!times.empty() && now - times.front() > 60'000'000U)
        times.pop_front();
    if (times.size() >= limit) {
        return fail(ServiceErrorKind::LimitExceeded, "more than " + std::to_string(limit) + " " + what +
                                                         " in a minute from uid " + std::to_string(uid) +
                                                         "; wait a little and retry");
    }
    times.push_back(now);
    return Done{};
}

ServiceStatus LayerManager::admissible(const CatalogRef& catalog, const LayerKey& key, bool reserve) {
    const std::uint32_t uid = key.uid;
    const std::string& base = key.base;
    if (!catalog.catalog->has_base(base))
        return fail(ServiceErrorKind::NoSuchBase, "no base profile named '" + base + "'");
    if (!catalog.catalog->has_grant(base))
        return fail(ServiceErrorKind::NotGranted,
                    "there is no grant for '" + base + "': users cannot layer on it");
    const std::lock_guard lock(mutex_);
    if (layers_.contains(key) || is_default(*catalog.catalog, key)) return Done{};
    // The admin's defaults (and the user's versions of them) are the admin's
    // choice, not the user's: they take no place in the quota.
    const auto others = [&](const auto& map) {
        return static_cast<std::size_t>(std::count_if(map.begin(), map.end(), [&](const auto& kv) {
            return kv.first.uid == uid && kv.first != key && !is_default(*catalog.catalog, kv.first);
        }));
    };
    const std::size_t owned = others(layers_) + others(creating_);
    if (owned >= limits_.max_layers_per_user) {
        return fail(ServiceErrorKind::LimitExceeded, "uid " + std::to_string(uid) + " already has " +
                                                         std::to_string(owned) + " layers, the most allowed");
    }
    if (reserve) ++creating_[key];
    return Done{};
}

Outcome<policy::Composition> LayerManager::compose(const PolicyCatalog& catalog, const StoredLayer& layer,
                                                   const policy::UserIdentity& identity,
                                                   LayerInputs* inputs) const {
    auto bounds = catalog.prepared_bounds(layer.base, identity);
    if (!bounds) return bounds.error();
    auto own_sources = std::make_shared<SourceRecord>();
    const RecordingReader recording(catalog.reader(), *own_sources);
    auto loader = catalog.layer_loader(identity, recording);
    if (!loader) return loader.error();
    // The admin's default is named by its file, so the admin's log points at it.
    const policy::DefaultLayerSource* admins =
        layer.origin == LayerOrigin::Admin ? catalog.default_layer(layer.base, layer.name) : nullptr;
    const policy::LayerRules rules =
        policy::read_layer(loader.value(), layer.text,
                           admins != nullptr ? admins->path : layer_source_name(layer.name), limits_.layer);
    if (inputs != nullptr) {
        inputs->sources = bounds->sources;
        if (!own_sources->answers.empty()) inputs->sources.push_back(std::move(own_sources));
        inputs->base_file = catalog.base_file(layer.base);
        inputs->grant_file = catalog.grant_file(layer.base);
        inputs->default_path = admins != nullptr ? admins->path : "";
        inputs->identity = identity;
        inputs->settings = settings_;
    }
    policy::ComposeOptions options;
    options.limits = catalog_config_.limits;
    options.strict = layer.strict;
    options.complain = layer.complain;
    options.removal_notes = !policy::transient_serial(layer.name);
    auto composed = policy::compose(bounds->bounds, rules, policy::LayerId{layer.uid, layer.name}, options);
    if (!composed) return from_engine(composed.error());
    if (!identity.resolved_home.empty()) {
        composed->findings.push_back(
            policy::Finding{policy::Severity::Note, policy::Location{layer_source_name(layer.name), 0, 0},
                            "your home " + policy::printable(identity.home) + " is a symbolic link to " +
                                policy::printable(identity.resolved_home) +
                                ", the path the kernel checks: @{HOME} stands for both here"});
    }
    return std::move(*composed);
}

ServiceStatus LayerManager::valid_request(const std::string& base, const std::string& name,
                                          const std::string& text, const ServiceLimits& limits) {
    if (auto st = valid_base(base); !st) return st.error();
    if (auto st = valid_layer_name(name); !st) return st.error();
    if (text.size() > limits.max_text_bytes) {
        return fail(ServiceErrorKind::LimitExceeded,
                    "layer text is larger than " + std::to_string(limits.max_text_bytes) + " bytes");
    }
    return Done{};
}

ServiceStatus LayerManager::valid_path(const std::string& path) {
    // A panel may offer explain next to every rule of a layer: a rule of
    // another class is answered with what explain can and cannot do.
    static const std::set<std::string, std::less<>> kOtherClasses{
        "network", "signal",     "dbus",           "unix",   "ptrace", "capability", "mount", "umount",
        "remount", "pivot_root", "change_profile", "rlimit", "userns", "io_uring",   "mqueue"};
    const std::string_view word = std::string_view(path).substr(0, path.find_first_of(" \t,"));
    if (path.size() <= 4096 && path.find('\0') == std::string::npos && kOtherClasses.contains(word)) {
        return fail(ServiceErrorKind::InvalidArgument,
                    "explain answers for file paths only (an absolute path); it cannot explain '" +
                        std::string(word) + "' access");
    }
    if (path.empty() || path.front() != '/' || path.find('\0') != std::string::npos || path.size() > 4096) {
        return fail(ServiceErrorKind::InvalidArgument, "the path must be absolute, at most 4096 bytes");
    }
    return Done{};
}

Outcome<CheckResult> LayerManager::check(const Caller& caller, const std::string& base,
                                         const std::string& name, const std::string& text) {
    if (auto st = valid_request(base, name, text, limits_); !st) return st.error();
    const CatalogRef catalog = current();
    if (!catalog.catalog->has_base(base))
        return fail(ServiceErrorKind::NoSuchBase, "no base profile named '" + base + "'");
    auto identity = user(caller.uid);
    if (!identity) return identity.error();
    if (auto st = check_rate_limit(caller.uid); !st) return st.error();
    auto composed = compose(*catalog.catalog, StoredLayer{caller.uid, base, name, text, false, false, 0, {}},
                            identity.value());
    if (!composed) return composed.error();
    return CheckResult{composed->child_text, composed->findings};
}

Outcome<std::vector<policy::Finding>> LayerManager::apply(const Caller& caller,
                                                          std::optional<std::uint32_t> for_uid,
                                                          const std::string& base, const std::string& name,
                                                          const std::string& text,
                                                          const ApplyOptions& options) {
    // validate -> compose -> authorize -> prepare -> commit. Composing is the
    // engine alone, bounded by its work budget, and tells the caller only
    // what Check tells anyone; apparmor_parser runs (as root) and anything is
    // staged only once polkit said yes, so a refused caller costs one
    // composition and learns nothing about the compile.
    const std::uint32_t uid = for_uid.value_or(caller.uid);
    if (auto st = valid_request(base, name, text, limits_); !st) return st.error();
    auto identity = user(uid);
    if (!identity) return identity.error();
    if (auto st = rate_limit(caller.uid); !st) return st.error();
    const LayerKey key{uid, base, name};
    const CatalogRef catalog = current();
    if (auto st = admissible(catalog, key, false); !st) return st.error();
    bool complain = false;
    if (options.complain) {
        complain = *options.complain;
    } else {  // re-applying keeps the mode
        const std::lock_guard lock(mutex_);
        if (const auto it = layers_.find(key); it != layers_.end()) complain = it->second.stored.complain;
    }
    StoredLayer stored{uid, base, name, text, options.strict, complain, ports_.clock.now_usec(), {}};
    // The admin's text, as the admin wrote it, stays the admin's: it follows
    // the admin's edits (an accept, a mode switch or a reset send it).
    if (const auto* d = catalog.catalog->default_layer(base, name); d != nullptr && d->text == text)
        stored.origin = LayerOrigin::Admin;
    LayerInputs inputs;
    auto composed = compose(*catalog.catalog, stored, identity.value(), &inputs);
    if (!composed) return composed.error();
    if (!composed->valid()) {
        return ServiceError{ServiceErrorKind::InvalidLayer, format_findings(composed->findings),
                            composed->findings};
    }
    stored.accepted_child = composed->child_text;  // applying accepts what the layer means now
    // No lock is held while polkit answers: that may take seconds.
    if (auto st = authorize(caller, for_uid ? kActionManageAny : kActionManageOwn, options.interactive); !st)
        return st.error();
    auto prepared =
        prepare(std::move(stored), std::move(composed.value()), catalog.generation, std::move(inputs));
    if (!prepared) return prepared.error();
    return commit(key, std::move(prepared.value()));
}

Outcome<LayerManager::Prepared> LayerManager::prepare(StoredLayer stored, policy::Composition composed,
                                                      std::uint64_t generation, LayerInputs inputs) {
    auto child = ports_.kernel.compile(kernel_name_of(stored), composed.child_text);
    if (!child) return child.error();
    // Written and synced before the kernel takes the child; it takes the old
    // file's place only after, so a refused child leaves the old file, and an
    // acknowledged layer is on disk.
    auto staged = ports_.store.stage(stored);
    if (!staged) return staged.error();
    return Prepared{std::move(stored),
                    std::move(composed),
                    std::move(child.value()),
                    std::move(staged.value()),
                    generation,
                    std::make_shared<const LayerInputs>(std::move(inputs))};
}

Outcome<std::vector<policy::Finding>> LayerManager::commit(const LayerKey& key, Prepared prepared) {
    const KeyedLocks<LayerKey>::Guard layer_lock(layer_locks_, key);
    // Checked again: the grant may have gone meanwhile, and a concurrent
    // apply of another new layer may have taken the last place.
    if (auto st = admissible(current(), key, true); !st) return st.error();
    const struct Unreserve {
        LayerManager& self;
        const LayerKey& key;
        ~Unreserve() {
            const std::lock_guard lock(self.mutex_);
            if (const auto it = self.creating_.find(key); it != self.creating_.end() && --it->second == 0)
                self.creating_.erase(it);
        }
    } unreserve{*this, key};

    std::string previous_text;
    {
        const std::lock_guard lock(mutex_);
        if (const auto it = layers_.find(key); it != layers_.end()) previous_text = it->second.loaded_text;
    }
    const ServiceStatus loaded = prepared.child->load();
    if (!loaded) return loaded.error();  // the kernel kept the old child; the staged file goes
    ServiceStatus committed = prepared.staged->commit();
    if (!committed) {
        restore_kernel(kernel_name_of(prepared.stored), previous_text, log_);
        return committed.error();
    }
    std::vector<policy::Finding> findings = prepared.composed.findings;
    {
        const std::lock_guard lock(mutex_);
        declined_.erase(key);  // the file that remembered a removed default is replaced
        Entry& entry = layers_[key];
        entry.stored = std::move(prepared.stored);
        entry.state = loaded_state();
        entry.findings = findings;
        entry.loaded_text = prepared.composed.child_text;
        entry.generation = prepared.generation;
        entry.inputs = std::move(prepared.inputs);
        entry.version = next_version_++;
        entry.child_sum = text_sum(prepared.composed.child_text);
        // Who just applied a layer is likely to ask about it next.
        compositions_.put(key, entry.version,
                          std::make_shared<const policy::Composition>(std::move(prepared.composed)));
    }
    // A reload that came while this was composed has passed this layer by.
    // The kernel's list is read only if it does recompute (rarely).
    ProfileSnapshot kernel_profiles(ports_.kernel);
    recompute(key, kernel_profiles, nullptr, log_);
    notify(LayerEvent::Changed, key);
    return findings;
}

void LayerManager::restore_kernel(const std::string& kernel_name, const std::string& previous_text,
                                  const MessageLog& log) {
    const ServiceStatus st = previous_text.empty() ? ports_.kernel.unload(kernel_name)
                                                   : ports_.kernel.load(kernel_name, previous_text);
    if (!st) log(kernel_name + ": cannot put the previous version back in the kernel: " + st.error().message);
}

ServiceStatus LayerManager::remove(const Caller& caller, std::optional<std::uint32_t> for_uid,
                                   const std::string& base, const std::string& name, bool interactive,
                                   bool force) {
    const std::uint32_t uid = for_uid.value_or(caller.uid);
    if (auto st = valid_base(base); !st) return st.error();
    if (auto st = valid_layer_name(name); !st) return st.error();
    if (auto st = rate_limit(caller.uid); !st) return st.error();
    const LayerKey key{uid, base, name};
    const auto missing = [&] {
        return fail(ServiceErrorKind::NoSuchLayer,
                    "no layer '" + name + "' on '" + base + "' for uid " + std::to_string(uid));
    };
    {
        const std::lock_guard lock(mutex_);
        if (!layers_.contains(key)) return missing();
    }
    if (auto st = authorize(caller, for_uid ? kActionManageAny : kActionManageOwn, interactive); !st)
        return st.error();
    {
        const KeyedLocks<LayerKey>::Guard layer_lock(layer_locks_, key);
        std::string kernel_name;
        {
            const std::lock_guard lock(mutex_);
            const auto it = layers_.find(key);
            if (it == layers_.end()) return missing();
            kernel_name = kernel_name_of(it->second.stored);
        }
        if (!force && ports_.kernel.in_use(kernel_name)) {
            return fail(ServiceErrorKind::Busy,
                        "processes are running under " + kernel_name +
                            "; removed now, the layer would no longer be kept up to date for them (they "
                            "keep its last rules, or only the base if it was never replaced). Stop them, "
                            "or remove with the force option");
        }
        if (auto st = ports_.kernel.unload(kernel_name); !st) return st.error();
        // A removed default is remembered, so it does not come back at the next start or reload.
        const bool is_admins = is_default(*current().catalog, key);
        StoredLayer declined{uid, base, name, {}, false, false, ports_.clock.now_usec(), {}};
        declined.origin = LayerOrigin::Declined;
        if (auto st = is_admins ? ports_.store.save(declined) : ports_.store.erase(uid, base, name); !st)
            return st.error();
        {
            const std::lock_guard lock(mutex_);
            layers_.erase(key);
            compositions_.erase(key);
            if (is_admins) declined_.insert(key);
        }
        denials_.forget(key);
        if (keeper_) keeper_->forget(key, log_);
        // Under the layer's lock, so listeners see one layer's events in order.
        notify(LayerEvent::Removed, key);
    }
    return Done{};
}

LayerView LayerManager::view_of(const Entry& e) const {
    const char* origin = e.stored.origin == LayerOrigin::Admin             ? "admin"
                         : is_default(*catalog_.catalog, key_of(e.stored)) ? "replaced"
                                                                           : "user";
    return LayerView{e.stored.uid, e.stored.base, e.stored.name,       kernel_name_of(e.stored),
                     e.state,      e.findings,    e.stored.updated_at, e.stored.complain,
                     origin};
}

std::vector<LayerView> LayerManager::layers() const {
    const std::lock_guard lock(mutex_);
    std::vector<LayerView> out;
    for (const auto& [key, e] : layers_)
        out.push_back(view_of(e));
    return out;
}

std::optional<LayerView> LayerManager::layer(const LayerKey& key) const {
    const std::lock_guard lock(mutex_);
    const auto it = layers_.find(key);
    if (it == layers_.end()) return std::nullopt;
    return view_of(it->second);
}

}  // namespace aalayer::service

namespace aalayer::service {

Outcome<LayerManager::Entry> LayerManager::entry_of(std::uint32_t uid, const std::string& base,
                                                    const std::string& name) const {
    if (auto st = valid_base(base); !st) return st.error();
    if (auto st = valid_layer_name(name); !st) return st.error();
    const std::lock_guard lock(mutex_);
    const auto it = layers_.find(LayerKey{uid, base, name});
    if (it == layers_.end())
        return fail(ServiceErrorKind::NoSuchLayer, "you have no layer '" + name + "' on '" + base + "'");
    return it->second;
}

ServiceStatus LayerManager::accept(const Caller& caller, std::optional<std::uint32_t> for_uid,
                                   const std::string& base, const std::string& name, bool interactive) {
    auto entry = entry_of(for_uid.value_or(caller.uid), base, name);
    if (!entry) return entry.error();
    if (entry->state != LayerState::Review) {
        return fail(ServiceErrorKind::InvalidArgument, "layer '" + name + "' on '" + base +
                                                           "' has no change to accept (it is " +
                                                           to_string(entry->state) + ")");
    }
    const StoredLayer& stored = entry->stored;
    auto out = apply(caller, for_uid, base, name, stored.text,
                     ApplyOptions{interactive, stored.strict, stored.complain});
    if (!out) return out.error();
    return Done{};
}

ServiceStatus LayerManager::set_mode(const Caller& caller, std::optional<std::uint32_t> for_uid,
                                     const std::string& base, const std::string& name, bool complain,
                                     bool interactive) {
    auto entry = entry_of(for_uid.value_or(caller.uid), base, name);
    if (!entry) return entry.error();
    // Switching the mode re-applies the text, which would accept the change unseen.
    if (entry->state == LayerState::Review) {
        return fail(
            ServiceErrorKind::InvalidArgument,
            "the admin changed what layer '" + name + "' allows: see 'aalayer show " + base + "/" + name +
                "', then accept it (aalayer accept) or apply the layer again before switching its mode");
    }
    const StoredLayer stored = std::move(entry->stored);
    // The stored text again, with the other mode: the same checks and
    // steps as an apply (polkit, the compile, the atomic replace). An apply
    // of new text meanwhile wins or loses as a whole, never half.
    auto out =
        apply(caller, for_uid, base, name, stored.text, ApplyOptions{interactive, stored.strict, complain});
    if (!out) return out.error();
    return Done{};
}

}  // namespace aalayer::service
