// The Debian profile corpus and apparmor_parser, as the tests use them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace aalayer::test {

// Top-level profile files of the corpus directories (AALAYER_CORPUS_DIRS,
// colon separated), sorted. Subdirectories (abstractions, tunables) are
// reached through includes, not listed.
std::vector<std::string> corpus_files();

// Compiles a profile with the real apparmor_parser, skipping the kernel,
// against an explicit feature ABI so the result does not depend on the host.
// Returns the binary policy, or nullopt with the parser's message in `error`.
std::optional<std::string> compile_profile(const std::string& path, std::string* error = nullptr,
                                           const std::vector<std::string>& include_dirs = {});

bool have_apparmor_parser();

// The installed apparmor_parser's version, from `apparmor_parser --version`.
struct ParserVersion {
    int major = 0;
    int minor = 0;
    friend auto operator<=>(const ParserVersion&, const ParserVersion&) = default;
};
// nullopt, with why in `error`, when the parser does not run or its answer has no version.
std::optional<ParserVersion> apparmor_parser_version(std::string* error = nullptr);
// The version parsed from the first line of `--version` output ("AppArmor parser version 3.0.8").
std::optional<ParserVersion> parse_parser_version(const std::string& output);

}  // namespace aalayer::test
