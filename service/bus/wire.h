// What crosses the D-Bus edge, as values: the a{sv} options a method
// accepts, and every reply and error in the types the XML declares. All of
// it pure (no connection), so the handlers and the D-Bus fuzz target
// (tests/fuzz/fuzz_dbus.cpp) build replies the same way. Every string made
// here is valid UTF-8, which sd-bus requires of a D-Bus string (a reply
// that breaks it would not be sent at all).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "policy/common/utf8.h"
#include "policy/engine/finding.h"
#include "service/core/layer_manager.h"
#include "service/core/outcome.h"

namespace aalayer::service {

using Options = std::map<std::string, sdbus::Variant>;
using FindingStructs =
    std::vector<sdbus::Struct<std::string, std::uint32_t, std::uint32_t, std::string, std::string>>;
using Reasons = std::vector<sdbus::Struct<std::string, std::string>>;
using DiffRows = std::vector<sdbus::Struct<std::string, std::string, std::string>>;
// Manager1.ListGrantRules a(ssssssuu) and ListBases a(ssbu).
using GrantRuleStructs = std::vector<sdbus::Struct<std::string, std::string, std::string, std::string,
                                                   std::string, std::string, std::uint32_t, std::uint32_t>>;
using BaseStructs = std::vector<sdbus::Struct<std::string, std::string, bool, std::uint32_t>>;
// Layer1.GetDenials and the Denials signal: a(tttssssssssuuusssssss).
using DenialStruct =
    sdbus::Struct<std::uint64_t, std::uint64_t, std::uint64_t, std::string, std::string, std::string,
                  std::string, std::string, std::string, std::string, std::string, std::uint32_t,
                  std::uint32_t, std::uint32_t, std::string, std::string, std::string, std::string,
                  std::string, std::string, std::string>;
using DenialStructs = std::vector<DenialStruct>;
// Layer1.ProposeRules: a(ssas) and a(sss).
using ProposalStructs = std::vector<sdbus::Struct<std::string, std::string, std::vector<std::string>>>;
using UnproposedStructs = std::vector<sdbus::Struct<std::string, std::string, std::string>>;

// Reads the a{sv} options a method accepts (`apply`: Apply's, else
// Remove's); anything else is refused by name.
struct ParsedOptions {
    bool interactive = false;
    bool strict = false;
    std::optional<bool> complain;  // none: not given
    bool force = false;
    // Apply: a layer refused for its findings is answered with the layer
    // path "/" and the findings, not an InvalidLayer error.
    bool refusal_as_reply = false;
};
Outcome<ParsedOptions> parse_options(const Options& options, bool apply);

// An error for the caller; unexpected ones carry no details (those go to the log).
sdbus::Error to_dbus_error(const ServiceError& error);

FindingStructs to_structs(const std::vector<policy::Finding>& findings);
// A string reply (the child profile, a layer's text, a permission pair).
inline std::string to_text(const std::string& s) {
    return policy::to_valid_utf8(s);
}
Reasons to_reasons(const std::vector<std::pair<std::string, std::string>>& reasons);
DiffRows to_rows(const std::vector<DiffRow>& rows);
GrantRuleStructs to_grant_rule_structs(const std::vector<GrantRuleRow>& rows);
BaseStructs to_base_structs(const std::vector<BaseRow>& rows);
// Base names for the GrantsChanged and BasesChanged signals.
std::vector<std::string> to_texts(const std::vector<std::string>& names);
// uid fields the kernel did not give are 4294967295 (-1).
DenialStructs to_denial_structs(const std::vector<DenialView>& denials);
ProposalStructs to_proposal_structs(const std::vector<ProposedRule>& proposals);
UnproposedStructs to_unproposed_structs(const std::vector<UnproposedRecord>& records);
// "enforce" or "complain" (SetMode's argument): whether complain.
Outcome<bool> parse_mode(const std::string& mode);

}  // namespace aalayer::service
