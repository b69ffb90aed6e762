// A base compiled once (aalayer-policy) builds its effective automaton
// without its rule automaton, which it builds, as the subset construction
// leaves it, only when a query asks which rules match; one the service
// keeps has both at once, the rule automaton minimised (BaseUse). Both must
// answer every query, and compose every layer, alike.
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
    // Composing needed no rule automaton: the one compiled once has none yet.
    EXPECT_TRUE(kept.base->files.built());
    EXPECT_FALSE(once.base->files.built());
    EXPECT_EQ(kept.base->files.rule_count(), once.base->files.rule_count());
    // The effective automaton is minimal either way: the same automaton.
    EXPECT_EQ(kept.base->effective.label, once.base->effective.label);
    EXPECT_EQ(kept.base->effective.next, once.base->effective.next);
    EXPECT_EQ(kept.base->effective.byte_class, once.base->effective.byte_class);
    // And the same as the rule automaton's, relabelled and minimised.
    const Dfa from_rules = kept.base->files.get()->effective_dfa();
    EXPECT_EQ(from_rules.label, kept.base->effective.label);
    EXPECT_EQ(from_rules.next, kept.base->effective.next);
    for (const std::string path :
         {"/usr/lib/libc.so.6", "/usr/share/doc/x", "/opt/app/lib/a.so", "/etc/app2/x.conf", "/etc/shadow",
          "/home/alice/.config/app/settings", "/home/alice/.cache/app/secret", "/home/alice/.ssh/id_rsa",
          "/home/alice/Documents/a", "/tmp/app-1/", "/tmp/app-1/f", "/var/tmp/app-2/g", "/proc/1/status",
          "/nothing"}) {
        EXPECT_EQ(kept.composition.perms(path), once.composition.perms(path)) << path;
        const Explanation a = kept.composition.explain(path);
        const Explanation b = once.composition.explain(path);
        ASSERT_EQ(a.reasons.size(), b.reasons.size()) << path;
        for (std::size_t i = 0; i < a.reasons.size(); ++i)
            EXPECT_EQ(a.reasons[i].rule, b.reasons[i].rule) << path;
        EXPECT_EQ(kept.base->files.get()->match(path).allow, once.base->files.get()->match(path).allow)
            << path;
        EXPECT_EQ(kept.base->files.get()->match(path).deny, once.base->files.get()->match(path).deny) << path;
    }
    // An explanation built it, as the subset construction left it: larger.
    EXPECT_TRUE(once.base->files.built());
    EXPECT_LT(kept.base->files.get()->dfa().state_count(), once.base->files.get()->dfa().state_count());
    ASSERT_TRUE(kept.composition.valid());
    EXPECT_EQ(kept.composition.child_text, once.composition.child_text);
    EXPECT_EQ(kept.composition.findings.size(), once.composition.findings.size());
}

}  // namespace
}  // namespace aalayer::policy
