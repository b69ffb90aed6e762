#include "service/core/catalog.h"

#include <algorithm>
#include <functional>
#include <set>

#include "policy/engine/grant.h"
#include "policy/engine/grant_check.h"

namespace aalayer::service {

using policy::Loader;
using policy::LoadOptions;

namespace {

// Grant and base files are far smaller; a larger one is hashed as unreadable.
constexpr std::size_t kMaxHashedBytes = 16U * 1024U * 1024U;

ServiceError policy_error(ServiceErrorKind kind, const policy::Error& e) {
    return fail(kind, e.format());
}

}  // namespace

PolicyCatalog::PolicyCatalog(const policy::SourceReader& reader, CatalogConfig config)
    : reader_(reader),
      config_(std::move(config)),
      tunables_(fail(ServiceErrorKind::Internal, "the tunables have not been read")),
      bounds_(config_.bounds_cache_size) {}

std::shared_ptr<const PolicyCatalog> PolicyCatalog::read(const policy::SourceReader& reader,
                                                         CatalogConfig config,
                                                         std::vector<std::string>& problems) {
    auto catalog = std::make_shared<PolicyCatalog>(reader, std::move(config));
    for (auto& p : catalog->scan())
        problems.push_back(std::move(p));
    return catalog;
}

std::vector<std::string> PolicyCatalog::scan() {
    std::vector<std::string> problems;
    {
        auto record = std::make_shared<SourceRecord>();
        const RecordingReader recording(reader_, *record);
        const Loader system(recording, system_options());
        auto t = policy::load_tunables(system);
        tunables_sources_ = std::move(record);
        if (t) {
            tunables_ = std::move(*t);
        } else {
            tunables_ = policy_error(ServiceErrorKind::Internal, t.error());
        }
    }
    base_files_ =
        policy::base_profiles_in(reader_, config_.profiles_dir, system_options().limits, &attachments_);
    // Grants: parsed with a placeholder user to find which bases they cover.
    auto probe = user_options(policy::UserIdentity{65534, "nobody", "/nonexistent"});
    if (!probe) {
        problems.push_back(probe.error().message);
        return problems;
    }
    const Loader grant_loader(reader_, policy::grant_load_options(probe.value()));
    for (auto& file : policy::check_grants_in(reader_, grant_loader, config_.grants_dir, base_files_,
                                              config_.profiles_dir, config_.limits)) {
        for (const auto& finding : file.findings)
            problems.push_back(finding.format());
        for (const auto& g : file.grants) {
            grant_files_.emplace(g.base, file.path);
            if (!file.defaults.empty()) defaults_.emplace(g.base, file.defaults);
        }
    }
    // Granted bases only: reading every profile in profiles_dir again on each
    // reload would cost what the scan above cost, for bases nobody layers on.
    const auto sum_of = [&](const std::string& path) -> std::size_t {
        auto text = reader_.read(path, kMaxHashedBytes);
        return text ? std::hash<std::string>{}(*text) : 0;
    };
    for (const auto& [base, path] : grant_files_) {
        grant_sums_[base] = sum_of(path);
        if (const auto it = base_files_.find(base); it != base_files_.end())
            base_sums_[base] = sum_of(it->second);
    }
    return problems;
}

CatalogChanges PolicyCatalog::changes_since(const PolicyCatalog& before) const {
    CatalogChanges out;
    const auto differ = [](const auto& a, const auto& b, const std::string& key) {
        const auto x = a.find(key);
        const auto y = b.find(key);
        if ((x == a.end()) != (y == b.end())) return true;
        return x != a.end() && x->second != y->second;
    };
    std::set<std::string> grants;
    for (const auto* m : {&grant_sums_, &before.grant_sums_})
        for (const auto& [base, sum] : *m)
            if (differ(grant_sums_, before.grant_sums_, base)) grants.insert(base);
    std::set<std::string> bases;
    for (const auto* m : {&base_files_, &before.base_files_})
        for (const auto& [base, file] : *m)
            if (base_files_.contains(base) != before.base_files_.contains(base)) bases.insert(base);
    for (const auto* m : {&base_sums_, &before.base_sums_})
        for (const auto& [base, sum] : *m)
            if (differ(base_sums_, before.base_sums_, base)) bases.insert(base);
    out.grants.assign(grants.begin(), grants.end());
    out.bases.assign(bases.begin(), bases.end());
    return out;
}

const std::vector<policy::DefaultLayerSource>& PolicyCatalog::defaults(const std::string& base) const {
    static const std::vector<policy::DefaultLayerSource> none;
    const auto it = defaults_.find(base);
    if (it == defaults_.end() || !has_base(base)) return none;
    return it->second;
}

const policy::DefaultLayerSource* PolicyCatalog::default_layer(const std::string& base,
                                                               const std::string& name) const {
    for (const auto& d : defaults(base))
        if (d.name == name) return &d;
    return nullptr;
}

std::vector<std::string> PolicyCatalog::granted_bases() const {
    std::vector<std::string> out;
    for (const auto& [base, file] : grant_files_)
        if (has_base(base)) out.push_back(base);
    return out;
}

std::vector<std::string> PolicyCatalog::bases() const {
    std::vector<std::string> out;
    for (const auto& [base, file] : base_files_)
        out.push_back(base);
    return out;
}

std::string PolicyCatalog::attachment(const std::string& base) const {
    const auto it = attachments_.find(base);
    return it == attachments_.end() ? "" : it->second;
}

LoadOptions PolicyCatalog::system_options() const {
    LoadOptions options;
    options.include_dirs = config_.include_dirs;
    return options;
}

Outcome<LoadOptions> PolicyCatalog::user_options(const policy::UserIdentity& user) const {
    if (!tunables_) return tunables_.error();
    if (auto st = policy::validate_identity(user); !st)
        return policy_error(ServiceErrorKind::InvalidArgument, st.error());
    LoadOptions options = system_options();
    options.predefined = policy::user_variables(*tunables_, user);
    return options;
}

PolicyCatalog::BaseOutcome PolicyCatalog::base_policy(const std::string& base) const {
    const auto file = base_files_.find(base);
    if (file == base_files_.end()) {
        return fail(ServiceErrorKind::NoSuchBase,
                    "no base profile named '" + base + "' in " + config_.profiles_dir);
    }
    return bases_.get(base, [&]() -> BaseOutcome {
        auto record = std::make_shared<SourceRecord>();
        const RecordingReader recording(reader_, *record);
        const Loader system(recording, system_options());
        auto compiled = policy::compile_base(system, file->second, base, config_.limits);
        if (!compiled) return policy_error(ServiceErrorKind::Internal, compiled.error());
        return CompiledBase{std::make_shared<const policy::BasePolicy>(std::move(*compiled)),
                            std::move(record)};
    });
}

Outcome<policy::Grant> PolicyCatalog::grant_for(const std::string& base, const policy::UserIdentity& user,
                                                SourceRecord* record) const {
    const auto file = grant_files_.find(base);
    if (file == grant_files_.end()) {
        return fail(ServiceErrorKind::NotGranted,
                    "there is no grant for '" + base + "': users cannot layer on it");
    }
    auto options = user_options(user);
    if (!options) return options.error();
    SourceRecord unasked;
    const RecordingReader recording(reader_, record != nullptr ? *record : unasked);
    const Loader loader(recording, policy::grant_load_options(std::move(options.value())));
    auto loaded = loader.load_file(file->second);
    if (!loaded) return policy_error(ServiceErrorKind::NotGranted, loaded.error());
    auto grants = policy::read_grants(*loaded);
    if (!grants) return policy_error(ServiceErrorKind::NotGranted, grants.error());
    for (auto& g : *grants)
        if (g.base == base) return std::move(g);
    return fail(ServiceErrorKind::NotGranted, "the grant for '" + base + "' is gone from " + file->second);
}

PolicyCatalog::BoundsOutcome PolicyCatalog::prepared_bounds(const std::string& base,
                                                            const policy::UserIdentity& user) const {
    return bounds_.get(std::make_pair(base, user.uid), [&]() -> BoundsOutcome {
        auto b = base_policy(base);
        if (!b) return b.error();
        auto grant_record = std::make_shared<SourceRecord>();
        auto grant = grant_for(base, user, grant_record.get());
        if (!grant) return grant.error();
        auto compiled = policy::compile_grant(std::move(grant.value()), config_.limits);
        if (!compiled) return policy_error(ServiceErrorKind::NotGranted, compiled.error());
        auto prepared = policy::prepare_bounds(
            b->policy, std::make_shared<const policy::CompiledGrant>(std::move(*compiled)),
            config_.limits.dfa);
        if (!prepared) return policy_error(ServiceErrorKind::Internal, prepared.error());
        return PreparedBounds{*prepared, {tunables_sources_, b->sources, std::move(grant_record)}};
    });
}

Outcome<std::shared_ptr<const policy::Bounds>> PolicyCatalog::bounds(const std::string& base,
                                                                     const policy::UserIdentity& user) const {
    auto prepared = prepared_bounds(base, user);
    if (!prepared) return prepared.error();
    return prepared->bounds;
}

std::string PolicyCatalog::base_file(const std::string& base) const {
    const auto it = base_files_.find(base);
    return it == base_files_.end() ? "" : it->second;
}

std::string PolicyCatalog::grant_file(const std::string& base) const {
    const auto it = grant_files_.find(base);
    return it == grant_files_.end() ? "" : it->second;
}

Outcome<std::shared_ptr<const policy::Bounds>> PolicyCatalog::bounds_without_grant(
    const std::string& base) const {
    auto b = base_policy(base);
    if (!b) return b.error();
    policy::Grant empty;
    empty.base = base;
    auto compiled = policy::compile_grant(std::move(empty), config_.limits);
    if (!compiled) return policy_error(ServiceErrorKind::Internal, compiled.error());
    auto prepared = policy::prepare_bounds(
        b->policy, std::make_shared<const policy::CompiledGrant>(std::move(*compiled)), config_.limits.dfa);
    if (!prepared) return policy_error(ServiceErrorKind::Internal, prepared.error());
    return *prepared;
}

Outcome<std::string> PolicyCatalog::grant_text(const std::string& base,
                                               const policy::UserIdentity& user) const {
    auto grant = grant_for(base, user);
    if (!grant) return grant.error();
    std::string text;
    for (const auto& rule : grant->rules) {
        std::string qualifiers = rule.owner == policy::OwnerMode::Owner ? "owner " : "";
        std::string letters = policy::rule_letters(rule.bits);
        if (letters.ends_with('x')) {
            letters.pop_back();
            letters += "ix";  // grants allow only ix
        }
        for (const auto& glob : rule.globs)
            text += qualifiers + glob + " " + letters + ",\n";
    }
    for (const auto& exclusion : grant->exclusions) {
        for (const auto& glob : exclusion.globs)
            text += "exclude " + glob + ",\n";
    }
    return text;
}

Outcome<policy::Loader> PolicyCatalog::layer_loader(const policy::UserIdentity& user) const {
    return layer_loader(user, reader_);
}

Outcome<policy::Loader> PolicyCatalog::layer_loader(const policy::UserIdentity& user,
                                                    const policy::SourceReader& via) const {
    auto options = user_options(user);
    if (!options) return options.error();
    return Loader(via, std::move(options.value()));
}

}  // namespace aalayer::service
