// The generaliser of policy/engine/learn.h on a real composition (base,
// grant and layer read from text over an in-memory system): what it
// proposes, and that the layer with its proposals added, composed again,
// allows every access each proposal claims (verify_proposals).
#include "policy/engine/learn.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/engine/layer.h"
#include "policy/source/memory_reader.h"
#include "tests/support/default_limits.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kLayerLimits;
using aalayer::test::kPermissionLimits;

namespace aalayer::policy {
namespace {

constexpr const char* kBaseFile = "/etc/apparmor.d/demo";
constexpr const char* kGrantFile = "/etc/aalayer/grants.d/demo.conf";

// Firefox's grant (docs/examples/grants/firefox.conf) plus a shared tree
// users may only read, on a base that allows much more.
constexpr const char* kGrant = R"(grant demo {
  owner @{HOME}/.mozilla/firefox/** rwk,
  owner @{HOME}/Downloads/** rw,
  @{HOME}/Documents/** r,
  /srv/shared/** r,
}
)";
constexpr const char* kBase = R"(profile demo {
  /** rwlk,
  /usr/bin/** ix,
}
)";

UserIdentity alice() {
    return UserIdentity{1000, "alice", "/home/alice"};
}

Observed file(std::string path, PermBits bits, bool owner = true) {
    Observed o;
    o.klass = "file";
    o.operation = "open";
    o.path = std::move(path);
    o.bits = bits;
    o.owner = owner;
    return o;
}

class Learn : public ::testing::Test {
protected:
    Learn() {
        reader_.add("/sys/tunables/global", "@{PROC}=/proc\n");
        reader_.add(kBaseFile, kBase);
        reader_.add(kGrantFile, kGrant);
        LoadOptions options;
        options.include_dirs = {"/sys"};
        const Loader system(reader_, options);
        auto tunables = load_tunables(system);
        EXPECT_TRUE(tunables.ok());
        user_options_ = options;
        user_options_.predefined = user_variables(tunables.ok() ? *tunables : VariableTable{}, alice());
        auto base = compile_base(system, kBaseFile, "demo", kPermissionLimits);
        EXPECT_TRUE(base.ok()) << (base.ok() ? "" : base.error().format());
        const Loader grant_loader(reader_, grant_load_options(user_options_));
        auto policy = grant_loader.load_file(kGrantFile);
        EXPECT_TRUE(policy.ok());
        auto grants = read_grants(*policy);
        EXPECT_TRUE(grants.ok() && grants->size() == 1U);
        auto grant = compile_grant(grants->front(), kPermissionLimits);
        EXPECT_TRUE(grant.ok());
        auto bounds = prepare_bounds(std::make_shared<const BasePolicy>(std::move(*base)),
                                     std::make_shared<const CompiledGrant>(std::move(*grant)), kDfaLimits);
        EXPECT_TRUE(bounds.ok());
        bounds_ = *bounds;
    }

    Composition compose_text(const std::string& text) {
        const Loader loader(reader_, user_options_);
        const LayerRules rules = read_layer(loader, text, "learn.layer", kLayerLimits);
        auto composed = compose(bounds_, rules, LayerId{1000, "learn"});
        EXPECT_TRUE(composed.ok()) << (composed.ok() ? "" : composed.error().format());
        return std::move(*composed);
    }

    // Proposals for `observed` on `layer`, checked the way the service checks
    // them: the layer with every rule added is valid, warns of nothing on
    // those rules, and allows each access its proposal claims.
    LearnResult learn(const std::vector<Observed>& observed, const std::string& layer = "") {
        const Composition current = compose_text(layer);
        LearnOptions options;
        options.limits = kDfaLimits;
        LearnResult result = propose_rules(observed, current, alice(), options);
        std::string next = layer;
        for (const auto& p : result.proposals)
            next += p.rule + "\n";
        const Composition composed = compose_text(next);
        // Notes (what a layer takes away inside the grant) are not the
        // learned rules' doing; the service ignores them here too.
        for (const auto& f : composed.findings)
            if (f.severity != Severity::Note) ADD_FAILURE() << "finding on the learned layer: " << f.format();
        EXPECT_EQ(verify_proposals(result, observed, composed), std::vector<std::size_t>{}) << next;
        return result;
    }

    std::vector<std::string> rules(const LearnResult& r) {
        std::vector<std::string> out;
        for (const auto& p : r.proposals)
            out.push_back(p.rule);
        return out;
    }

    MemoryReader reader_;
    LoadOptions user_options_;
    std::shared_ptr<const Bounds> bounds_;
};

TEST_F(Learn, FirefoxProfileFilesBecomeTheProfileSubtree) {
    const std::string profile = "/home/alice/.mozilla/firefox/abcd.banking/";
    const std::vector<Observed> seen{
        file(profile + "prefs.js", perm::kRead | perm::kWrite),
        file(profile + "places.sqlite", perm::kRead | perm::kWrite | perm::kLock),
        file(profile + "cache2/entries/0A1B", perm::kRead),
        file(profile + "sessionstore-backups/recovery.jsonlz4", perm::kWrite),
    };
    const LearnResult r = learn(seen);
    EXPECT_EQ(rules(r), std::vector<std::string>{"owner @{HOME}/.mozilla/firefox/abcd.banking/** rwk,"});
    ASSERT_EQ(r.proposals.size(), 1U);
    EXPECT_EQ(r.proposals[0].covers, (std::vector<std::size_t>{0, 1, 2, 3}));
    EXPECT_EQ(r.proposals[0].why, "4 paths under @{HOME}/.mozilla/firefox/abcd.banking/");
    EXPECT_TRUE(r.unproposed.empty());
}

TEST_F(Learn, NeverTheWholeGrantRule) {
    // Two profiles share only the directory the grant rule starts from.
    const std::vector<Observed> seen{
        file("/home/alice/.mozilla/firefox/a.one/prefs.js", perm::kRead),
        file("/home/alice/.mozilla/firefox/b.two/prefs.js", perm::kRead),
        file("/home/alice/Downloads/x.pdf", perm::kWrite),
    };
    EXPECT_EQ(rules(learn(seen)), (std::vector<std::string>{
                                      "owner @{HOME}/.mozilla/firefox/a.one/prefs.js r,",
                                      "owner @{HOME}/.mozilla/firefox/b.two/prefs.js r,",
                                      "owner @{HOME}/Downloads/x.pdf w,",
                                  }));
}

TEST_F(Learn, OddFileNameIsEscapedToMatchItAlone) {
    const std::vector<Observed> seen{
        file("/home/alice/Downloads/a*b?[c]{d} e.pdf", perm::kRead | perm::kWrite)};
    const LearnResult r = learn(seen);
    EXPECT_EQ(rules(r),
              std::vector<std::string>{"owner \"@{HOME}/Downloads/a\\*b\\?\\[c\\]\\{d\\} e.pdf\" rw,"});
    // It matches that name and no other: not a sibling its wildcards would have.
    const Composition next = compose_text(r.proposals.at(0).rule + "\n");
    EXPECT_EQ(next.perms("/home/alice/Downloads/a*b?[c]{d} e.pdf").owner & (perm::kRead | perm::kWrite),
              perm::kRead | perm::kWrite);
    EXPECT_EQ(next.perms("/home/alice/Downloads/aXbY[c]{d} e.pdf").owner, 0);
    EXPECT_EQ(next.perms("/home/alice/Downloads/acb d e.pdf").owner, 0);
}

TEST_F(Learn, OwnerOnlyWhenEveryRecordSawTheUsersOwnFile) {
    const std::vector<Observed> seen{
        file("/home/alice/Documents/report.odt", perm::kRead, false),
        file("/srv/shared/a/one", perm::kRead, true),
        file("/srv/shared/a/two", perm::kRead, false),
        file("/srv/shared/b", perm::kRead, true),
    };
    EXPECT_EQ(rules(learn(seen)), (std::vector<std::string>{
                                      "/srv/shared/a/** r,",
                                      "@{HOME}/Documents/report.odt r,",
                                      "owner /srv/shared/b r,",
                                  }));
}

TEST_F(Learn, PermissionsAreMergedPerRule) {
    const std::string dir = "/home/alice/Downloads/trip/";
    const LearnResult r = learn({file(dir + "a", perm::kRead), file(dir + "a", perm::kWrite),
                                 file(dir + "b", perm::kRead), file(dir, perm::kRead)});
    EXPECT_EQ(rules(r), std::vector<std::string>{"owner @{HOME}/Downloads/trip/{,**} rw,"});
    EXPECT_EQ(r.proposals.at(0).covers, (std::vector<std::size_t>{0, 1, 2, 3}));
}

TEST_F(Learn, WhatTheLayerCannotAllowIsTheAdminsAndNotProposed) {
    const std::vector<Observed> seen{
        file("/etc/passwd", perm::kRead, false),                  // outside the grant
        file("/home/alice/Documents/x", perm::kWrite, true),      // the grant: r only
        file("/home/alice/Downloads/run.sh", perm::kExec, true),  // the base: no x there
        file("/home/alice/Downloads/ok", perm::kRead, true),
    };
    const LearnResult r = learn(seen);
    EXPECT_EQ(rules(r), std::vector<std::string>{"owner @{HOME}/Downloads/ok r,"});
    ASSERT_EQ(r.unproposed.size(), 3U);
    EXPECT_EQ(r.unproposed[0].index, 0U);
    EXPECT_EQ(r.unproposed[0].note, "outside the grant: only the admin can allow this");
    EXPECT_EQ(r.unproposed[1].note, "beyond what the grant allows here (r): only the admin can allow this");
    EXPECT_EQ(r.unproposed[2].note, "the base profile denies this: only the admin can allow it");
    for (const auto& u : r.unproposed)
        EXPECT_EQ(u.allow, "admin");
}

TEST_F(Learn, WhatTheLayerAllowsAlreadyIsNotProposedAgain) {
    const std::string layer = "owner @{HOME}/Downloads/** rw,\n";
    const LearnResult r = learn({file("/home/alice/Downloads/a", perm::kRead)}, layer);
    EXPECT_TRUE(r.proposals.empty());
    ASSERT_EQ(r.unproposed.size(), 1U);
    EXPECT_EQ(r.unproposed[0].note, "your layer allows this already");
}

TEST_F(Learn, SubtreeOnlyWhereTheWholeSubtreeIsInTheGrant) {
    // /home/alice/ itself is no grant rule's: the two files stay files.
    const LearnResult r = learn({file("/home/alice/Documents/a", perm::kRead, false),
                                 file("/home/alice/Downloads/b", perm::kRead, true)});
    EXPECT_EQ(rules(r), (std::vector<std::string>{"@{HOME}/Documents/a r,", "owner @{HOME}/Downloads/b r,"}));
}

TEST_F(Learn, OtherClassesAsTheirRules) {
    Observed net;
    net.klass = "net";
    net.operation = "create";
    net.mask = "create";
    net.detail = "family=inet sock_type=stream protocol=6";
    Observed sig;
    sig.klass = "signal";
    sig.operation = "signal";
    sig.mask = "send";
    sig.detail = "signal=term";
    sig.peer = "unconfined";
    Observed mount;
    mount.klass = "mount";
    mount.operation = "mount";
    mount.detail = "fstype=tmpfs";
    Observed odd = sig;
    odd.peer = "has a space";
    const LearnResult r = learn({net, sig, net, mount, odd}, "network inet dgram,\n");
    EXPECT_EQ(rules(r), (std::vector<std::string>{"network inet stream,",
                                                  "signal (send) set=(term) peer=unconfined,"}));
    EXPECT_EQ(r.proposals.at(0).covers, (std::vector<std::size_t>{0, 2}));
    ASSERT_EQ(r.unproposed.size(), 2U);
    EXPECT_EQ(r.unproposed[0].allow, "admin");
    EXPECT_EQ(r.unproposed[0].note, "layers may only deny mount rules: only the admin can allow this");
    EXPECT_EQ(r.unproposed[1].note, "the record does not say enough for a signal rule: write one by hand");
}

TEST_F(Learn, SameRecordsInAnyOrderSameProposals) {
    std::vector<Observed> seen{
        file("/home/alice/.mozilla/firefox/p/x", perm::kRead),
        file("/home/alice/.mozilla/firefox/p/y", perm::kWrite),
        file("/home/alice/Downloads/z", perm::kRead),
        file("/srv/shared/q", perm::kRead, false),
    };
    const auto first = rules(learn(seen));
    std::reverse(seen.begin(), seen.end());
    EXPECT_EQ(rules(learn(seen)), first);
}

TEST_F(Learn, RecordsPastTheCapAreNotConsidered) {
    std::vector<Observed> seen;
    for (int i = 0; i < 5; ++i)
        seen.push_back(file("/home/alice/Downloads/f" + std::to_string(i), perm::kRead));
    LearnOptions options;
    options.limits = kDfaLimits;
    options.max_records = 2;
    const LearnResult r = propose_rules(seen, compose_text(""), alice(), options);
    // Two files directly in the grant rule's own directory: two rules, no subtree.
    EXPECT_EQ(rules(r),
              (std::vector<std::string>{"owner @{HOME}/Downloads/f0 r,", "owner @{HOME}/Downloads/f1 r,"}));
    EXPECT_EQ(r.unproposed.size(), 3U);
}

}  // namespace
}  // namespace aalayer::policy
