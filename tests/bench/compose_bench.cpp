// Composition on Debian's Firefox profile with a realistic layer, against
// apparmor_parser compiling that base (compile-only) in the same run, and
// explain() queries per second. Prints a Markdown table for docs/PERFORMANCE.md.
//   compose-bench            full run
//   compose-bench --short    fewer rounds, for CI (no timing is asserted)
//   compose-bench --warm N   only the warm composition, N times (for profilers)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "policy/engine/compose.h"
#include "policy/engine/identity.h"
#include "policy/source/filesystem_reader.h"
#include "tests/support/corpus.h"
#include "tests/support/default_limits.h"
#include "tests/support/firefox_profile.h"

using aalayer::test::kDfaLimits;
using aalayer::test::kLayerLimits;
using aalayer::test::kPermissionLimits;

namespace {

using namespace aalayer::policy;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Pipeline {
    const FilesystemReader reader;
    const Loader system{reader, LoadOptions{}};
    std::unique_ptr<Loader> grant_loader;
    std::unique_ptr<Loader> layer_loader;

    explicit Pipeline(const UserIdentity& user) {
        LoadOptions options;
        options.predefined = user_variables(load_tunables(system).value(), user);
        layer_loader = std::make_unique<Loader>(reader, options);
        grant_loader = std::make_unique<Loader>(reader, grant_load_options(options));
    }
};

// The example grant's block for the base (it has one per release's name).
Grant grant_named(std::vector<Grant> grants, const std::string& base) {
    for (auto& g : grants)
        if (g.base == base) return std::move(g);
    std::fprintf(stderr, "compose-bench: the example grant has no block for %s\n", base.c_str());
    std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = argc > 1 && std::string_view(argv[1]) == "--short";
    const bool warm_only = argc > 2 && std::string_view(argv[1]) == "--warm";
    const auto firefox = aalayer::test::debian_firefox_profile();
    if (!firefox) {
        std::fprintf(
            stderr, "compose-bench: Debian's Firefox profile is missing (install apparmor-profiles-extra)\n");
        return 1;
    }
    const std::string base_file = firefox->path;
    std::printf("compose-bench: base %s (profile %s)\n", base_file.c_str(), firefox->name.c_str());
    const std::string examples = aalayer::test::env_or("AALAYER_EXAMPLES", "docs/examples");
    const std::string grant_file = examples + "/grants/firefox.conf";
    const std::string layer_file = examples + "/layers/banking.layer";
    const UserIdentity alice{1000, "alice", "/home/alice"};
    const int rounds = short_mode ? 2 : 15;
    const std::string layer_text = read_file(layer_file);

    if (warm_only) {
        Pipeline p(alice);
        auto grant_rules =
            grant_named(read_grants(p.grant_loader->load_file(grant_file).value()).value(), firefox->name);
        auto base = std::make_shared<const BasePolicy>(
            compile_base(p.system, base_file, firefox->name, kPermissionLimits).value());
        auto grant = std::make_shared<const CompiledGrant>(
            compile_grant(std::move(grant_rules), kPermissionLimits).value());
        auto bounds = prepare_bounds(base, grant, kDfaLimits).value();
        const int n = std::stoi(argv[2]);
        std::vector<double> times;
        for (int i = 0; i < n; ++i) {
            const auto start = Clock::now();
            auto c = compose(bounds, read_layer(*p.layer_loader, layer_text, layer_file, kLayerLimits),
                             LayerId{1000, "banking"});
            times.push_back(seconds_since(start));
            if (!c || !c->valid()) {
                std::fprintf(stderr, "compose-bench: the layer did not compose\n");
                return 1;
            }
        }
        std::printf("warm: median %.4f s over %d\n", median(times), n);
        return 0;
    }

    // Cold: everything from the files, as `aalayer-policy compose` does.
    std::vector<double> cold;
    std::vector<double> warm;
    std::size_t base_rules = 0;
    std::optional<Composition> composition;
    for (int r = 0; r < rounds; ++r) {
        const auto start = Clock::now();
        Pipeline p(alice);
        auto grant_policy = p.grant_loader->load_file(grant_file);
        auto grant_rules = grant_named(read_grants(grant_policy.value()).value(), firefox->name);
        auto base = compile_base(p.system, base_file, firefox->name, kPermissionLimits);
        if (!base) {
            std::fprintf(stderr, "compose-bench: %s\n", base.error().format().c_str());
            return 1;
        }
        base_rules = base->files.rules().size();
        auto shared_base = std::make_shared<const BasePolicy>(std::move(*base));
        auto shared_grant = std::make_shared<const CompiledGrant>(
            compile_grant(std::move(grant_rules), kPermissionLimits).value());
        auto c = compose(shared_base, shared_grant,
                         read_layer(*p.layer_loader, layer_text, layer_file, kLayerLimits),
                         LayerId{1000, "banking"});
        if (!c || !c->valid()) {
            std::fprintf(stderr, "compose-bench: the layer did not compose\n");
            return 1;
        }
        cold.push_back(seconds_since(start));
        // Warm: base and grant prepared once and kept, as the service keeps them.
        auto bounds = prepare_bounds(shared_base, shared_grant, kDfaLimits).value();
        const auto warm_start = Clock::now();
        auto again = compose(bounds, read_layer(*p.layer_loader, layer_text, layer_file, kLayerLimits),
                             LayerId{1000, "banking"});
        warm.push_back(seconds_since(warm_start));
        composition = std::move(*again);
    }

    std::vector<double> reference;
    const int parser_rounds = short_mode ? 1 : 5;
    for (int r = 0; r < parser_rounds; ++r) {
        const auto start = Clock::now();
        const auto result =
            aalayer::test::run_process({"apparmor_parser", "-Q", "-K", "-T", "-M", "/etc/apparmor.d/abi/3.0",
                                        "-o", "/dev/null", base_file},
                                       std::chrono::seconds(300));
        if (result.exit_code != 0) {
            std::fprintf(stderr, "compose-bench: apparmor_parser failed: %s\n", result.err.c_str());
            return 1;
        }
        reference.push_back(seconds_since(start));
    }

    // Queries: paths inside and outside the grant, allowed and denied.
    const std::vector<std::string> paths{
        "/home/alice/.mozilla/firefox/banking/cookies.sqlite",
        "/home/alice/.mozilla/firefox/everyday/places.sqlite",
        "/home/alice/Downloads/banking/statement-2026-11.pdf",
        "/home/alice/Documents/taxes/2025.ods",
        "/home/alice/.ssh/id_ed25519",
        "/usr/lib/firefox/libxul.so",
        "/etc/passwd",
        "/proc/self/maps",
    };
    const std::size_t queries = short_mode ? 100'000 : 5'000'000;
    unsigned sink = 0;
    auto start = Clock::now();
    for (std::size_t i = 0; i < queries; ++i)
        sink += composition->perms(paths[i % paths.size()]).owner;
    const double perms_qps = static_cast<double>(queries) / seconds_since(start);
    const std::size_t explain_queries = queries / 10;
    start = Clock::now();
    for (std::size_t i = 0; i < explain_queries; ++i)
        sink += static_cast<unsigned>(composition->explain(paths[i % paths.size()]).reasons.size());
    const double explain_qps = static_cast<double>(explain_queries) / seconds_since(start);

    const double ref = median(reference);
    std::printf(
        "| measure (Firefox base: %zu file rules after includes; banking layer) | seconds | share of "
        "apparmor_parser |\n",
        base_rules);
    std::printf("|---|---|---|\n");
    std::printf("| apparmor_parser compile-only of the base (-Q -K -T, median of %d) | %.3f | 100%% |\n",
                parser_rounds, ref);
    std::printf(
        "| aalayer cold: parse base+grant+layer, compose, emit, prove (median of %d) | %.4f | %.1f%% |\n",
        rounds, median(cold), 100.0 * median(cold) / ref);
    std::printf(
        "| aalayer warm: base and grant kept, parse layer, compose, emit, prove (median of %d) | %.5f | "
        "%.2f%% |\n",
        rounds, median(warm), 100.0 * median(warm) / ref);
    std::printf("\n| query | per second |\n|---|---|\n");
    std::printf("| effective permissions of a path (perms) | %.0f |\n", perms_qps);
    std::printf("| explain with deciding rules (explain) | %.0f |\n", explain_qps);
    return sink == 42U ? 2 : 0;  // keeps the loops from being optimised away
}
