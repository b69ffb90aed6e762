// The layer manager's read-only requests: a grant's text, why a path gets
// what it gets, where two layers differ, a layer's source. None of them
// writes; each takes the manager's lock only to find the composition.
#include <algorithm>
#include <functional>
#include <map>

#include "policy/automaton/paths.h"
#include "policy/common/utf8.h"
#include "policy/engine/learn.h"
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

Outcome<std::vector<GrantRuleRow>> LayerManager::grant_rules(const Caller& caller) {
    auto identity = user(caller.uid);
    if (!identity) return identity.error();
    const CatalogRef catalog = current();
    std::vector<GrantRuleRow> out;
    for (const auto& base : catalog.catalog->granted_bases()) {
        auto grant = catalog.catalog->grant(base, identity.value());
        if (!grant) continue;  // a grant that no longer reads is the admin's to fix (logged at reload)
        for (const auto& rule : grant->rules) {
            std::string letters = policy::rule_letters(rule.bits);
            if (letters.ends_with('x')) letters.insert(letters.size() - 1, "i");  // grants allow only ix
            for (const auto& glob : rule.globs) {
                out.push_back(GrantRuleRow{base, "allow", glob,
                                           rule.owner == policy::OwnerMode::Owner ? "owner" : "", letters,
                                           rule.where});
            }
        }
        for (const auto& exclusion : grant->exclusions)
            for (const auto& glob : exclusion.globs)
                out.push_back(GrantRuleRow{base, "exclude", glob, "", "", exclusion.where});
    }
    return out;
}

Outcome<std::vector<BaseRow>> LayerManager::list_bases(const Caller& caller) {
    const CatalogRef catalog = current();
    std::map<std::string, std::uint32_t> counts;
    {
        const std::lock_guard lock(mutex_);
        for (const auto& [key, entry] : layers_)
            if (key.uid == caller.uid) ++counts[key.base];
    }
    std::vector<BaseRow> out;
    for (const auto& base : catalog.catalog->bases()) {
        const auto n = counts.find(base);
        out.push_back(BaseRow{base, catalog.catalog->attachment(base), catalog.catalog->has_grant(base),
                              n == counts.end() ? 0U : n->second});
    }
    return out;
}

Outcome<ExplainResult> LayerManager::explain(const Caller& caller, std::uint32_t uid, const std::string& base,
                                             const std::string& name, const std::string& path) {
    if (auto st = valid_path(path); !st) return st.error();
    std::shared_ptr<const policy::Composition> composition;
    {
        const std::lock_guard lock(mutex_);
        if (const auto run = runs_.find(LayerKey{uid, base, name});
            run != runs_.end() && (caller.uid == uid || caller.uid == 0))
            composition = run->second.composition;
    }
    if (!composition) {
        // Another user's layer is answered as missing: its existence is theirs too.
        if (caller.uid != uid && caller.uid != 0)
            return fail(ServiceErrorKind::NoSuchLayer, "you have no layer '" + name + "' on '" + base + "'");
        auto own = composition_of(LayerKey{uid, base, name});
        if (!own) return own.error();
        composition = std::move(own.value());
    }
    const policy::Explanation e = composition->explain(path);
    ExplainResult out;
    out.perms = policy::format_pair(e.perms);
    out.owner = policy::perm_letters(e.perms.owner);
    out.other = policy::perm_letters(e.perms.other);
    for (const auto& r : e.reasons)
        out.reasons.emplace_back(r.source, policy::to_string(r.where) + ": " + r.rule);
    return out;
}

namespace {

std::vector<DiffRow> to_rows(const std::vector<policy::Difference>& differences) {
    std::vector<DiffRow> out;
    out.reserve(differences.size());
    for (const auto& d : differences)
        out.push_back(DiffRow{d.example, policy::format_pair(d.a), policy::format_pair(d.b)});
    return out;
}

}  // namespace

