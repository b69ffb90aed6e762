// Layer text that tries to smuggle policy into the generated child. Each is
// refused with a located error, or neutralised: the child, parsed back by our
// parser and compiled by the real apparmor_parser, holds exactly one profile,
// the layer's own, with no include, no nested profile or hat, no exec
// transition but ix, and no rule the layer did not ask for.
#include <gtest/gtest.h>

#include "policy/engine/compose.h"
#include "policy/engine/identity.h"
#include "policy/source/memory_reader.h"
#include "policy/syntax/emitter.h"
#include "policy/syntax/parser.h"
#include "tests/support/corpus.h"
#include "tests/support/default_limits.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kLayerLimits;
using aalayer::test::kParseLimits;
using aalayer::test::kPermissionLimits;

namespace aalayer::policy {
namespace {

class Injection : public ::testing::Test {
protected:
    Injection() {
        reader.add("/etc/apparmor.d/tunables/global", "@{PROC}=/proc\n");
        reader.add("/etc/apparmor.d/abstractions/fonts", "/usr/share/fonts/** r,\n");
        reader.add("/etc/apparmor.d/app", "profile app {\n  /** rwlkmix,\n}\n");
        LoadOptions options;
        system = std::make_unique<Loader>(reader, options);
        options.predefined =
            user_variables(load_tunables(*system).value(), UserIdentity{1000, "alice", "/home/alice"});
        user = std::make_unique<Loader>(reader, options);
        Grant g;
        g.base = "app";
        FileRuleInfo r;
        r.globs = {"/home/alice/**"};
        r.bits = perm::kAll;
        r.text = "/home/alice/** rwlkmix,";
        g.rules = {r};
        auto base = std::make_shared<const BasePolicy>(
            compile_base(*system, "/etc/apparmor.d/app", "app", kPermissionLimits).value());
        bounds = prepare_bounds(
                     base, std::make_shared<const CompiledGrant>(compile_grant(g, kPermissionLimits).value()),
                     kDfaLimits)
                     .value();
    }

    Composition compose_text(const std::string& text) {
        const LayerRules rules = read_layer(*user, text, "evil.layer", kLayerLimits);
        auto c = compose(bounds, rules, LayerId{1000, "evil"});
        EXPECT_TRUE(c.ok()) << (c ? "" : c.error().format());
        return c ? std::move(*c) : Composition{};
    }

    // The child holds one profile, app//aalayer.1000.evil, and only file rules, allow-all
    // forms of other classes and the layer's own deny rules.
    void expect_clean_child(const Composition& c, const std::string& what) {
        auto parsed = parse_document(c.child_text, "child", kParseLimits);
        ASSERT_TRUE(parsed.ok()) << what << "\n" << c.child_text;
        std::size_t profiles = 0;
        for (const auto& item : parsed->document.items) {
            if (std::holds_alternative<Abi>(item.node)) continue;
            const auto* p = std::get_if<Box<Profile>>(&item.node);
            ASSERT_NE(p, nullptr) << what
                                  << ": top-level item that is not the profile: " << emit_rule(item.node);
            ++profiles;
            EXPECT_EQ((*p)->name.text, "app//aalayer.1000.evil") << what;
            for (const auto& r : (*p)->items) {
                EXPECT_FALSE(std::holds_alternative<Include>(r.node)) << what;
                EXPECT_FALSE(std::holds_alternative<Box<Profile>>(r.node)) << what << ": nested profile";
                EXPECT_FALSE(std::holds_alternative<ChangeProfileRule>(r.node) &&
                             !std::get<ChangeProfileRule>(r.node).qualifiers.is_deny() &&
                             std::get<ChangeProfileRule>(r.node).target &&
                             std::get<ChangeProfileRule>(r.node).target->text != "**")
                    << what;
                if (const auto* f = std::get_if<FileRule>(&r.node)) {
                    EXPECT_FALSE(f->target.has_value()) << what << ": exec target in " << emit_rule(r.node);
                    EXPECT_TRUE(f->perms.exec == ExecMode::None || f->perms.exec == ExecMode::Inherit ||
                                f->perms.exec == ExecMode::Plain)
                        << what << ": " << emit_rule(r.node);
                }
            }
        }
        EXPECT_EQ(profiles, 1U) << what << "\n" << c.child_text;
        if (test::have_apparmor_parser()) {
            const test::TempDir dir;
            std::string error;
            EXPECT_TRUE(test::compile_profile(dir.write("child", c.child_text), &error).has_value())
                << what << ": " << error << "\n"
                << c.child_text;
        }
    }

