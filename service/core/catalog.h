// What the admin provides: base profiles (profiles_dir) and grants
// (grants_dir/*.conf), compiled per user on demand and kept until the next
// refresh. Not thread-safe: the LayerManager serialises access.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "policy/engine/compose.h"
#include "policy/engine/identity.h"
#include "policy/source/reader.h"
#include "service/core/outcome.h"

namespace aalayer::service {

struct CatalogConfig {
    std::string profiles_dir = "/etc/apparmor.d";
    std::string grants_dir = "/etc/aalayer/grants.d";
    std::vector<std::string> include_dirs{"/etc/apparmor.d"};
    policy::PermissionLimits limits;
};

class PolicyCatalog {
public:
    PolicyCatalog(const policy::SourceReader& reader, CatalogConfig config);

    // Re-reads the profile and grant directories; drops every compiled base
    // and bound. Returns one message per file it could not use.
    std::vector<std::string> refresh();

    [[nodiscard]] bool has_base(const std::string& base) const { return base_files_.contains(base); }
    [[nodiscard]] bool has_grant(const std::string& base) const { return grant_files_.contains(base); }
    [[nodiscard]] std::vector<std::string> granted_bases() const;

    // The base and the user's grant, prepared for composition (cached).
    Outcome<std::shared_ptr<const policy::Bounds>> bounds(const std::string& base,
                                                          const policy::UserIdentity& user);
    // The base with an empty grant: what a layer's deny rules alone compose with.
    Outcome<std::shared_ptr<const policy::Bounds>> bounds_without_grant(const std::string& base);
    // The grant's rules for the user, as canonical text with paths expanded.
    Outcome<std::string> grant_text(const std::string& base, const policy::UserIdentity& user);
    // A loader for the user's layer text: system include dirs, user variables.
    Outcome<policy::Loader> layer_loader(const policy::UserIdentity& user);

private:
    Outcome<std::shared_ptr<const policy::BasePolicy>> base_policy(const std::string& base);
    Outcome<policy::Grant> grant_for(const std::string& base, const policy::UserIdentity& user);
    [[nodiscard]] policy::LoadOptions system_options() const;
    // The system options with the tunables and the user's @{HOME}, @{USER}, @{UID}.
    Outcome<policy::LoadOptions> user_options(const policy::UserIdentity& user);

    const policy::SourceReader& reader_;
    CatalogConfig config_;
    std::map<std::string, std::string> base_files_;   // base profile name -> file
    std::map<std::string, std::string> grant_files_;  // base name -> grant file
    std::optional<policy::VariableTable> tunables_;
    std::map<std::string, std::shared_ptr<const policy::BasePolicy>> bases_;
    std::map<std::pair<std::string, std::uint32_t>, std::shared_ptr<const policy::Bounds>> bounds_;
};

}  // namespace aalayer::service