Outcome<std::shared_ptr<const policy::Composition>> LayerManager::composition_of(const LayerKey& key) const {
    StoredLayer stored;
    std::shared_ptr<const LayerInputs> inputs;
    std::uint64_t version = 0;
    std::uint64_t child_sum = 0;
    {
        const std::lock_guard lock(mutex_);
        const auto it = layers_.find(key);
        if (it == layers_.end())
            return fail(ServiceErrorKind::NoSuchLayer,
                        "you have no layer '" + key.name + "' on '" + key.base + "'");
        if (!it->second.inputs) {
            return fail(ServiceErrorKind::InvalidLayer,
                        "the layer has errors and enforces nothing of its own:\n" +
                            format_findings(it->second.findings));
        }
        if (auto kept = compositions_.find(key, it->second.version)) return kept;
        stored = it->second.stored;
        inputs = it->second.inputs;
        version = it->second.version;
        child_sum = it->second.child_sum;
    }
    // The user as the layer was computed for; the catalog is the current
    // one, which the layer was computed with unless a reload is under way.
    auto composed = compose(*current().catalog, stored, inputs->identity);
    if (!composed) return composed.error();
    if (!composed->valid()) {
        return fail(
            ServiceErrorKind::InvalidLayer,
            "the layer has errors and enforces nothing of its own:\n" + format_findings(composed->findings));
    }
    // A file it was computed from (its grant, a file its text includes)
    // changed and no reload has recomputed it yet: the answer would be for a
    // policy the kernel does not hold.
    if (text_sum(composed->child_text) != child_sum) {
        return fail(ServiceErrorKind::Busy,
                    "the policy files layer '" + key.name + "' on '" + key.base +
                        "' was computed from have changed since; ask again once it is recomputed (the "
                        "service re-reads grants shortly; an admin's Reload re-reads everything)");
    }
    auto composition = std::make_shared<const policy::Composition>(std::move(composed.value()));
    const std::lock_guard lock(mutex_);
    // Kept only if the layer was not computed again meanwhile.
    if (const auto it = layers_.find(key); it != layers_.end() && it->second.version == version)
        compositions_.put(key, version, composition);
    return composition;
}

Outcome<std::shared_ptr<const policy::Composition>> LayerManager::own_composition(const Caller& caller,
                                                                                  const std::string& base,
                                                                                  const std::string& name) {
    return composition_of(LayerKey{caller.uid, base, name});
}

Outcome<std::vector<DiffRow>> LayerManager::diff(const Caller& caller, const std::string& base,
                                                 const std::string& name_a, const std::string& name_b) {
    auto a = own_composition(caller, base, name_a);
    if (!a) return a.error();
    auto b = own_composition(caller, base, name_b);
    if (!b) return b.error();
    auto differences = policy::diff(**a, **b, catalog_config_.limits.dfa);
    if (!differences) return from_engine(differences.error());
    return to_rows(*differences);
}

