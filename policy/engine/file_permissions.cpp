#include "policy/engine/file_permissions.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "policy/automaton/nfa_merge.h"
#include "policy/engine/profile_walk.h"
#include "policy/syntax/emitter.h"
#include "policy/syntax/escapes.h"

namespace aalayer::policy {

std::string perm_letters(PermBits bits) {
    std::string out;
    if ((bits & perm::kRead) != 0) out += 'r';
    if ((bits & perm::kWrite) != 0) out += 'w';
    if ((bits & perm::kAppend) != 0) out += 'a';
    if ((bits & perm::kLink) != 0) out += 'l';
    if ((bits & perm::kLock) != 0) out += 'k';
    if ((bits & perm::kMmap) != 0) out += 'm';
    if ((bits & perm::kExec) != 0) out += 'x';
    return out;
}

std::string rule_letters(PermBits bits) {
    std::string out;
    if ((bits & perm::kRead) != 0) out += 'r';
    if ((bits & perm::kWrite) != 0) out += 'w';
    if ((bits & perm::kAppend) != 0 && (bits & perm::kWrite) == 0) out += 'a';
    if ((bits & perm::kLink) != 0) out += 'l';
    if ((bits & perm::kLock) != 0) out += 'k';
    if ((bits & perm::kMmap) != 0) out += 'm';
    if ((bits & perm::kExec) != 0) out += 'x';
    return out;
}

PermBits perm_bits(const FilePerms& perms) {
    PermBits bits = 0;
    if (perms.has(FilePerms::Read)) bits |= perm::kRead;
    if (perms.has(FilePerms::Write)) bits |= perm::kWrite | perm::kAppend;
    if (perms.has(FilePerms::Append)) bits |= perm::kAppend;
    if (perms.has(FilePerms::Link)) bits |= perm::kLink;
    if (perms.has(FilePerms::Lock)) bits |= perm::kLock;
    if (perms.has(FilePerms::Mmap)) bits |= perm::kMmap;
    if (perms.exec != ExecMode::None) bits |= perm::kExec;
    return bits;
}

Qualifiers merge_qualifiers(const Qualifiers& outer, const Qualifiers& inner) {
    Qualifiers q = inner;
    q.audit = q.audit || outer.audit;
    if (q.access == AccessMode::Implicit) q.access = outer.access;
    if (q.owner == OwnerMode::Any) q.owner = outer.owner;
    if (!q.priority) q.priority = outer.priority;
    return q;
}

bool has_control_byte(std::string_view glob) {
    return std::any_of(glob.begin(), glob.end(), [](char ch) {
        const auto u = static_cast<unsigned char>(ch);
        return u < 0x20 || u == 0x7f;
    });
}

namespace {

// Escapes are decoded after expansion: apparmor_parser decodes each word
// before it expands, which differs only for an escape split across a
// variable's edge, and a `\x40{` that decodes to a variable reference is
// refused by the glob compiler ("variables must be expanded").
void decode_globs(FileRuleInfo& info) {
    for (auto& glob : info.globs) {
        DecodedWord decoded = decode_escapes(glob);
        info.nul_escape = info.nul_escape || decoded.nul;
        glob = std::move(decoded.text);
    }
}

FileRuleInfo start_info(const Item& item, const Qualifiers& q) {
    FileRuleInfo info;
    info.where = item.where;
    info.text = emit_rule(item.node);
    info.deny = q.is_deny();
    info.audit = q.audit;
    info.owner = q.owner;
    return info;
}

}  // namespace

Result<std::optional<FileRuleInfo>> file_rule_info(const Item& item, const Qualifiers& outer,
                                                   const VariableTable& variables) {
    if (const auto* rule = std::get_if<FileRule>(&item.node)) {
        FileRuleInfo info = start_info(item, merge_qualifiers(outer, rule->qualifiers));
        if (rule->path) {
            info.bits = perm_bits(rule->perms);
            AA_ASSIGN(info.globs, variables.expand(rule->path->text, item.where));
            decode_globs(info);
        } else {
            // Bare `file,`: every file permission on every path.
            info.bits = perm::kAll;
            info.globs = {"/", "/**"};
        }
        return std::optional<FileRuleInfo>(std::move(info));
    }
    if (const auto* link = std::get_if<LinkRule>(&item.node)) {
        FileRuleInfo info = start_info(item, merge_qualifiers(outer, link->qualifiers));
        info.bits = perm::kLink;
        AA_ASSIGN(info.globs, variables.expand(link->link.text, item.where));
        decode_globs(info);
        return std::optional<FileRuleInfo>(std::move(info));
    }
    return std::optional<FileRuleInfo>();
}

namespace {

MatchPerms combine(const std::vector<FileRuleInfo>& rules, const std::vector<std::uint32_t>& ids) {
    MatchPerms m;
    for (const auto id : ids) {
        const FileRuleInfo& r = rules[id];
        PermPair& target = r.deny ? m.deny : m.allow;
        if (r.owner != OwnerMode::Other) target.owner |= r.bits;
        if (r.owner != OwnerMode::Owner) target.other |= r.bits;
    }
    return m;
}

}  // namespace

Result<std::vector<FileRuleInfo>> collect_file_rules(const Loader& loader, const LoadedPolicy& policy,
                                                     const Profile& profile) {
    VariableTable vars = policy.variables;
    vars.set("profile_name", {profile.name.text});
    std::vector<FileRuleInfo> out;
    AA_TRY(walk_profile(loader, policy, profile.items, [&](const WalkedItem& w) -> Status {
        AA_ASSIGN(std::optional<FileRuleInfo> info, file_rule_info(w.item, w.outer, vars));
        if (info) out.push_back(std::move(*info));
        return {};
    }));
    return out;
}

Result<PermissionAutomaton> PermissionAutomaton::build(std::vector<FileRuleInfo> rules,
                                                       const PermissionLimits& limits, RuleAutomaton form) {
    Nfa nfa;
    for (std::uint32_t id = 0; id < rules.size(); ++id) {
        for (const auto& glob : rules[id].globs)
            AA_TRY(add_glob(nfa, glob, id, rules[id].where, limits.glob));
    }
    AA_ASSIGN(TaggedDfa tagged, determinize(nfa, limits.dfa));
    PermissionAutomaton out;
    out.rules_ = std::move(rules);
    out.tag_sets_ = std::move(tagged.tag_sets);
    out.label_perms_.reserve(out.tag_sets_.size());
    for (const auto& ids : out.tag_sets_)
        out.label_perms_.push_back(combine(out.rules_, ids));
    // Minimise on the rule sets, so explanations survive minimisation.
    if (form == RuleAutomaton::minimal) {
        AA_ASSIGN(out.dfa_, minimize(tagged.dfa, limits.dfa));
    } else {
        out.dfa_ = std::move(tagged.dfa);
    }
    return out;
}

Result<Dfa> effective_dfa_of(const std::vector<FileRuleInfo>& rules, const PermissionLimits& limits) {
    // A kind: what a rule gives, all that the effective pair depends on.
    std::map<std::tuple<bool, OwnerMode, PermBits>, std::uint32_t> kind_ids;
    std::vector<FileRuleInfo> kinds;
    Nfa nfa;
    for (const auto& rule : rules) {
        const auto [it, added] = kind_ids.emplace(std::make_tuple(rule.deny, rule.owner, rule.bits),
                                                  static_cast<std::uint32_t>(kinds.size()));
        if (added) {
            FileRuleInfo kind;
            kind.deny = rule.deny;
            kind.owner = rule.owner;
            kind.bits = rule.bits;
            kinds.push_back(std::move(kind));
        }
        for (const auto& glob : rule.globs)
            AA_TRY(add_glob(nfa, glob, it->second, rule.where, limits.glob));
    }
    AA_ASSIGN(Nfa merged, merge_alike_tails(nfa, limits.dfa.work));
    AA_ASSIGN(TaggedDfa tagged, determinize(merged, limits.dfa));
    std::vector<Label> effective(tagged.tag_sets.size());
    for (std::size_t l = 0; l < effective.size(); ++l)
        effective[l] = encode(combine(kinds, tagged.tag_sets[l]).effective());
    return minimize_relabelled(
        tagged.dfa, [&](Label l) { return effective[l]; }, limits.dfa);
}

Dfa PermissionAutomaton::pair_dfa(PermPair (*fn)(const MatchPerms&)) const {
    return pair_dfa(fn, DfaLimits{}).value();  // no meter: never fails
}

Result<Dfa> PermissionAutomaton::pair_dfa(PermPair (*fn)(const MatchPerms&), const DfaLimits& limits) const {
    return minimize_relabelled(
        dfa_, [&](Label l) { return encode(fn(label_perms_[l])); }, limits);
}

std::vector<const FileRuleInfo*> PermissionAutomaton::rules_for(std::string_view path) const {
    std::vector<const FileRuleInfo*> out;
    for (const auto id : tag_sets_[dfa_.label_of(path)])
        out.push_back(&rules_[id]);
    return out;
}

}  // namespace aalayer::policy
