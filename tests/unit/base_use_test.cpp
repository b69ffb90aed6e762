// A base compiled once (aalayer-policy) keeps its rule automaton as the
// subset construction built it; one the service keeps has it minimised
// (BaseUse). Both must answer every query, and compose every layer, alike.
#include <gtest/gtest.h>

#include "policy/engine/compose.h"
#include "policy/engine/grant.h"
#include "policy/engine/identity.h"
#include "policy/source/memory_reader.h"
#include "tests/support/default_limits.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kLayerLimits;
using aalayer::test::kPermissionLimits;

namespace aalayer::policy {
namespace {

// Rules whose automaton the subset construction does not build minimal:
// the same tails behind different heads, owner and deny rules, alternations.
constexpr const char* kBase = R"(abi <abi/3.0>,
include <tunables/global>
profile app /usr/bin/app {
  /usr/lib/** rm,
  /usr/share/** r,
  /opt/app/lib/** rm,
  /etc/{app,app2}/*.conf r,
  owner @{HOME}/.config/app/** rwk,
  owner @{HOME}/.cache/app/** rw,
  @{HOME}/Documents/** r,
  deny @{HOME}/.ssh/** rw,
  deny /etc/shadow r,
  /tmp/app-*/{,**} rw,
  /var/tmp/app-*/{,**} rw,
  /proc/*/status r,
}
)";

struct Compiled {
    std::shared_ptr<const BasePolicy> base;
    Composition composition;
};

Compiled compile_and_compose(BaseUse use) {
    MemoryReader reader;
    reader.add("/sys/tunables/global", "@{HOME}=/home/*/ /root/\n@{PROC}=/proc\n");
    reader.add("/sys/app", kBase);
    reader.add("/grants/app.conf", "grant app {\n  owner @{HOME}/** rw,\n  /tmp/** rw,\n}\n");
    LoadOptions options;
    options.include_dirs = {"/sys"};
    const Loader system(reader, options);
    options.predefined =
        user_variables(load_tunables(system).value(), UserIdentity{1000, "alice", "/home/alice"});
    const Loader user(reader, options);
    auto compiled = compile_base(system, "/sys/app", "app", kPermissionLimits, use);
    EXPECT_TRUE(compiled.ok()) << compiled.error().format();
    auto base = std::make_shared<const BasePolicy>(std::move(compiled).value());
    const Loader grant_loader(reader, grant_load_options(options));
    auto grants = read_grants(grant_loader.load_file("/grants/app.conf").value()).value();
    auto grant = compile_grant(grants.front(), kPermissionLimits).value();
    auto bounds =
        prepare_bounds(base, std::make_shared<const CompiledGrant>(std::move(grant)), kDfaLimits).value();
    auto c = compose(bounds,
                     read_layer(user,
                                "owner @{HOME}/.config/app/** r,\n@{HOME}/Documents/** rw,\n"
                                "deny @{HOME}/.cache/app/secret rw,\n/tmp/app-1/** rw,\n",
                                "t.layer", kLayerLimits),
                     LayerId{1000, "t"});
    return {base, std::move(c).value()};
}

TEST(BaseUse, ABaseCompiledOnceAnswersAndComposesAsAKeptOne) {
    const Compiled kept = compile_and_compose(BaseUse::kept);
    const Compiled once = compile_and_compose(BaseUse::once);
    // The premise: the automaton kept is smaller than the one built.
    EXPECT_LT(kept.base->files.dfa().state_count(), once.base->files.dfa().state_count());
    // The effective automaton is minimised either way: the same automaton.
    EXPECT_EQ(kept.base->effective.label, once.base->effective.label);
    EXPECT_EQ(kept.base->effective.next, once.base->effective.next);
    EXPECT_EQ(kept.base->effective.byte_class, once.base->effective.byte_class);
    for (const std::string path :
         {"/usr/lib/libc.so.6", "/usr/share/doc/x", "/opt/app/lib/a.so", "/etc/app2/x.conf", "/etc/shadow",
          "/home/alice/.config/app/settings", "/home/alice/.cache/app/secret", "/home/alice/.ssh/id_rsa",
          "/home/alice/Documents/a", "/tmp/app-1/", "/tmp/app-1/f", "/var/tmp/app-2/g", "/proc/1/status",
          "/nothing"}) {
        EXPECT_EQ(kept.base->files.match(path).allow, once.base->files.match(path).allow) << path;
        EXPECT_EQ(kept.base->files.match(path).deny, once.base->files.match(path).deny) << path;
        std::vector<std::string> kept_rules;
        std::vector<std::string> once_rules;
        for (const auto* r : kept.base->files.rules_for(path))
            kept_rules.push_back(r->text);
        for (const auto* r : once.base->files.rules_for(path))
            once_rules.push_back(r->text);
        EXPECT_EQ(kept_rules, once_rules) << path;
        EXPECT_EQ(kept.composition.perms(path), once.composition.perms(path)) << path;
    }
    ASSERT_TRUE(kept.composition.valid());
    EXPECT_EQ(kept.composition.child_text, once.composition.child_text);
    EXPECT_EQ(kept.composition.findings.size(), once.composition.findings.size());
}

}  // namespace
}  // namespace aalayer::policy
