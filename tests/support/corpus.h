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

}  // namespace aalayer::test
