// Every profile of the Debian corpus as a base, with the shipped example
// grant and layers: each composes, the engine proves base ∩ child equals
// the layer's effective policy (so within the base, and within the grant on
// its region), and the real apparmor_parser compiles every child.
#include <filesystem>
#include <memory>

#include <gtest/gtest.h>

#include "policy/engine/child_profile.h"
#include "policy/engine/compose.h"
#include "policy/engine/identity.h"
#include "policy/engine/product_check.h"
#include "policy/source/filesystem_reader.h"
#include "policy/syntax/emitter.h"
#include "tests/support/corpus.h"
#include "tests/support/default_limits.h"
#include "tests/support/parallel.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kLayerLimits;
using aalayer::test::kPermissionLimits;
using aalayer::test::read_all;

namespace aalayer::policy {
namespace {

namespace fs = std::filesystem;

std::string examples() {
    return test::env_or("AALAYER_EXAMPLES", "docs/examples");
}

std::vector<std::string> example_layers() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(examples() + "/layers"))
        if (e.path().extension() == ".layer") out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

// The Firefox example grant's rules (its first block), for any base.
std::string grant_for(const std::string& base) {
    std::string text = read_all(examples() + "/grants/firefox.conf");
    const auto open = text.find("grant ");
    const auto brace = text.find(" {\n", open) + 1;  // the name itself may hold braces
    const auto close = text.find("\n}\n", brace) + 3;
    return text.substr(0, open) + "grant " + emit_word(glob_word(base)) + " " +
           text.substr(brace, close - brace);
}

struct Outcome {
    std::string base_file;
    std::size_t profiles = 0;
    std::size_t children = 0;
    std::vector<std::string> failures;
};

Outcome check_file(const std::string& file) {
    Outcome out;
    out.base_file = file;
    const FilesystemReader reader;
    LoadOptions system_options;
    const Loader system(reader, system_options);
    const UserIdentity alice{1000, "alice", "/home/alice"};
    LoadOptions user_options;
    user_options.predefined = user_variables(load_tunables(system).value(), alice);
    const LoadOptions grant_options = grant_load_options(user_options);
    const Loader grant_loader(reader, grant_options);
    const Loader layer_loader(reader, user_options);

    auto policy = system.load_file(file);
    if (!policy) {
        out.failures.push_back(policy.error().format());
        return out;
    }
    std::string children;
    for (const auto& item : policy->root_document().items) {
        const auto* p = std::get_if<Box<Profile>>(&item.node);
        if (p == nullptr || (*p)->hat) continue;
        ++out.profiles;
        auto base = compile_base(system, file, (*p)->name.text, kPermissionLimits);
        if (!base) {
            out.failures.push_back(base.error().format());
            continue;
        }
        auto grant_text = grant_loader.load_text(grant_for(base->name), "grant.conf");
        auto grants = grant_text ? read_grants(*grant_text) : Result<std::vector<Grant>>(grant_text.error());
        if (!grants) {
            out.failures.push_back(grants.error().format());
            continue;
        }
        auto grant = compile_grant(std::move(grants->front()), kPermissionLimits);
        if (!grant) {
            out.failures.push_back(grant.error().format());
            continue;
        }
        auto shared_base = std::make_shared<const BasePolicy>(std::move(*base));
        auto shared_grant = std::make_shared<const CompiledGrant>(std::move(*grant));
        for (const auto& layer_file : example_layers()) {
            const LayerRules rules = read_layer(layer_loader, read_all(layer_file), layer_file, kLayerLimits);
            const std::string name = fs::path(layer_file).stem().string();
            auto c = compose(shared_base, shared_grant, rules, LayerId{1000, name});
            if (!c) {
                out.failures.push_back(file + " / " + layer_file + ": " + c.error().format());
                continue;
            }
            if (!c->valid()) {
                for (const auto& f : c->findings)
                    if (f.severity == Severity::Error) out.failures.push_back(file + ": " + f.format());
                continue;
            }
            // The independent oracle, one full product per question, on the child compose proved.
            if (auto st = check_child_by_products(*shared_base, *shared_grant, c->child_text,
                                                  c->effective_dfa(kDfaLimits).value(), kDfaLimits);
                !st) {
                out.failures.push_back(file + " / " + layer_file + ": " + st.error().format());
            }
            // One file for all children of this base: one abi line.
            std::string text = c->child_text;
            if (!children.empty()) text.erase(text.find("abi <abi/3.0>,"), 14);
            children += text;
            ++out.children;
        }
    }
    if (!children.empty()) {
        const test::TempDir dir;
        std::string error;
        if (!test::compile_profile(dir.write("children", children), &error)) {
            out.failures.push_back(file + ": apparmor_parser refused the children: " + error);
        }
    }
    return out;
}

TEST(ComposeCorpus, EveryBaseWithEveryExampleLayerComposesProvesAndCompiles) {
    if (!test::have_apparmor_parser()) GTEST_SKIP() << "apparmor_parser is not installed";
    std::vector<std::string> files = test::corpus_files();
    ASSERT_FALSE(files.empty()) << "no corpus: install apparmor-profiles and apparmor-profiles-extra";
    // The sanitizer build runs a sample: the full corpus is the normal build's job.
    if (test::env_or("AALAYER_SAMPLE_CORPUS", "0") == "1") {
        std::vector<std::string> sample;
        for (std::size_t i = 0; i < files.size(); i += 8)
            sample.push_back(files[i]);
        files = std::move(sample);
    }
    ASSERT_GE(example_layers().size(), 5U);
    const auto outcomes = test::parallel_map(files, check_file);
    std::size_t profiles = 0;
    std::size_t children = 0;
    for (const auto& o : outcomes) {
        profiles += o.profiles;
        children += o.children;
        for (const auto& f : o.failures)
            ADD_FAILURE() << f;
    }
    std::printf("compose corpus: %zu files, %zu base profiles, %zu children composed, proved and compiled\n",
                files.size(), profiles, children);
    EXPECT_GT(children, 0U);
}

}  // namespace
}  // namespace aalayer::policy
