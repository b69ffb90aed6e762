// Parse time for the whole profile corpus against apparmor_parser on the same
// files, measured in one run. Prints a Markdown table for docs/PERFORMANCE.md.
//   parse-bench            full run (5 rounds of ours, every file through apparmor_parser)
//   parse-bench --short    one round and a sample of files, for CI
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>

#include "policy/load/loader.h"
#include "policy/source/filesystem_reader.h"
#include "tests/support/corpus.h"

namespace {

using Clock = std::chrono::steady_clock;
using aalayer::test::corpus_files;
using aalayer::test::run_process;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

long max_rss_kib(int who) {
    rusage usage{};
    getrusage(who, &usage);
    return usage.ru_maxrss;
}

// Runs apparmor_parser over each file with the given mode flags; seconds in total.
double time_apparmor_parser(const std::vector<std::string>& files, const std::vector<std::string>& flags,
                            std::size_t& failures) {
    const auto start = Clock::now();
    for (const auto& f : files) {
        std::vector<std::string> argv{"apparmor_parser"};
        argv.insert(argv.end(), flags.begin(), flags.end());
        argv.push_back(f);
        if (run_process(argv, std::chrono::seconds(120)).exit_code != 0) ++failures;
    }
    return seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = argc > 1 && std::string_view(argv[1]) == "--short";
    std::vector<std::string> files = corpus_files();
    if (files.empty()) {
        std::fprintf(stderr, "parse-bench: no corpus files (install apparmor-profiles)\n");
        return 1;
    }
    if (short_mode && files.size() > 20) files.resize(20);
    const int rounds = short_mode ? 1 : 5;

    const aalayer::policy::FilesystemReader reader;
    const aalayer::policy::Loader loader(reader, aalayer::policy::LoadOptions{});
    std::vector<double> round_seconds;
    std::size_t documents = 0;
    for (int r = 0; r < rounds; ++r) {
        documents = 0;
        const auto start = Clock::now();
        for (const auto& f : files) {
            auto policy = loader.load_file(f);
            if (!policy) {
                std::fprintf(stderr, "parse-bench: %s\n", policy.error().format().c_str());
                return 1;
            }
            documents += policy->documents.size();
        }
        round_seconds.push_back(seconds_since(start));
    }
    std::sort(round_seconds.begin(), round_seconds.end());
    const double ours = round_seconds[round_seconds.size() / 2];
    const long ours_rss = max_rss_kib(RUSAGE_SELF);

    std::size_t failures = 0;
    const double compile = time_apparmor_parser(
        files, {"-Q", "-K", "-T", "-M", "/etc/apparmor.d/abi/3.0", "-o", "/dev/null"}, failures);
    const long compile_rss = max_rss_kib(RUSAGE_CHILDREN);
    const double preprocess = time_apparmor_parser(files, {"-p", "-M", "/etc/apparmor.d/abi/3.0"}, failures);

    std::printf(
        "| measure (%zu profile files, %zu source files with includes) | seconds | ratio to aalayer |\n",
        files.size(), documents);
    std::printf("|---|---|---|\n");
    std::printf("| aalayer parse + includes + variables (median of %d) | %.4f | 1 |\n", rounds, ours);
    std::printf("| apparmor_parser compile-only (-Q -K -T, one run) | %.3f | %.0f |\n", compile,
                compile / ours);
    std::printf("| apparmor_parser preprocess only (-p, one run) | %.3f | %.0f |\n", preprocess,
                preprocess / ours);
    std::printf(
        "\npeak memory: aalayer %ld KiB (whole benchmark process); apparmor_parser %ld KiB (largest run)\n",
        ours_rss, compile_rss);
    if (failures != 0) {
        std::fprintf(stderr, "parse-bench: apparmor_parser failed on %zu runs\n", failures);
        return 1;
    }
    return 0;
}
