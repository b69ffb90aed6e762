// What a set of file rules allows each path: a permission pair (owner, other)
// per path, computed on one automaton whose states remember which rules
// matched, so every answer can say which rules decided it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/automaton/dfa.h"
#include "policy/automaton/paths.h"
#include "policy/load/loader.h"
#include "policy/syntax/model.h"

namespace aalayer::policy {

// File access bits, printed in this order as r w a l k m x. Write implies
// append (AppArmor's append is the limited form of write); x is any allowed exec.
using PermBits = std::uint8_t;
namespace perm {
inline constexpr PermBits kRead = 1;
inline constexpr PermBits kWrite = 2;
inline constexpr PermBits kAppend = 4;
inline constexpr PermBits kLink = 8;
inline constexpr PermBits kLock = 16;
inline constexpr PermBits kMmap = 32;
inline constexpr PermBits kExec = 64;
inline constexpr PermBits kAll = 127;
}  // namespace perm

// Access when the task's fsuid owns the file, and when it does not.
struct PermPair {
    PermBits owner = 0;
    PermBits other = 0;
    friend bool operator==(const PermPair&, const PermPair&) = default;
};

// A pair as one automaton label (0 is no access), so products of
// permission automata are plain label arithmetic.
inline Label encode(PermPair p) {
    return static_cast<Label>(p.owner) | (static_cast<Label>(p.other) << 8U);
}
inline PermPair decode(Label l) {
    return PermPair{static_cast<PermBits>(l & 0xffU), static_cast<PermBits>((l >> 8U) & 0xffU)};
}
inline PermPair operator&(PermPair a, PermPair b) {
    return {static_cast<PermBits>(a.owner & b.owner), static_cast<PermBits>(a.other & b.other)};
}
inline PermPair operator|(PermPair a, PermPair b) {
    return {static_cast<PermBits>(a.owner | b.owner), static_cast<PermBits>(a.other | b.other)};
}
inline PermPair minus(PermPair a, PermPair b) {
    return {static_cast<PermBits>(a.owner & ~b.owner), static_cast<PermBits>(a.other & ~b.other)};
}
inline bool contains(PermPair outer, PermPair inner) {
    return minus(inner, outer) == PermPair{};
}

// The allow and deny rules matching a path, each folded to a pair.
struct MatchPerms {
    PermPair allow;
    PermPair deny;
    [[nodiscard]] PermPair effective() const { return minus(allow, deny); }
};

// Every granted access as a letter, in r w a l k m x order: write with
// append reads "wa", write without append (append denied) "w".
std::string perm_letters(PermBits bits);
// As a rule writes them: 'w' includes append, so 'a' only without 'w'.
std::string rule_letters(PermBits bits);
PermBits perm_bits(const FilePerms& perms);

// One file rule, flattened: qualifiers from enclosing blocks applied,
// variables expanded into concrete globs.
struct FileRuleInfo {
    Location where;
    std::string text;  // canonical rule text, for explanations
    bool deny = false;
    bool audit = false;
    bool included = false;  // reached through an include (e.g. an abstraction)
    OwnerMode owner = OwnerMode::Any;
    PermBits bits = 0;
    // Expanded, with escapes decoded as apparmor_parser decodes them
    // (decode_escapes): `\057` is already a '/' here.
    std::vector<std::string> globs;
    bool nul_escape = false;  // an escape in the path stood for NUL
};

// Whether a decoded glob holds a control byte (below 0x20, or 0x7f).
bool has_control_byte(std::string_view glob);

// Qualifiers of a rule inside a qualifier block: the inner ones win, audit adds.
Qualifiers merge_qualifiers(const Qualifiers& outer, const Qualifiers& inner);

// The file rule (or link rule) in `item` flattened under `outer`, or
// nullopt for any other kind of item.
Result<std::optional<FileRuleInfo>> file_rule_info(const Item& item, const Qualifiers& outer,
                                                   const VariableTable& variables);

// What one rule alone gives a path it matches.
inline PermPair rule_pair(const FileRuleInfo& r) {
    PermPair p;
    if (r.owner != OwnerMode::Other) p.owner = r.bits;
    if (r.owner != OwnerMode::Owner) p.other = r.bits;
    return p;
}

// Flattens the file rules of a profile: follows its includes (once per
// profile, as apparmor_parser does), applies qualifier blocks, expands
// variables (with @{profile_name}). Child profiles and hats are not included.
Result<std::vector<FileRuleInfo>> collect_file_rules(const Loader& loader, const LoadedPolicy& policy,
                                                     const Profile& profile);

struct PermissionLimits {
    GlobLimits glob;
    DfaLimits dfa;
};

// Whether PermissionAutomaton::build minimises the rule automaton: the
// answers are the same either way; minimal is smaller to keep.
enum class RuleAutomaton { minimal, as_built };

// What the rules allow each path (label encode(allow minus deny)), as a
// minimal automaton, without the rule automaton on the way: rules alike in
// what they give share a tag, and their patterns' alike tails are merged
// before the subset construction (merge_alike_tails). For a large base
// that builds about 2.5 times fewer states than PermissionAutomaton::build
// followed by effective_dfa(), and gives the same automaton.
Result<Dfa> effective_dfa_of(const std::vector<FileRuleInfo>& rules, const PermissionLimits& limits);

class PermissionAutomaton {
public:
    static Result<PermissionAutomaton> build(std::vector<FileRuleInfo> rules, const PermissionLimits& limits,
                                             RuleAutomaton form = RuleAutomaton::minimal);

    // What the rules allow the path: allow rules minus deny rules.
    [[nodiscard]] PermPair perms(std::string_view path) const { return match(path).effective(); }
    [[nodiscard]] const MatchPerms& match(std::string_view path) const {
        return label_perms_[dfa_.label_of(path)];
    }
    // The rules whose patterns match the path, in rule order.
    [[nodiscard]] std::vector<const FileRuleInfo*> rules_for(std::string_view path) const;

    [[nodiscard]] const Dfa& dfa() const { return dfa_; }
    [[nodiscard]] const MatchPerms& label_perms(Label label) const { return label_perms_[label]; }
    // The automaton relabelled with encode(fn(match)), minimised.
    [[nodiscard]] Dfa pair_dfa(PermPair (*fn)(const MatchPerms&)) const;
    [[nodiscard]] Result<Dfa> pair_dfa(PermPair (*fn)(const MatchPerms&), const DfaLimits& limits) const;
    [[nodiscard]] Dfa effective_dfa() const {
        return pair_dfa([](const MatchPerms& m) { return m.effective(); });
    }
    [[nodiscard]] Result<Dfa> effective_dfa(const DfaLimits& limits) const {
        return pair_dfa([](const MatchPerms& m) { return m.effective(); }, limits);
    }
    [[nodiscard]] const std::vector<std::uint32_t>& label_rules(Label label) const {
        return tag_sets_[label];
    }
    [[nodiscard]] const std::vector<FileRuleInfo>& rules() const { return rules_; }

private:
    std::vector<FileRuleInfo> rules_;
    Dfa dfa_;  // labels index tag_sets_ and label_perms_
    std::vector<std::vector<std::uint32_t>> tag_sets_;
    std::vector<MatchPerms> label_perms_;
};

}  // namespace aalayer::policy
