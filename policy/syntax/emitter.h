// Writes the model back as canonical AppArmor text. Canonical means: one
// item a line, two-space indentation, `include` (never `#include`), path
// before permissions, permissions in r w a l k m x order, `profile NAME`
// and `^HAT` heads. Parsing the output and emitting again gives the same text.
#pragma once

#include <string>
#include <vector>

#include "policy/syntax/model.h"

namespace aalayer::policy {

std::string emit_document(const Document& document);
std::string emit_items(const std::vector<Item>& items, int depth);
// One rule without indentation or newline, e.g. `owner /home/a/** rw,`.
std::string emit_rule(const Node& node);
std::string emit_word(const Word& word);
std::string emit_qualifiers(const Qualifiers& q);  // with a trailing space when non-empty

}  // namespace aalayer::policy
