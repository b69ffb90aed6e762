#include "tests/fuzz/fuzz_support.h"

#include <cstdlib>

#include "policy/engine/grant.h"
#include "tests/support/default_limits.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kPermissionLimits;

namespace aalayer::fuzz {

using namespace aalayer::policy;

policy::ComposeOptions small_options() {
    ComposeOptions o;
    o.limits.dfa.max_states = 20000;
    o.limits.glob.max_nfa_states = 100000;
    o.render.max_globs = 256;
    return o;
}

const World& world() {
    static const World* w = [] {
        auto* out = new World;  // NOLINT(cppcoreguidelines-owning-memory): lives as long as the fuzzer
        out->reader.add("/etc/apparmor.d/tunables/global", "@{PROC}=/proc\n@{HOMEDIRS}=/home/\n");
        out->reader.add("/etc/apparmor.d/abstractions/base", "/etc/ld.so.cache r,\n/usr/lib/** mr,\n");
        out->reader.add("/etc/apparmor.d/abstractions/fonts",
                        "/usr/share/fonts/** r,\nnetwork inet stream,\n");
        out->reader.add("/etc/apparmor.d/app",
                        "include <tunables/global>\nprofile app {\n  include <abstractions/base>\n  /** r,\n"
                        "  owner /home/*/** rwk,\n  deny /etc/shadow r,\n}\n");
        LoadOptions system_options;
        out->system = std::make_unique<Loader>(out->reader, system_options);
        const UserIdentity alice{1000, "alice", "/home/alice"};
        LoadOptions user_options;
        user_options.predefined = user_variables(load_tunables(*out->system).value(), alice);
        out->user = std::make_unique<Loader>(out->reader, user_options);
        const Loader grant_loader(out->reader, grant_load_options(user_options));
        auto grant_policy = grant_loader.load_text(
            "grant app {\n  owner @{HOME}/docs/** rw,\n  @{HOME}/pub/* r,\n}\n", "grant.conf");
        auto grants = read_grants(grant_policy.value()).value();
        auto base = std::make_shared<const BasePolicy>(
            compile_base(*out->system, "/etc/apparmor.d/app", "app", kPermissionLimits).value());
        auto grant =
            std::make_shared<const CompiledGrant>(compile_grant(grants.front(), kPermissionLimits).value());
        out->bounds = prepare_bounds(base, grant, kDfaLimits).value();
        return out;
    }();
    return *w;
}

}  // namespace aalayer::fuzz
