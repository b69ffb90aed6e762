// What the admin provides: base profiles (profiles_dir) and grants
// (grants_dir/*.conf), as read at one moment. A catalog never changes once
// read: a reload reads a new one, and requests already running finish with
// the one they started with. What it compiles per base and user on demand
// is cached inside it; every method is safe to call from many threads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "policy/engine/compose.h"
#include "policy/engine/grant.h"
#include "policy/engine/grant_check.h"
#include "policy/engine/identity.h"
#include "policy/source/reader.h"
#include "service/core/layer_inputs.h"
#include "service/core/once_cache.h"
#include "service/core/outcome.h"
#include "service/install_paths.h"  // generated in the build directory: AALAYER_CONFDIR

namespace aalayer::service {

struct CatalogConfig {
    std::string profiles_dir = "/etc/apparmor.d";
    std::string grants_dir = AALAYER_CONFDIR "/grants.d";
    std::vector<std::string> include_dirs{"/etc/apparmor.d"};
    policy::PermissionLimits limits;
    // How many users' bounds (a base with a user's grant, prepared) a
    // catalog keeps, and how many layers' compositions the manager keeps for
    // queries; the others are computed again when asked (aalayerd.conf:
    // bounds_cache_size).
    std::size_t bounds_cache_size = 4;
};

// What changed between two catalogs, as base names (sorted): for the
// Manager1 signals GrantsChanged and BasesChanged (docs/dbus-api.md).
struct CatalogChanges {
    // A grant that appeared or went, or whose grant file's text changed.
    std::vector<std::string> grants;
    // A base profile that appeared or went, or, for a granted base, whose
    // profile file's text changed (not the files it includes).
    std::vector<std::string> bases;
    [[nodiscard]] bool empty() const { return grants.empty() && bases.empty(); }
};

class PolicyCatalog {
public:
    // Reads the profile and grant directories; `problems` gets one message
    // per file it could not use.
    static std::shared_ptr<const PolicyCatalog> read(const policy::SourceReader& reader, CatalogConfig config,
                                                     std::vector<std::string>& problems);
    // A catalog with no bases and no grants, for before the first read.
    PolicyCatalog(const policy::SourceReader& reader, CatalogConfig config);

    [[nodiscard]] bool has_base(const std::string& base) const { return base_files_.contains(base); }
    [[nodiscard]] bool has_grant(const std::string& base) const { return grant_files_.contains(base); }
    [[nodiscard]] std::vector<std::string> granted_bases() const;
    // Every base profile's name, sorted.
    [[nodiscard]] std::vector<std::string> bases() const;
    // What the base attaches to (policy::base_profiles_in), "" when nothing or unknown.
    [[nodiscard]] std::string attachment(const std::string& base) const;
    // The user's grant on the base, its rules expanded for the user.
    [[nodiscard]] Outcome<policy::Grant> grant(const std::string& base,
                                               const policy::UserIdentity& user) const {
        return grant_for(base, user);
    }
    // The admin's default layers of a granted base that exists (none otherwise).
    [[nodiscard]] const std::vector<policy::DefaultLayerSource>& defaults(const std::string& base) const;
    [[nodiscard]] const policy::DefaultLayerSource* default_layer(const std::string& base,
                                                                  const std::string& name) const;

    // The base and the user's grant, prepared for composition (cached), and
    // what they were read from: the tunables, the base's files, the grant file.
    struct PreparedBounds {
        std::shared_ptr<const policy::Bounds> bounds;
        std::vector<std::shared_ptr<const SourceRecord>> sources;
    };
    [[nodiscard]] Outcome<PreparedBounds> prepared_bounds(const std::string& base,
                                                          const policy::UserIdentity& user) const;
    [[nodiscard]] Outcome<std::shared_ptr<const policy::Bounds>> bounds(
        const std::string& base, const policy::UserIdentity& user) const;
    // The file the base profile was found in, and the grant file for it ("" when none).
    [[nodiscard]] std::string base_file(const std::string& base) const;
    [[nodiscard]] std::string grant_file(const std::string& base) const;
    // The base with an empty grant: what a layer's deny rules alone compose with.
    [[nodiscard]] Outcome<std::shared_ptr<const policy::Bounds>> bounds_without_grant(
        const std::string& base) const;
    // The grant's rules for the user, as canonical text with paths expanded.
    [[nodiscard]] Outcome<std::string> grant_text(const std::string& base,
                                                  const policy::UserIdentity& user) const;
    // What changed from `before` to this catalog.
    [[nodiscard]] CatalogChanges changes_since(const PolicyCatalog& before) const;
    // A loader for the user's layer text: system include dirs, user variables.
    [[nodiscard]] Outcome<policy::Loader> layer_loader(const policy::UserIdentity& user) const;
    // The same reading through `via` (a RecordingReader around reader()).
    [[nodiscard]] Outcome<policy::Loader> layer_loader(const policy::UserIdentity& user,
                                                       const policy::SourceReader& via) const;
    [[nodiscard]] const policy::SourceReader& reader() const { return reader_; }

private:
    using BoundsOutcome = Outcome<PreparedBounds>;
    struct CompiledBase {
        std::shared_ptr<const policy::BasePolicy> policy;
        std::shared_ptr<const SourceRecord> sources;
    };
    using BaseOutcome = Outcome<CompiledBase>;

    std::vector<std::string> scan();
    [[nodiscard]] BaseOutcome base_policy(const std::string& base) const;
    // `record`, when given, gets what the grant was read from.
    [[nodiscard]] Outcome<policy::Grant> grant_for(const std::string& base, const policy::UserIdentity& user,
                                                   SourceRecord* record = nullptr) const;
    [[nodiscard]] policy::LoadOptions system_options() const;
    // The system options with the tunables and the user's @{HOME}, @{USER}, @{UID}.
    [[nodiscard]] Outcome<policy::LoadOptions> user_options(const policy::UserIdentity& user) const;

    const policy::SourceReader& reader_;
    CatalogConfig config_;
    std::map<std::string, std::string> base_files_;   // base profile name -> file
    std::map<std::string, std::string> attachments_;  // base profile name -> attachment
    std::map<std::string, std::string> grant_files_;  // base name -> grant file
    std::map<std::string, std::vector<policy::DefaultLayerSource>> defaults_;  // base name -> its defaults
    // Hashes of file texts, to tell what a reload changed: the grant file
    // of each granted base, and each granted base's profile file.
    std::map<std::string, std::size_t> grant_sums_;
    std::map<std::string, std::size_t> base_sums_;
    Outcome<policy::VariableTable> tunables_;
    std::shared_ptr<const SourceRecord> tunables_sources_;
    mutable OnceCache<std::string, BaseOutcome> bases_;
    mutable OnceCache<std::pair<std::string, std::uint32_t>, BoundsOutcome> bounds_;
};

}  // namespace aalayer::service