Outcome<std::vector<DiffRow>> LayerManager::diff_with_base(const Caller& caller, const std::string& base,
                                                           const std::string& name) {
    auto c = own_composition(caller, base, name);
    if (!c) return c.error();
    auto differences = policy::diff_with_base(**c, catalog_config_.limits.dfa);
    if (!differences) return from_engine(differences.error());
    return to_rows(*differences);
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

namespace aalayer::service {

namespace {

// The kernel's file mask letters (x w r a c d k m l, in any order) as the
// permission bits a layer rule grants for them: create and delete are w.
policy::PermBits bits_of_mask(std::string_view mask) {
    policy::PermBits bits = 0;
    for (const char c : mask) {
        switch (c) {
            case 'r': bits |= policy::perm::kRead; break;
            case 'w':
            case 'c':
            case 'd': bits |= policy::perm::kWrite; break;
            case 'a': bits |= policy::perm::kAppend; break;
            case 'l': bits |= policy::perm::kLink; break;
            case 'k': bits |= policy::perm::kLock; break;
            case 'm': bits |= policy::perm::kMmap; break;
            case 'x': bits |= policy::perm::kExec; break;
            default: break;
        }
    }
    return bits;
}

std::string rule_for(const Denial& d, policy::PermBits bits) {
    return policy::file_rule(policy::literal_glob(d.path), bits, d.owner());
}

}  // namespace

std::vector<DenialView> LayerManager::explain_denials(const LayerKey& key,
                                                      std::vector<Denial> records) const {
    // Nothing to explain: an evicted layer would be composed (its user's
    // bounds prepared too, a megabyte with Firefox's profile) for nothing.
    if (records.empty()) return {};
    // None for a layer that does not compose: its records are told as they are.
    const auto composed = composition_of(key);
    const std::shared_ptr<const policy::Composition> composition = composed ? composed.value() : nullptr;
    std::vector<DenialView> out;
    out.reserve(records.size());
    for (auto& record : records) {
        DenialView v;
        v.denial = std::move(record);
        Denial& d = v.denial;
        const bool file = !d.path.empty() && d.path.front() == '/' &&
                          (d.klass.empty() || d.klass == "file") && (d.fsuid || d.ouid);
        const policy::PermBits bits = bits_of_mask(d.denied.empty() ? d.requested : d.denied);
        if (!file || bits == 0 || !composition) {
            if (d.origin == DenialOrigin::Stack) d.origin = DenialOrigin::Layer;
            if (d.origin == DenialOrigin::Base) {
                v.allow = "admin";
                v.note = "the base profile denied this on its own: only the admin can allow it";
            }
            out.push_back(std::move(v));
            continue;
        }
        const policy::PathBounds bounds = composition->bounds_at(d.path);
        const policy::PermBits base = d.owner() ? bounds.base.owner : bounds.base.other;
        const policy::PermBits grant = d.owner() ? bounds.grant.owner : bounds.grant.other;
        const bool base_allows = (bits & ~base) == 0;
        if (d.origin == DenialOrigin::Stack)
            d.origin = base_allows ? DenialOrigin::Layer : DenialOrigin::Base;
        // A deny rule of the layer's decides wherever it matches, inside the grant or out.
        std::string deny_rule;
        if (d.origin == DenialOrigin::Layer && base_allows) {
            for (const auto& r : composition->explain(d.path).reasons) {
                const auto at = r.rule.find("deny ");
                if (r.source == "layer" && at != std::string::npos && at <= 6) {
                    deny_rule = policy::to_string(r.where) + ": " + r.rule;
                    break;
                }
            }
        }
        if (d.origin == DenialOrigin::Base || !base_allows) {
            v.allow = "admin";
            v.note = "the base profile denies this: only the admin can allow it";
        } else if (!deny_rule.empty()) {
            v.allow = "layer";
            v.note = "your layer's deny rule " + deny_rule + " denies this: narrow or remove it to allow it";
        } else if (!bounds.in_grant) {
            v.allow = "admin";
            v.note = "outside the grant: only the admin can allow this";
        } else if ((bits & ~grant) != 0) {
            v.allow = "admin";
            v.note = "beyond what the grant allows here (" + policy::perm_letters(grant) +
                     "): only the admin can allow this";
        } else {
            v.allow = "layer";
            v.rule = rule_for(d, bits);
            v.note = "your layer would allow it with: " + v.rule;
        }
        out.push_back(std::move(v));
    }
    return out;
}

ServiceStatus LayerManager::may_read_denials(const Caller& caller, const LayerKey& key) {
    {
        const std::lock_guard lock(mutex_);
        if (!layers_.contains(key))
            return fail(ServiceErrorKind::NoSuchLayer,
                        "you have no layer '" + key.name + "' on '" + key.base + "'");
    }
    if (caller.uid == key.uid || caller.uid == 0) return Done{};
    // Another user's denials are their activity: the admin only, and a
    // refusal says no more than that the caller has no such layer.
    if (ports_.authorizer.check(caller, kActionManageAny, false) == Decision::Allowed) return Done{};
    return fail(ServiceErrorKind::NoSuchLayer, "you have no layer '" + key.name + "' on '" + key.base + "'");
}

Outcome<std::vector<DenialView>> LayerManager::denials(const Caller& caller, const LayerKey& key,
                                                       std::uint64_t since_usec, std::uint64_t& dropped) {
    if (auto st = may_read_denials(caller, key); !st) return st.error();
    auto snapshot = denials_.since(key, since_usec);
    dropped = snapshot.dropped;
    return explain_denials(key, std::move(snapshot.denials));
}

namespace {

// What a record asked, in one line for people: "/path rw", "signal send signal=term peer=x".
std::string access_of(const Denial& d) {
    const std::string mask = d.denied.empty() ? d.requested : d.denied;
    if (!d.path.empty() && d.path.front() == '/' && (d.klass.empty() || d.klass == "file"))
        return d.path + " " + mask + (d.owner() ? " (owner)" : "");
    std::string out = d.klass.empty() ? d.operation : d.klass;
    for (const std::string* part : {&mask, &d.detail}) {
        if (!part->empty()) out += " " + *part;
    }
    if (!d.peer.empty()) out += " peer=" + d.peer;
    return out;
}

// The lines of `text` (its last line counted whether or not it ends in '\n').
std::uint32_t line_count(const std::string& text) {
    const auto n = static_cast<std::uint32_t>(std::count(text.begin(), text.end(), '\n'));
    return text.empty() || text.back() == '\n' ? n : n + 1;
}

}  // namespace

Outcome<LearnOutcome> LayerManager::learn(const Caller& caller, const LayerKey& key,
                                          std::uint64_t since_usec) {
    if (auto st = may_read_denials(caller, key); !st) return st.error();
    auto composition = composition_of(key);
    if (!composition) return composition.error();
    StoredLayer stored;
    {
        const std::lock_guard lock(mutex_);
        const auto it = layers_.find(key);
        if (it == layers_.end())
            return fail(ServiceErrorKind::NoSuchLayer,
                        "you have no layer '" + key.name + "' on '" + key.base + "'");
        stored = it->second.stored;
    }
    auto identity = user(key.uid);
    if (!identity) return identity.error();
    const CatalogRef catalog = current();

    auto snapshot = denials_.since(key, since_usec);
    LearnOutcome out;
    out.dropped = snapshot.dropped;
    out.text = stored.text;
    // Records the engine's explanation already gives to the admin (the
    // base's own denials) or to a deny rule of the layer are said so; the
    // others are the generaliser's.
    const std::vector<DenialView> views = explain_denials(key, std::move(snapshot.denials));
    std::vector<policy::Observed> observed;
    std::vector<std::string> accesses;
    for (const auto& v : views) {
        const Denial& d = v.denial;
        const std::string access = access_of(d);
        const bool file = !d.path.empty() && d.path.front() == '/' && (d.klass.empty() || d.klass == "file");
        if (d.origin == DenialOrigin::Base || v.allow == "admin" || (v.allow == "layer" && v.rule.empty())) {
            out.unproposed.push_back(
                {access, v.allow.empty() ? "admin" : v.allow,
                 v.note.empty() ? "the base profile denied this: only the admin can allow it" : v.note});
            continue;
        }
        if (file && !policy::valid_utf8(d.path)) {
            out.unproposed.push_back(
                {access, "layer", "the path is not valid UTF-8: write its rule by hand"});
            continue;
        }
        policy::Observed o;
        o.klass = file ? "file" : d.klass;
        o.operation = d.operation;
        o.path = file ? d.path : std::string{};
        o.bits = file ? bits_of_mask(d.denied.empty() ? d.requested : d.denied) : 0;
        o.owner = d.owner();
        o.mask = d.denied.empty() ? d.requested : d.denied;
        o.detail = d.detail;
        o.peer = d.peer;
        observed.push_back(std::move(o));
        accesses.push_back(access);
    }
    policy::LearnOptions options;
    options.max_records = std::max<std::size_t>(limits_.denials.per_layer, 1);
    options.limits = catalog_config_.limits.dfa;
    options.abi = limits_.layer.abi;
    policy::LearnResult learned =
        policy::propose_rules(observed, *composition.value(), identity.value(), options);
    for (const auto& u : learned.unproposed)
        out.unproposed.push_back({accesses.at(u.index), u.allow, u.note});

    // The text with the proposals, composed as Apply composes it; a proposal
    // the check warns about or refuses, or that falls short of what it
    // claims, is dropped and said so, and the rest checked again.
    const std::string head =
        stored.text.empty() || stored.text.back() == '\n' ? stored.text : stored.text + "\n";
    const std::uint32_t first_line = line_count(head) + 1;
    bool checked = learned.proposals.empty();
    for (int round = 0; round < 3 && !checked; ++round) {
        std::string text = head;
        for (const auto& p : learned.proposals)
            text += p.rule + "\n";
        StoredLayer next = stored;
        next.text = text;
        auto composed = compose(*catalog.catalog, next, identity.value());
        if (!composed) return composed.error();
        std::map<std::size_t, std::string> refused;
        for (const auto& f : composed->findings) {
            if (f.where.file != layer_source_name(key.name) || f.severity == policy::Severity::Note) continue;
            if (f.where.line >= first_line && f.where.line < first_line + learned.proposals.size())
                refused.emplace(f.where.line - first_line, "the check says: " + f.message);
        }
        if (refused.empty() && composed->valid()) {
            for (const std::size_t i : policy::verify_proposals(learned, observed, *composed))
                refused.emplace(i, "the engine found it would not allow what it should");
        }
        if (refused.empty() && !composed->valid()) {
            return fail(ServiceErrorKind::InvalidLayer, "the layer with the learned rules does not check:\n" +
                                                            format_findings(composed->findings));
        }
        if (refused.empty()) {
            checked = true;
            break;
        }
        std::vector<policy::Proposal> kept;
        for (std::size_t i = 0; i < learned.proposals.size(); ++i) {
            const auto it = refused.find(i);
            if (it == refused.end()) {
                kept.push_back(std::move(learned.proposals[i]));
                continue;
            }
            for (const std::size_t at : learned.proposals[i].covers)
                out.unproposed.push_back(
                    {accesses.at(at), "layer", learned.proposals[i].rule + ": " + it->second});
        }
        learned.proposals = std::move(kept);
        checked = learned.proposals.empty();
    }
    if (!checked) {  // still refused after three checks: none is offered unchecked
        for (const auto& p : learned.proposals)
            for (const std::size_t at : p.covers)
                out.unproposed.push_back(
                    {accesses.at(at), "layer", p.rule + ": not offered, as it did not check"});
        learned.proposals.clear();
    }
    out.new_text = head;
    for (auto& p : learned.proposals) {
        out.new_text += p.rule + "\n";
        ProposedRule r{p.rule, p.why, {}};
        for (const std::size_t at : p.covers)
            r.accesses.push_back(accesses.at(at));
        out.proposals.push_back(std::move(r));
    }
    if (out.proposals.empty()) out.new_text = stored.text;
    return out;
}

}  // namespace aalayer::service
