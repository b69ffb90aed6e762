// aalayer learn: rules proposed from a layer's records (Layer1.ProposeRules),
// shown as a diff of the layer's text, accepted one by one in a terminal or
// all with --yes, and applied as `aalayer apply` applies a text.
#pragma once

#include <string>

namespace aalayer::cli {

// A unified diff of two layer texts, labelled "a/LABEL" and "b/LABEL", with
// three lines of context; empty when they are the same.
std::string unified_diff(const std::string& old_text, const std::string& new_text, const std::string& label);

}  // namespace aalayer::cli
