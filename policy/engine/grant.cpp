#include "policy/engine/grant.h"

#include "policy/common/utf8.h"
#include "policy/syntax/emitter.h"

namespace aalayer::policy {

namespace {

Error refuse(const Location& where, const std::string& why) {
    return make_error(ErrorKind::Unsupported, where, why);
}

Status check_grant_paths(const FileRuleInfo& info, const Location& where) {
    if (info.nul_escape) {
        return make_error(ErrorKind::Invalid, where,
                          "grant path has an escape that stands for NUL ('\\000', '\\x00', '\\d0'); no file "
                          "name holds one");
    }
    for (const auto& glob : info.globs) {
        if (glob.empty() || glob.front() != '/') {
            return make_error(
                ErrorKind::Invalid, where,
                "grant path '" + printable(glob) + "' is not absolute (it must start with '/')");
        }
        if (has_control_byte(glob)) {
            // On the decoded path: `\t` or `\x0b` would put the byte in every child.
            return make_error(ErrorKind::Invalid, where,
                              "grant path has a control character (written or as an escape such as '\\t')");
        }
    }
    return {};
}

Status check_grant_rule(const Item& item, const VariableTable& vars, std::vector<FileRuleInfo>& out) {
    const auto* rule = std::get_if<FileRule>(&item.node);
    if (rule == nullptr) {
        return refuse(item.where,
                      "a grant holds file rules only (path and permissions, e.g. "
                      "'owner @{HOME}/Documents/** rw,')");
    }
    if (rule->qualifiers.is_deny()) {
        return refuse(item.where,
                      "a grant cannot deny: it names what users may decide about; "
                      "deny in the base profile instead");
    }
    if (rule->qualifiers.priority) return refuse(item.where, "'priority' is not supported in grants");
    if (!rule->path)
        return refuse(item.where, "a grant must name its paths; a bare 'file,' would grant everything");
    if (rule->target) return refuse(item.where, "a grant rule cannot name an exec or link target ('->')");
    if (rule->perms.exec != ExecMode::None && rule->perms.exec != ExecMode::Inherit) {
        return refuse(item.where, "a grant may only allow 'ix' exec: layers cannot make other transitions");
    }
    auto flattened = file_rule_info(item, Qualifiers{}, vars);
    if (!flattened) return flattened.take_error();
    if (!flattened->has_value()) return refuse(item.where, "a grant holds file rules only");
    FileRuleInfo info = std::move(**flattened);
    AA_TRY(check_grant_paths(info, item.where));
    out.push_back(std::move(info));
    return {};
}

// `exclude PATH,`: the path is expanded and checked as a grant rule's is.
Status check_exclusion(const Item& item, const GrantExclusion& exclusion, const VariableTable& vars,
                       std::vector<GrantExclusionInfo>& out) {
    FileRule as_rule;
    as_rule.path = exclusion.path;
    as_rule.perms.bits = FilePerms::Read;
    auto flattened = file_rule_info(Item{item.where, Node{std::move(as_rule)}}, Qualifiers{}, vars);
    if (!flattened) return flattened.take_error();
    if (!flattened->has_value()) return refuse(item.where, "an exclusion names a path");
    AA_TRY(check_grant_paths(**flattened, item.where));
    out.push_back(
        GrantExclusionInfo{item.where, to_valid_utf8(emit_rule(item.node)), std::move((*flattened)->globs)});
    return {};
}

// The paths outside a grant, written as globs for every child of it: no
// configuration sets these; the renderer's own limits bound them.
const GlobRenderLimits kOutsideRenderLimits;

constexpr const char* kNoIncludes =
    "grant files cannot include other files; the system tunables and @{HOME}, @{USER}, @{UID} are already "
    "defined";

// An exclusion is held to the shape of a grant rule (a subtree, a file, a
// few names): what it leaves in the grant can still be written as globs.
Status check_exclusion_shape(const std::string& base, const GrantExclusionInfo& exclusion, const Dfa& paths,
                             const PermissionLimits& limits) {
    auto rendered = render_globs(set_complement(paths), exclusion.where, kOutsideRenderLimits, limits.dfa);
    if (rendered) return {};
    return make_error(ErrorKind::Unsupported, exclusion.where,
                      "grant for '" + base + "': the rest of the grant after '" + exclusion.text +
                          "' cannot be written as AppArmor globs (" + rendered.error().message +
                          "); exclude subtrees such as /dir/** or /dir/*, with literal, *, ?, [..] or {..} "
                          "path segments (a name suffix such as /dir/*.ext is not supported)");
}

}  // namespace

LoadOptions grant_load_options(LoadOptions base) {
    base.dialect = Dialect::Grant;
    base.refuse_includes = kNoIncludes;
    return base;
}

Result<std::vector<Grant>> read_grants(const LoadedPolicy& policy) {
    std::vector<Grant> grants;
    for (const auto& item : policy.root_document().items) {
        if (std::holds_alternative<VariableDefinition>(item.node) ||
            std::holds_alternative<BooleanDefinition>(item.node)) {
            continue;  // already in policy.variables
        }
        if (std::holds_alternative<Include>(item.node) || std::holds_alternative<Abi>(item.node)) {
            return refuse(item.where, kNoIncludes);
        }
        const auto* block = std::get_if<Box<Profile>>(&item.node);
        if (block == nullptr || !(*block)->grant) {
            return refuse(item.where,
                          "expected 'grant BASE { ... }' (a grant file holds grant blocks "
                          "and variable definitions only)");
        }
        Grant grant;
        grant.base = (*block)->name.text;
        grant.where = item.where;
        for (const auto& g : grants) {
            if (g.base == grant.base) {
                return make_error(ErrorKind::Invalid, item.where,
                                  "a second grant for '" + grant.base + "' (the first is at " +
                                      to_string(g.where) + "); merge them into one block");
            }
        }
        if ((*block)->attachment || !(*block)->flags.empty() || !(*block)->xattrs.empty()) {
            return refuse(item.where, "a grant block takes only the base profile's name");
        }
        for (const auto& inner : (*block)->items) {
            if (const auto* exclusion = std::get_if<GrantExclusion>(&inner.node)) {
                AA_TRY(check_exclusion(inner, *exclusion, policy.variables, grant.exclusions));
                continue;
            }
            if (const auto* qb = std::get_if<Box<QualifierBlock>>(&inner.node)) {
                for (const auto& r : (*qb)->items) {
                    Item flattened = r;
                    if (auto* fr = std::get_if<FileRule>(&flattened.node)) {
                        fr->qualifiers = merge_qualifiers((*qb)->qualifiers, fr->qualifiers);
                    }
                    AA_TRY(check_grant_rule(flattened, policy.variables, grant.rules));
                }
                continue;
            }
            AA_TRY(check_grant_rule(inner, policy.variables, grant.rules));
        }
        grants.push_back(std::move(grant));
    }
    return grants;
}

Result<CompiledGrant> compile_grant(Grant grant, const PermissionLimits& limits) {
    CompiledGrant out;
    const Location where = grant.where;
    AA_ASSIGN(out.bound, PermissionAutomaton::build(grant.rules, limits));
    out.grant = std::move(grant);
    const auto& tags = out.bound;
    const auto in_region = [&](Label l) { return static_cast<Label>(!tags.label_rules(l).empty()); };
    const auto bound = [&](Label l) {
        return tags.label_rules(l).empty() ? Label{0} : GrantLabel{tags.label_perms(l).allow, true}.pack();
    };
    AA_ASSIGN(const Dfa granted, canonical_part(map_labels(tags.dfa(), in_region), limits.dfa));
    for (const auto& rule : out.grant.rules) {
        AA_ASSIGN(Dfa paths, compile_globs(rule.globs, rule.where, limits.glob, limits.dfa));
        AA_ASSIGN(Dfa canonical, canonical_part(paths, limits.dfa));
        out.rule_regions.push_back(std::move(canonical));
    }
    Dfa excluded = Dfa::empty();  // every path an exclusion names, canonical or not
    for (const auto& exclusion : out.grant.exclusions) {
        AA_ASSIGN(Dfa paths, compile_globs(exclusion.globs, exclusion.where, limits.glob, limits.dfa));
        AA_TRY(check_exclusion_shape(out.grant.base, exclusion, paths, limits));
        AA_ASSIGN(Dfa canonical, canonical_part(paths, limits.dfa));
        AA_ASSIGN(const SetRelation meet, set_relation(canonical, granted, limits.dfa));
        if (!meet.both) {
            out.warnings.push_back(Finding{Severity::Warning, exclusion.where,
                                           "'" + exclusion.text + "' takes nothing out of the grant for " +
                                               out.grant.base + ": no grant rule names these paths"});
        }
        AA_ASSIGN(excluded, set_union(excluded, paths, limits.dfa));
        out.exclusion_regions.push_back(std::move(canonical));
    }
    AA_ASSIGN(out.region, set_difference(granted, excluded, limits.dfa));
    AA_ASSIGN(const Dfa bound_of_rules, minimize_relabelled(tags.dfa(), bound, limits.dfa));
    AA_ASSIGN(out.bound_dfa, product(
                                 bound_of_rules, excluded,
                                 [](Label b, Label e) { return e != 0 ? Label{0} : b; }, limits.dfa));
    AA_ASSIGN(out.bound_dfa, minimize(out.bound_dfa, limits.dfa));
    // The complement of the rules' paths, plus the excluded paths as written:
    // the exclusions' own globs say them exactly, so they never need rendering.
    auto outside = render_globs(set_complement(granted), where, kOutsideRenderLimits, limits.dfa);
    if (!outside) {
        // Name the rule that makes the complement inexpressible.
        for (const auto& rule : out.grant.rules) {
            auto alone = compile_globs(rule.globs, rule.where, limits.glob, limits.dfa);
            if (!alone) return alone.take_error();
            auto rendered =
                render_globs(set_complement(*alone), rule.where, kOutsideRenderLimits, limits.dfa);
            if (!rendered) {
                return make_error(ErrorKind::Unsupported, rule.where,
                                  "grant for '" + out.grant.base + "': the paths outside '" + rule.text +
                                      "' cannot be written as AppArmor globs, so no child profile can leave "
                                      "them to the base (" +
                                      rendered.error().message +
                                      "); grant subtrees such as /dir/** or /dir/*, with literal, *, ?, [..] "
                                      "or {..} path segments "
                                      "(a name suffix such as /dir/*.ext is not supported)");
            }
        }
        Error e = outside.take_error();
        return make_error(e.kind, where,
                          "grant for '" + out.grant.base +
                              "': the paths outside the grant cannot be written "
                              "as AppArmor globs (" +
                              e.message + ")");
    }
    out.outside = std::move(*outside);
    for (const auto& exclusion : out.grant.exclusions)
        out.outside.insert(out.outside.end(), exclusion.globs.begin(), exclusion.globs.end());
    return out;
}

const GrantExclusionInfo* CompiledGrant::exclusion_of(std::string_view path) const {
    for (std::size_t i = 0; i < exclusion_regions.size(); ++i) {
        if (exclusion_regions[i].label_of(path) != 0) return &grant.exclusions[i];
    }
    return nullptr;
}

}  // namespace aalayer::policy