    MemoryReader reader;
    std::unique_ptr<Loader> system;
    std::unique_ptr<Loader> user;
    std::shared_ptr<const Bounds> bounds;
};

TEST_F(Injection, StructureInLayerTextIsRefusedWithALocation) {
    const std::vector<std::pair<std::string, std::string>> attempts = {
        {"}\nprofile evil {\n  /** rwlkmix,\n}\n", ""},         // close and open a profile
        {"profile evil { /** rw, }\n", "profiles"},             // a profile block
        {"^hat {\n  /** rw,\n}\n", "hats"},                     // a hat
        {"include \"/etc/shadow\"\n", "abstractions"},          // include outside abstractions
        {"include <tunables/global>\n", "abstractions"},        // include of tunables
        {"#include <../../etc/shadow>\n", "abstractions"},      // old-style include
        {"/usr/bin/sudo px,\n", "exec transition"},             // a transition
        {"/usr/bin/x rix -> other,\n", "target"},               // an exec target
        {"@{HOME}/a r, } profile x { /** rw,\n", ""},           // one-line escape
        {"change_profile -> unconfined,\n", "change_profile"},  // a change of profile
        {"@{X}=/\n@{X}** rw,\n", "define variables"},           // a variable
        {"abi <abi/4.0>,\n", "abi"},                            // an abi
        {"alias / -> /tmp/,\n", "alias"},                       // an alias
        {"relative/path r,\n", ""},                             // no leading slash
        {"/home/alice/../../etc/shadow r,\n", "segment"},       // ..
        {"/home/alice/{..,x}/etc r,\n", "segment"},             // .. in braces
        {"pivot_root,\n", "denied"},                            // pivot_root allow
        {"mount,\n", "denied"},                                 // mount allow
        {"unknown_class foo,\n", "unknown"},                    // unknown class
    };
    for (const auto& [text, phrase] : attempts) {
        const LayerRules rules = read_layer(*user, text, "evil.layer", kLayerLimits);
        ASSERT_TRUE(has_errors(rules.findings)) << "accepted:\n" << text;
        bool located = false;
        std::string all;
        for (const auto& f : rules.findings) {
            all += f.format() + "\n";
            located = located ||
                      (f.severity == Severity::Error && f.where.file == "evil.layer" && f.where.line >= 1);
        }
        EXPECT_TRUE(located) << text << all;
        if (!phrase.empty()) {
            EXPECT_NE(all.find(phrase), std::string::npos) << text << all;
        }
        // Nothing is emitted for a layer with errors.
        auto c = compose(bounds, rules, LayerId{1000, "evil"});
        ASSERT_TRUE(c.ok());
        EXPECT_TRUE(c->child_text.empty()) << text;
    }
}

TEST_F(Injection, NulAndControlBytesNeverReachTheChild) {
    for (const std::string& text :
         {std::string("/home/alice/a\0b r,\n", 19), std::string("\"/home/alice/a\nb\" r,\n"),
          std::string("\"/home/alice/a\rb\" r,\n"), std::string("/home/alice/\x01 r,\n")}) {
        const LayerRules rules = read_layer(*user, text, "evil.layer", kLayerLimits);
        if (has_errors(rules.findings)) continue;  // refused: fine
        const Composition c = compose_text(text);
        expect_clean_child(c, "control bytes");
        EXPECT_EQ(c.child_text.find('\0'), std::string::npos);
        EXPECT_EQ(c.child_text.find('\r'), std::string::npos);
    }
}

// Accepted texts that look like structure where the grammar allows them:
// quotes, commas, braces, # and keywords inside paths. They stay paths.
TEST_F(Injection, StructureInsidePathsStaysAPath) {
    const std::vector<std::string> texts = {
        "\"/home/alice/x } profile evil { /** rw, \" r,\n",
        "\"/home/alice/#include <abstractions/base>\" r,\n",
        "\"/home/alice/a,b\" rw,\n",
        "\"/home/alice/ profile x \" r,\n",
        "/home/alice/{a,b}/\\{c\\} rw,\n",
        "owner \"/home/alice/with space/**\" rw,\n",
        "# } profile evil { /** rwlkmix, }\n/home/alice/ok r,\n",
        "deny \"/home/alice/x\\\" rw, } profile evil {\" r,\n",
    };
    int composed = 0;
    for (const auto& text : texts) {
        const LayerRules rules = read_layer(*user, text, "evil.layer", kLayerLimits);
        if (has_errors(rules.findings)) {
            // A refusal is also safe; it must be located.
            for (const auto& f : rules.findings)
                EXPECT_EQ(f.where.file, "evil.layer") << f.format();
            continue;
        }
        const Composition c = compose_text(text);
        if (!c.valid()) {
            // Refused while composing (e.g. braces that do not pair): no child, located findings.
            EXPECT_TRUE(c.child_text.empty()) << text;
            for (const auto& f : c.findings)
                EXPECT_EQ(f.where.file, "evil.layer") << f.format();
            continue;
        }
        expect_clean_child(c, text);
        ++composed;
    }
    // Most of these are legitimate paths: the check must have looked at their children.
    EXPECT_GE(composed, 5);
}

}  // namespace
}  // namespace aalayer::policy
