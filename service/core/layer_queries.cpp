// The layer manager's read-only requests: a grant's text, why a path gets
// what it gets, where two layers differ, a layer's source. None of them
// writes; each takes the manager's lock only to find the composition.
#include "service/core/layer_manager.h"

namespace aalayer::service {

Outcome<std::vector<std::pair<std::string, std::string>>> LayerManager::list_grants(const Caller& caller) {
    auto identity = user(caller.uid);
    if (!identity) return identity.error();
    const CatalogRef catalog = current();
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& base : catalog.catalog->granted_bases()) {
        auto text = catalog.catalog->grant_text(base, identity.value());
        if (text) out.emplace_back(base, text.value());
    }
    return out;
}

Outcome<ExplainResult> LayerManager::explain(const Caller& caller, std::uint32_t uid, const std::string& base,
                                             const std::string& name, const std::string& path) {
    if (auto st = valid_path(path); !st) return st.error();
    std::shared_ptr<const policy::Composition> composition;
    {
        const std::lock_guard lock(mutex_);
        const auto it = layers_.find(LayerKey{uid, base, name});
        // Another user's layer is answered as missing: its existence is theirs too.
        if (it == layers_.end() || (caller.uid != uid && caller.uid != 0)) {
            return fail(ServiceErrorKind::NoSuchLayer, "you have no layer '" + name + "' on '" + base + "'");
        }
        if (!it->second.composition) {
            return fail(ServiceErrorKind::InvalidLayer,
                        "the layer has errors and enforces nothing of its own:\n" +
                            format_findings(it->second.findings));
        }
        composition = it->second.composition;
    }
    const policy::Explanation e = composition->explain(path);
    ExplainResult out;
    out.perms = policy::format_pair(e.perms);
    for (const auto& r : e.reasons)
        out.reasons.emplace_back(r.source, policy::to_string(r.where) + ": " + r.rule);
    return out;
}

Outcome<std::vector<DiffRow>> LayerManager::diff(const Caller& caller, const std::string& base,
                                                 const std::string& name_a, const std::string& name_b) {
    std::vector<std::shared_ptr<const policy::Composition>> compositions;
    {
        const std::lock_guard lock(mutex_);
        for (const auto* name : {&name_a, &name_b}) {
            const auto it = layers_.find(LayerKey{caller.uid, base, *name});
            if (it == layers_.end())
                return fail(ServiceErrorKind::NoSuchLayer,
                            "you have no layer '" + *name + "' on '" + base + "'");
            if (!it->second.composition) {
                return fail(ServiceErrorKind::InvalidLayer,
                            "the layer '" + *name + "' has errors:\n" + format_findings(it->second.findings));
            }
            compositions.push_back(it->second.composition);
        }
    }
    auto differences = policy::diff(*compositions[0], *compositions[1], catalog_config_.limits.dfa);
    if (!differences) return from_engine(differences.error());
    std::vector<DiffRow> out;
    for (const auto& d : *differences)
        out.push_back(DiffRow{d.example, policy::format_pair(d.a), policy::format_pair(d.b)});
    return out;
}

Outcome<std::string> LayerManager::source(const Caller& caller, std::uint32_t uid, const std::string& base,
                                          const std::string& name) {
    const std::lock_guard lock(mutex_);
    const auto it = layers_.find(LayerKey{uid, base, name});
    if (it == layers_.end() || (caller.uid != uid && caller.uid != 0)) {
        return fail(ServiceErrorKind::NoSuchLayer, "you have no layer '" + name + "' on '" + base + "'");
    }
    return it->second.stored.text;
}

}  // namespace aalayer::service
