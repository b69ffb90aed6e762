// The admin's default layers (docs/admin-guide.md, "Default layers"): every
// person with an account has them on each base whose grant file has them,
// without asking; they may replace one, remove it (remembered) or reset it.
#include <algorithm>

#include "service/core/layer_manager.h"

namespace aalayer::service {

bool LayerManager::is_default(const PolicyCatalog& catalog, const LayerKey& key) const {
    return catalog.default_layer(key.base, key.name) != nullptr;
}

std::vector<std::uint32_t> LayerManager::known_people(std::vector<std::uint32_t> uids) const {
    std::erase_if(uids, [this](std::uint32_t uid) { return !ports_.users.lookup(uid); });
    return uids;
}

LayerManager::DefaultsPlan LayerManager::plan_defaults(const std::vector<std::uint32_t>& uids) {
    DefaultsPlan plan;
    const PolicyCatalog& catalog = *catalog_.catalog;
    for (const auto& [key, entry] : layers_) {
        if (entry.stored.origin == LayerOrigin::Admin && !is_default(catalog, key)) plan.gone.insert(key);
    }
    const std::vector<std::string> bases = catalog.granted_bases();
    const std::uint64_t now = ports_.clock.now_usec();
    for (const std::uint32_t uid : uids) {
        if (!defaults_given_.insert(uid).second) continue;
        for (const auto& base : bases) {
            for (const auto& d : catalog.defaults(base)) {
                LayerKey key{uid, base, d.name};
                if (layers_.contains(key) || declined_.contains(key)) continue;
                StoredLayer stored{uid, base, d.name, d.text, false, false, now, {}};
                stored.origin = LayerOrigin::Admin;
                layers_[key].stored = std::move(stored);  // generation 0: computed next
                plan.added.insert(std::move(key));
            }
        }
    }
    return plan;
}

void LayerManager::drop_gone_defaults(const std::set<LayerKey>& keys, const MessageLog& log) {
    for (const auto& key : keys) {
        const KeyedLocks<LayerKey>::Guard layer_lock(layer_locks_, key);
        std::string kernel_name;
        {
            const std::lock_guard lock(mutex_);
            const auto it = layers_.find(key);
            if (it == layers_.end() || it->second.stored.origin != LayerOrigin::Admin) continue;
            kernel_name = kernel_name_of(it->second.stored);
        }
        if (auto st = ports_.kernel.unload(kernel_name); !st)
            log(kernel_name +
                ": the admin's default is gone, but it cannot be unloaded: " + st.error().message);
        if (auto st = ports_.store.erase(key.uid, key.base, key.name); !st)
            log(kernel_name +
                ": cannot remove the file of a default the admin took away: " + st.error().message);
        {
            const std::lock_guard lock(mutex_);
            layers_.erase(key);
            compositions_.erase(key);
        }
        denials_.forget(key);
        log(kernel_name + ": removed, the admin took this default layer away");
        notify(LayerEvent::Removed, key);
    }
}

void LayerManager::ensure_defaults(std::uint32_t uid) {
    {
        const std::lock_guard lock(mutex_);
        if (defaults_given_.contains(uid)) return;
    }
    if (!ports_.users.is_person(uid) || known_people({uid}).empty()) return;
    const std::lock_guard refreshing(refresh_mutex_);  // one catalog for the plan and the computes
    DefaultsPlan plan;
    {
        const std::lock_guard lock(mutex_);
        plan = plan_defaults({uid});
    }
    const std::vector<LayerKey> keys(plan.added.begin(), plan.added.end());
    recompute_all(keys, nullptr, log_,
                  [this](const LayerKey& key, Recomputed) { notify(LayerEvent::Added, key); });
}

void LayerManager::people_changed() {
    for (const std::uint32_t uid : ports_.users.people())
        ensure_defaults(uid);
}

ServiceStatus LayerManager::reset(const Caller& caller, std::optional<std::uint32_t> for_uid,
                                  const std::string& base, const std::string& name, bool interactive) {
    const std::uint32_t uid = for_uid.value_or(caller.uid);
    if (auto st = valid_request(base, name, {}, limits_); !st) return st.error();
    const CatalogRef catalog = current();
    const auto* d = catalog.catalog->default_layer(base, name);
    if (d == nullptr) {
        return fail(ServiceErrorKind::NoSuchLayer,
                    "the admin has no default layer '" + name + "' on '" + base + "' to reset to");
    }
    {
        const std::lock_guard lock(mutex_);
        const auto it = layers_.find(LayerKey{uid, base, name});
        if (it != layers_.end() && it->second.stored.origin == LayerOrigin::Admin) return Done{};
    }
    // Applying the admin's text makes it the admin's again (apply), and its
    // file takes the place of the user's version or of the removal's record.
    auto out = apply(caller, for_uid, base, name, d->text, ApplyOptions{interactive, false, false});
    if (!out) return out.error();
    return Done{};
}

}  // namespace aalayer::service
