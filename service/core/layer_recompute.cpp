// The layer manager's recomputes: every layer at start, and after a reload
// every layer computed with an older catalog, on the Executor's threads.
#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>

#include "policy/engine/widening.h"
#include "service/core/layer_manager.h"

namespace aalayer::service {

LayerManager::Entry LayerManager::computed(const PolicyCatalog& catalog, Entry entry, ProfileSnapshot& loaded,
                                           const MessageLog& log) {
    const std::string kernel_name = kernel_name_of(entry.stored);
    const policy::Location where{layer_source_name(entry.stored.name), 0, 0};
    const auto identity = user(entry.stored.uid);
    LayerInputs inputs;
    auto composed = identity ? compose(catalog, entry.stored, identity.value(), &inputs)
                             : Outcome<policy::Composition>(identity.error());
    entry.inputs.reset();
    if (!composed) {
        const ServiceError& e = composed.error();
        entry.state = e.kind == ServiceErrorKind::NoSuchBase ? LayerState::Stale : LayerState::Invalid;
        entry.findings = {policy::Finding{policy::Severity::Error, where, e.message}};
        log(kernel_name + ": " + e.message);
        if (e.kind != ServiceErrorKind::NoSuchBase && identity)
            load_denies_only(catalog, entry, identity.value(), log);
        return entry;
    }
    entry.findings = composed->findings;
    if (!composed->valid()) {
        entry.state = LayerState::Invalid;
        log(kernel_name +
            (entry.stored.origin == LayerOrigin::Admin
                 ? ": the admin's default layer does not compose for this user:\n"
                 : ": the layer no longer composes:\n") +
            format_findings(composed->findings));
        load_denies_only(catalog, entry, identity.value(), log);
        return entry;
    }
    const Settled settled = held_to_accepted(entry, *composed, log);
    // Of the layers a reload recomputes, only those whose child changed (or
    // that the kernel lost) go through apparmor_parser again.
    const bool unchanged = (entry.state == LayerState::Active || entry.state == LayerState::Compiled ||
                            entry.state == LayerState::Review) &&
                           entry.loaded_text == settled.child && loaded.holds(kernel_name);
    if (!unchanged) {
        if (auto st = load_child(key_of(entry.stored), kernel_name, settled.child); !st) {
            entry.state = LayerState::Failed;
            entry.findings.push_back(policy::Finding{policy::Severity::Error, where, st.error().message});
            log(kernel_name + ": " + st.error().message);
            return entry;
        }
        entry.loaded_text = settled.child;
    }
    if (settled.review && entry.state != LayerState::Review) {
        entry.stored.updated_at = ports_.clock.now_usec();  // what the layer means changed: panels re-read
        log(kernel_name + ": the admin's change would widen it; held to what its owner accepted");
    }
    entry.state = settled.review ? LayerState::Review : loaded_state();
    entry.inputs = std::make_shared<const LayerInputs>(std::move(inputs));
    entry.child_sum = text_sum(composed->child_text);
    return entry;
}

bool LayerManager::still_current(const PolicyCatalog& catalog, const Entry& entry, ProfileSnapshot& loaded,
                                 InputsCheck& check) const {
    // Last, as it may read the kernel's list: a child someone removed by hand is loaded again.
    return inputs_current(catalog, entry, check) && loaded.holds(kernel_name_of(entry.stored));
}

bool LayerManager::inputs_current(const PolicyCatalog& catalog, const Entry& entry,
                                  InputsCheck& check) const {
    if (!entry.inputs) return false;
    // Invalid, failed and stale layers are few and may mend (a parser that
    // failed once, a base that comes back): they are always recomputed.
    if (entry.state != LayerState::Active && entry.state != LayerState::Compiled &&
        entry.state != LayerState::Review)
        return false;
    const LayerInputs& inputs = *entry.inputs;
    const std::string& base = entry.stored.base;
    if (inputs.base_file != catalog.base_file(base) || inputs.grant_file != catalog.grant_file(base))
        return false;
    if (entry.stored.origin == LayerOrigin::Admin) {
        const auto* d = catalog.default_layer(base, entry.stored.name);
        if (d == nullptr || d->text != entry.stored.text || d->path != inputs.default_path) return false;
    }
    return check.unchanged(inputs);
}

bool LayerManager::from_start_record(const PolicyCatalog& catalog, Entry& entry) {
    const auto it = start_records_->find(key_of(entry.stored));
    if (it == start_records_->end()) return false;
    const StartRecord& record = it->second;
    if (record.stored_sum != stored_layer_sum(entry.stored) ||
        record.inputs->identity.uid != entry.stored.uid)
        return false;
    Entry taken = entry;
    taken.inputs = record.inputs;
    taken.state = record.review ? LayerState::Review : loaded_state();
    if (!inputs_current(catalog, taken, *start_check_)) return false;
    // At start the child is compiled and loaded later, with others: one the
    // parser or the kernel refuses then fails as a composed one would (its
    // inputs are unchanged, so composing gives the same child).
    if (!load_child(key_of(entry.stored), kernel_name_of(entry.stored), record.loaded_text)) return false;
    taken.findings = record.findings;
    taken.loaded_text = record.loaded_text;
    taken.child_sum = record.child_sum;
    entry = std::move(taken);
    ++from_records_;
    return true;
}

// Fail closed (docs/layer-algebra.md): the kernel gets the new child less
// whatever it allows that the child its owner accepted did not, and the
// layer waits in Review with a finding per widened region. Only narrowing:
// the new child at once.
LayerManager::Settled LayerManager::held_to_accepted(Entry& entry, const policy::Composition& next,
                                                     const MessageLog& log) const {
    const std::string kernel_name = kernel_name_of(entry.stored);
    const policy::Location where{layer_source_name(entry.stored.name), 0, 0};
    std::string& accepted = entry.stored.accepted_child;
    if (accepted.empty()) {
        // Stored before accepted children were kept: what it means now is what was accepted.
        accepted = next.child_text;
        return Settled{next.child_text, false};
    }
    if (accepted == next.child_text) return Settled{next.child_text, false};
    const std::string how = "; held back until you accept it (aalayer accept " + entry.stored.base + "/" +
                            entry.stored.name + ", or apply the layer again)";
    auto held = policy::hold_back(next, accepted, catalog_config_.limits, policy::GlobRenderLimits{});
    if (!held) {
        log(kernel_name + ": cannot hold the admin's change back path by path (" + held.error().message +
            "); the kernel keeps the child its owner accepted");
        entry.findings.push_back(policy::Finding{
            policy::Severity::Warning, where,
            "the admin changed what this layer allows, in a way that cannot be held back path by path; the "
            "version you accepted stays in force" +
                how});
        return Settled{accepted, true};
    }
    for (const auto& region : held->regions) {
        entry.findings.push_back(policy::Finding{
            policy::Severity::Warning, where,
            "the admin's change would let this layer allow " + policy::format_pair(region.b) + " on " +
                region.example + " (until now " + policy::format_pair(region.a) + ")" + how});
    }
    return Settled{held->held_child, !held->regions.empty()};
}

// A layer that no longer composes (its grant narrowed or went away) must not
// leave its old child in the kernel: that child may allow what the grant no
// longer does. Load the layer's deny rules alone, bounded by the grant as it
// is now (or by none): never wider than before, never wider than the admin allows.
void LayerManager::load_denies_only(const PolicyCatalog& catalog, Entry& entry,
                                    const policy::UserIdentity& identity, const MessageLog& log) {
    const std::string kernel_name = kernel_name_of(entry.stored);
    auto bounds = catalog.bounds(entry.stored.base, identity);
    if (!bounds && bounds.error().kind == ServiceErrorKind::NotGranted) {
        bounds = catalog.bounds_without_grant(entry.stored.base);
    }
    auto loader = catalog.layer_loader(identity);
    if (!bounds || !loader) {
        log(kernel_name + ": cannot load its deny rules alone either; the kernel keeps the previous child");
        return;
    }
    policy::LayerRules rules = policy::read_layer(loader.value(), entry.stored.text,
                                                  layer_source_name(entry.stored.name), limits_.layer);
    std::erase_if(rules.files, [](const policy::FileRuleInfo& r) { return !r.deny; });
    rules.allow_rules.clear();
    rules.allow_classes.clear();
    rules.findings.clear();
    policy::ComposeOptions options;
    options.limits = catalog_config_.limits;
    options.complain = entry.stored.complain;
    auto composed =
        policy::compose(bounds.value(), rules, policy::LayerId{entry.stored.uid, entry.stored.name}, options);
    if (!composed || !composed->valid()) {
        log(kernel_name + ": cannot compose its deny rules alone; the kernel keeps the previous child");
        return;
    }
    if (auto st = ports_.kernel.load(kernel_name, composed->child_text); !st) {
        log(kernel_name + ": " + st.error().message);
        return;
    }
    entry.loaded_text = composed->child_text;
    entry.findings.push_back(policy::Finding{policy::Severity::Note,
                                             policy::Location{layer_source_name(entry.stored.name), 0, 0},
                                             "until the layer is fixed, only its deny rules are loaded"});
    log(kernel_name + ": only its deny rules are loaded until it is fixed");
}

LayerManager::Recomputed LayerManager::recompute(const LayerKey& key, ProfileSnapshot& loaded,
                                                 InputsCheck* check, const MessageLog& log) {
    const CatalogRef catalog = current();
    Entry entry;
    {
        const std::lock_guard lock(mutex_);
        const auto it = layers_.find(key);
        if (it == layers_.end() || it->second.generation == catalog.generation) return Recomputed::Current;
        entry = it->second;
    }
    if (check != nullptr && still_current(*catalog.catalog, entry, loaded, *check)) {
        const std::lock_guard lock(mutex_);
        layers_[key].generation = catalog.generation;  // still there: we hold the layer's lock
        return Recomputed::Skipped;
    }
    const LayerState state_before = entry.state;
    const std::vector<policy::Finding> findings_before = entry.findings;
    // The admin's default follows the admin's edits; it is kept on disk with
    // the child its user accepted, so it stays held back across restarts.
    std::optional<StoredLayer> admins_before;
    if (entry.stored.origin == LayerOrigin::Admin) {
        admins_before = entry.stored;
        const auto* d = catalog.catalog->default_layer(key.base, key.name);
        if (d != nullptr && d->text != entry.stored.text) {
            entry.stored.text = d->text;
            entry.stored.updated_at = ports_.clock.now_usec();
        }
    }
    try {
        if (start_records_ == nullptr || !from_start_record(*catalog.catalog, entry))
            entry = computed(*catalog.catalog, std::move(entry), loaded, log);
    } catch (const std::exception& e) {
        // One stored layer must never stop the service: it fails alone.
        log(kernel_name_of(entry.stored) + ": unexpected error: " + e.what());
        entry.state = LayerState::Failed;
        entry.inputs.reset();
        entry.findings = {policy::Finding{policy::Severity::Error,
                                          policy::Location{layer_source_name(entry.stored.name), 0, 0},
                                          "internal error while computing this layer; the system log has the "
                                          "details"}};
    }
    entry.generation = catalog.generation;
    if (admins_before && *admins_before != entry.stored) {
        if (auto st = ports_.store.save(entry.stored); !st)
            log(kernel_name_of(entry.stored) + ": cannot save the admin's default: " + st.error().message);
    }
    const bool changed = entry.state != state_before || entry.findings != findings_before ||
                         (admins_before && admins_before->updated_at != entry.stored.updated_at);
    const std::lock_guard lock(mutex_);
    entry.version = next_version_++;
    compositions_.erase(key);
    layers_[key] = std::move(entry);  // still there: removing it takes the layer's lock, which we hold
    return changed ? Recomputed::Changed : Recomputed::Unchanged;
}

void LayerManager::start(const MessageLog& log) {
    log_ = log;
    std::vector<std::string> problems;
    auto catalog = PolicyCatalog::read(ports_.reader, catalog_config_, problems);
    for (const auto& p : problems)
        log(p);
    problems.clear();
    auto stored = ports_.store.load_all(problems);
    for (const auto& p : problems)
        log(p);
    if (!stored) log("cannot read the stored layers: " + stored.error().message);
    const std::vector<std::uint32_t> people = known_people(ports_.users.people());
    std::vector<LayerKey> keys;
    DefaultsPlan defaults;
    {
        const std::lock_guard lock(mutex_);
        catalog_ = CatalogRef{std::move(catalog), catalog_.generation + 1};
        if (stored) {
            for (auto& s : stored.value()) {
                if (s.origin == LayerOrigin::Declined) {
                    declined_.insert(key_of(s));
                    continue;
                }
                keys.push_back(key_of(s));
                layers_[keys.back()].stored = std::move(s);
            }
        }
        defaults = plan_defaults(people);
    }
    drop_gone_defaults(defaults.gone, log);
    std::erase_if(keys, [&](const LayerKey& k) { return defaults.gone.contains(k); });
    keys.insert(keys.end(), defaults.added.begin(), defaults.added.end());
    if (keeper_) {
        keeper_->start(
            [this](const LayerKey& key) {
                const std::lock_guard lock(mutex_);
                return layers_.contains(key);
            },
            log);
    }
    StartLoads loads(ports_.kernel, kStartBatch);
    start_loads_ = &loads;
    std::optional<StartRecords> records;
    if (record_store_ != nullptr) records = record_store_->read();
    InputsCheck check(ports_.reader, ports_.users, settings_);
    if (records) {
        start_records_ = &*records;
        start_check_ = &check;
    }
    from_records_ = 0;
    recompute_all(keys, nullptr, log,
                  [this](const LayerKey& key, Recomputed) { notify(LayerEvent::Added, key); });
    start_loads_ = nullptr;
    start_records_ = nullptr;
    start_check_ = nullptr;
    finish_start_loads(loads, log);
    if (from_records_ != keys.size()) save_start_records(log);
    adopt_leftover_runs(log);
    refreshed();
}

void LayerManager::keep_start_records(StartRecordStore& store) {
    record_store_ = &store;
}

void LayerManager::save_start_records(const MessageLog& log) {
    if (record_store_ == nullptr) return;
    StartRecords records;
    {
        const std::lock_guard lock(mutex_);
        for (const auto& [key, entry] : layers_) {
            if (!entry.inputs || entry.loaded_text.empty()) continue;
            if (entry.state != LayerState::Active && entry.state != LayerState::Compiled &&
                entry.state != LayerState::Review)
                continue;
            records.emplace(key,
                            StartRecord{stored_layer_sum(entry.stored), entry.state == LayerState::Review,
                                        entry.findings, entry.loaded_text, entry.child_sum, entry.inputs});
        }
    }
    const std::lock_guard writing(record_write_mutex_);
    if (auto st = record_store_->write(records); !st)
        log("cannot save the start records (the next start composes every layer): " + st.error().message);
}

ServiceStatus LayerManager::load_child(const LayerKey& key, const std::string& kernel_name,
                                       const std::string& text) {
    if (start_loads_ != nullptr) {
        start_loads_->add(key, ChildText{kernel_name, text});
        return Done{};
    }
    auto child = ports_.kernel.compile(kernel_name, text);
    if (!child) return child.error();
    return child.value()->load();
}

// A layer whose cached child the kernel refused (alone, after its batch
// failed, and compiled afresh) ends as computed() leaves a failed load.
void LayerManager::finish_start_loads(StartLoads& loads, const MessageLog& log) {
    for (auto& [key, error] : loads.finish()) {
        const KeyedLocks<LayerKey>::Guard layer_lock(layer_locks_, key);
        {
            const std::lock_guard lock(mutex_);
            const auto it = layers_.find(key);
            if (it == layers_.end()) continue;
            Entry& entry = it->second;
            entry.state = LayerState::Failed;
            entry.inputs.reset();  // as a failed load in computed(): queries answer InvalidLayer
            compositions_.erase(key);
            entry.loaded_text.clear();
            entry.findings.push_back(policy::Finding{
                policy::Severity::Error, policy::Location{layer_source_name(key.name), 0, 0}, error.message});
        }
        log(key.base + "//" + policy::child_name(policy::LayerId{key.uid, key.name}) + ": " + error.message);
    }
    start_stats_ = loads.stats();
}

StartLoadStats LayerManager::start_loads() const {
    return start_stats_;
}

ServiceStatus LayerManager::reload(const Caller& caller, bool interactive, const MessageLog& log) {
    // Reload has no options: the D-Bus edge never asks polkit to prompt.
    if (auto st = authorize(caller, kActionReload, interactive,
                            "Reload takes no options and cannot ask for it: call it as root");
        !st)
        return st.error();
    refresh(log);
    return Done{};
}

void LayerManager::refresh(const MessageLog& log) {
    const std::lock_guard refreshing(refresh_mutex_);
    std::vector<std::string> problems;
    auto catalog = PolicyCatalog::read(ports_.reader, catalog_config_, problems);
    for (const auto& p : problems)
        log(p);
    const std::vector<std::uint32_t> people = known_people(ports_.users.people());
    std::vector<LayerKey> keys;
    DefaultsPlan defaults;
    CatalogChanges changes;
    std::function<void(const CatalogChanges&)> on_changes;
    {
        const std::lock_guard lock(mutex_);
        changes = catalog->changes_since(*catalog_.catalog);
        on_changes = catalog_listener_;
        catalog_ = CatalogRef{std::move(catalog), catalog_.generation + 1};
        defaults_given_.clear();  // the defaults may have changed: everyone is given them again
        defaults = plan_defaults(people);
        for (const auto& [key, entry] : layers_)
            keys.push_back(key);
    }
    drop_gone_defaults(defaults.gone, log);
    std::erase_if(keys, [&](const LayerKey& k) { return defaults.gone.contains(k); });
    std::atomic<std::size_t> changed_count{0};
    std::atomic<std::size_t> recomputed_count{0};
    std::atomic<std::size_t> skipped_count{0};
    InputsCheck check(ports_.reader, ports_.users, settings_);
    recompute_all(keys, &check, log, [&](const LayerKey& key, Recomputed what) {
        if (what == Recomputed::Skipped) ++skipped_count;
        if (what == Recomputed::Changed || what == Recomputed::Unchanged) ++recomputed_count;
        if (defaults.added.contains(key)) return notify(LayerEvent::Added, key);
        if (what != Recomputed::Changed) return;
        ++changed_count;
        notify(LayerEvent::Changed, key);
    });
    // So an admin can see a reload happened, and what it did.
    log("grants and bases read again: " + std::to_string(recomputed_count.load()) + " layers recomputed, " +
        std::to_string(changed_count.load()) + " changed, " + std::to_string(skipped_count.load()) +
        " skipped as unchanged");
    if (recomputed_count != 0 || !defaults.added.empty()) save_start_records(log);
    // After the layers: a panel that asks again on the signal sees them recomputed.
    if (!changes.empty() && on_changes) on_changes(changes);
    refreshed();
}

// Each layer's apparmor_parser run is mostly one process's CPU: a few at a
// time keep start and reload short when there are many layers.
void LayerManager::recompute_all(const std::vector<LayerKey>& keys, InputsCheck* check, const MessageLog& log,
                                 const std::function<void(const LayerKey&, Recomputed)>& done) {
    std::mutex log_mutex;
    const MessageLog serial_log = [&](const std::string& line) {
        const std::lock_guard lock(log_mutex);
        log(line);
    };
    // At most one read of the kernel's profile list for all of them, not one per layer.
    ProfileSnapshot loaded(ports_.kernel);
    ports_.executor.for_each(keys.size(), [&](std::size_t i) {
        const KeyedLocks<LayerKey>::Guard layer_lock(layer_locks_, keys[i]);
        done(keys[i], recompute(keys[i], loaded, check, serial_log));
    });
}

}  // namespace aalayer::service
