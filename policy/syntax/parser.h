// Parses one AppArmor source file into a Document. Includes are recorded,
// not followed, and variables are not expanded: see policy/load/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/common/result.h"
#include "policy/syntax/model.h"

namespace aalayer::policy {

struct ParseLimits {
    std::size_t max_bytes = 16U * 1024U * 1024U;  // whole file
    std::size_t max_line_bytes = 64U * 1024U;     // one line
    std::size_t max_word_bytes = 16U * 1024U;     // one path, name or value
    std::size_t max_depth = 32;                   // nested profiles, hats and blocks
    std::size_t max_items = 1'000'000;            // rules and directives in the file
};

struct ParseOutput {
    Document document;
    std::vector<Note> notes;  // e.g. rule classes kept verbatim
};

// Grant files (/etc/aalayer/grants.d) add one top-level form to the
// profile language: `grant BASE { rules }`, parsed as a Profile with grant set.
enum class Dialect : std::uint8_t { Profile, Grant };

Result<ParseOutput> parse_document(std::string_view text, std::string path, const ParseLimits& limits,
                                   Dialect dialect = Dialect::Profile);

}  // namespace aalayer::policy
