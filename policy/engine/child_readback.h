// Internal to policy/engine: a child profile's text read back as the kernel
// will read it, for the proof and the product check.
#pragma once

#include <string>
#include <vector>

#include "policy/engine/file_permissions.h"

namespace aalayer::policy {

// The error of a child that failed a check: an internal error, the child is not used.
Error child_failure(const std::string& what);

// The file rules of the child as the kernel will read them: its text parsed back.
Result<std::vector<FileRuleInfo>> child_rules(const std::string& child_text);

// Those rules compiled under `limits`.
Result<PermissionAutomaton> parse_child(const std::string& child_text, const PermissionLimits& limits);

}  // namespace aalayer::policy
