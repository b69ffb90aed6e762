#include "policy/engine/compose.h"

#include <algorithm>
#include <map>
#include <set>

#include "policy/engine/child_profile.h"
#include "policy/syntax/parser.h"

namespace aalayer::policy {

Result<BasePolicy> compile_base(const Loader& loader, const std::string& file, const std::string& profile,
                                const PermissionLimits& limits) {
    AA_ASSIGN(LoadedPolicy policy, loader.load_file(file));
    const Profile* found = nullptr;
    std::vector<std::string> names;
    for (const auto& item : policy.root_document().items) {
        const auto* p = std::get_if<Box<Profile>>(&item.node);
        if (p == nullptr || (*p)->hat) continue;
        names.push_back((*p)->name.text);
        if (profile.empty() ? found == nullptr : (*p)->name.text == profile) found = &**p;
    }
    if (found == nullptr || (profile.empty() && names.size() > 1)) {
        std::string list;
        for (const auto& n : names)
            list += (list.empty() ? "" : ", ") + n;
        return make_error(ErrorKind::Invalid, Location{file, 0, 0},
                          (profile.empty() ? std::string("name the base profile") : "no profile '" + profile + "'") +
                              " in this file (it has: " + (list.empty() ? "none" : list) + ")");
    }
    BasePolicy base;
    base.name = found->name.text;
    base.file = file;
    base.flags = found->flags;
    AA_ASSIGN(std::vector<FileRuleInfo> rules, collect_file_rules(loader, policy, *found));
    AA_ASSIGN(base.files, PermissionAutomaton::build(std::move(rules), limits));
    base.effective = base.files.effective_dfa();
    return base;
}

Status validate_layer_name(const std::string& name) {
    const bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
    if (ok) return {};
    return make_error(ErrorKind::Invalid, Location{},
                      "layer name '" + name + "' must be 1-64 letters, digits, '_' or '-'");
}

std::string child_name(const LayerId& id) { return "aalayer." + std::to_string(id.uid) + "." + id.name; }

std::string format_pair(PermPair p) { return "owner=" + perm_letters(p.owner) + " other=" + perm_letters(p.other); }

namespace {

// Labels of the layer automaton: allow pair low, deny pair high.
Label layer_label(const MatchPerms& m) { return encode(m.allow) | (encode(m.deny) << 16U); }

Result<Dfa> effective_dfa(const BasePolicy& base, const CompiledGrant& grant, const Dfa& layer,
                          const DfaLimits& limits) {
    // B restricted to G inside the region, B outside; the region bit kept.
    AA_ASSIGN(Dfa bg, product(
                          base.effective, grant.bound_dfa,
                          [](Label b, Label g) {
                              if ((g & CompiledGrant::kInRegion) == 0) return b;
                              return encode(decode(b) & decode(g & 0xffffU)) | CompiledGrant::kInRegion;
                          },
                          limits));
    AA_ASSIGN(Dfa e, product(
                         minimize(bg), layer,
                         [](Label x, Label l) {
                             PermPair p = decode(x & 0xffffU);
                             if ((x & CompiledGrant::kInRegion) != 0) p = p & decode(l & 0xffffU);
                             return encode(minus(p, decode(l >> 16U)));
                         },
                         limits));
    return minimize(e);
}

class Clipper {
public:
    Clipper(const CompiledGrant& grant, const ComposeOptions& options, std::vector<Finding>& findings)
        : grant_(grant), options_(options), findings_(findings) {}

    Status check(const FileRuleInfo& rule, const Dfa& paths) {
        const std::string& base = grant_.grant.base;
        AA_ASSIGN(std::optional<std::string> outside, canonical_difference_witness(paths, grant_.region));
        if (outside) {
            if (rule.included) {
                auto& [count, example] = included_[rule.where.file];
                if (count++ == 0) example = *outside;
            } else {
                report(rule.where, "allows " + *outside + ", outside the grant for " + base + "; clipped");
            }
            return {};
        }
        const PermPair want = rule_pair(rule);
        AA_ASSIGN(Dfa beyond, product(paths, grant_.bound_dfa, [&](Label in, Label g) {
                      return static_cast<Label>(in != 0 && !contains(decode(g & 0xffffU), want));
                  }));
        AA_ASSIGN(Dfa canonical, canonical_part(beyond));
        if (auto p = shortest_witness(canonical, [](Label l) { return l != 0; })) {
            const PermPair granted = grant_.bound.perms(*p);
            const PermPair kept = granted & want;
            std::string message = "allows '" + perm_letters(want.owner | want.other) + "' on " + *p +
                                  ", beyond the grant for " + base + " there (" + format_pair(granted) +
                                  "); clipped to " + format_pair(kept);
            if (rule.included) {
                auto& [count, example] = included_[rule.where.file];
                if (count++ == 0) example = *p;
            } else {
                report(rule.where, std::move(message));
            }
        }
        return {};
    }

    void finish() {
        for (const auto& [file, entry] : included_) {
            findings_.push_back(Finding{Severity::Note, Location{file, 0, 0},
                                        std::to_string(entry.first) + " rule(s) of this abstraction reach beyond "
                                        "the grant for " + grant_.grant.base + " and are clipped (e.g. " +
                                        entry.second + ")"});
        }
    }

private:
    void report(const Location& where, std::string message) {
        findings_.push_back(Finding{options_.strict ? Severity::Error : Severity::Warning, where, std::move(message)});
    }

    const CompiledGrant& grant_;
    const ComposeOptions& options_;
    std::vector<Finding>& findings_;
    std::map<std::string, std::pair<std::size_t, std::string>> included_;
};

}  // namespace

Status check_child(const BasePolicy& base, const CompiledGrant& grant, const std::string& child_text,
                   const Dfa& effective, const DfaLimits& limits) {
    const Location where{"<child profile>", 0, 0};
    auto fail = [&](const std::string& what) {
        return make_error(ErrorKind::Invalid, where, "internal error: the generated child profile " + what +
                                                         "; it was not used");
    };
    auto parsed = parse_document(child_text, where.file);
    if (!parsed) return fail("does not parse: " + parsed.error().format());
    std::vector<FileRuleInfo> rules;
    for (const auto& item : parsed->document.items) {
        const auto* p = std::get_if<Box<Profile>>(&item.node);
        if (p == nullptr) continue;
        for (const auto& r : (*p)->items) {
            AA_ASSIGN(std::optional<FileRuleInfo> info, file_rule_info(r, Qualifiers{}, VariableTable{}));
            if (info) rules.push_back(std::move(*info));
        }
    }
    AA_ASSIGN(PermissionAutomaton child, PermissionAutomaton::build(std::move(rules)));
    AA_ASSIGN(Dfa kernel, product(
                              base.effective, child.effective_dfa(),
                              [](Label b, Label c) { return encode(decode(b) & decode(c)); }, limits));
    AA_ASSIGN(Dfa mismatch, product(
                                kernel, effective,
                                [](Label k, Label e) { return static_cast<Label>(k != e); }, limits));
    AA_ASSIGN(Dfa canonical, canonical_part(mismatch, limits));
    if (auto p = shortest_witness(canonical, [](Label l) { return l != 0; })) {
        return fail("gives " + format_pair(decode(kernel.label_of(*p))) + " on " + *p + " where the layer's policy is " +
                    format_pair(decode(effective.label_of(*p))));
    }
    // Inside the region nothing beyond the grant; nowhere beyond the base.
    AA_ASSIGN(Dfa beyond, product(
                              effective, grant.bound_dfa,
                              [](Label e, Label g) {
                                  return static_cast<Label>((g & CompiledGrant::kInRegion) != 0 &&
                                                            !contains(decode(g & 0xffffU), decode(e)));
                              },
                              limits));
    if (auto p = shortest_witness(beyond, [](Label l) { return l != 0; })) return fail("exceeds the grant on " + *p);
    AA_ASSIGN(Dfa over_base, product(
                                 effective, base.effective,
                                 [](Label e, Label b) { return static_cast<Label>(!contains(decode(b), decode(e))); },
                                 limits));
    if (auto p = shortest_witness(over_base, [](Label l) { return l != 0; })) return fail("exceeds the base on " + *p);
    return {};
}

Result<Composition> compose(std::shared_ptr<const BasePolicy> base, std::shared_ptr<const CompiledGrant> grant,
                            const LayerRules& layer, const LayerId& id, const ComposeOptions& options) {
    Composition out;
    out.findings = layer.findings;
    if (!out.valid()) return out;
    if (auto st = validate_layer_name(id.name); !st) {
        out.findings.push_back(to_finding(st.error()));
        return out;
    }
    auto built = PermissionAutomaton::build(layer.files, options.limits);
    if (!built) {
        out.findings.push_back(to_finding(built.error()));
        return out;
    }
    const PermissionAutomaton& files = *built;
    const Dfa layer_dfa = minimize(map_labels(files.dfa(), [&](Label l) { return layer_label(files.label_perms(l)); }));
    AA_ASSIGN(out.effective, effective_dfa(*base, *grant, layer_dfa, options.limits.dfa));

    // Each allow rule alone: what it loses to the grant, and its share of the child.
    ChildProfileBuilder child(*base, *grant, id, options);
    Clipper clipper(*grant, options, out.findings);
    for (const auto& rule : layer.files) {
        if (rule.deny) {
            child.add_deny(rule);
            continue;
        }
        auto compiled = compile_globs(rule.globs, rule.where, options.limits.glob, options.limits.dfa);
        if (!compiled) {
            out.findings.push_back(to_finding(compiled.error()));
            continue;
        }
        AA_ASSIGN(Dfa paths, canonical_part(*compiled, options.limits.dfa));
        AA_TRY(clipper.check(rule, paths));
        if (auto st = child.add_allow(rule, paths); !st) out.findings.push_back(to_finding(st.error()));
    }
    clipper.finish();
    if (!out.valid()) return out;
    child.add_other_rules(layer);
    out.child_text = child.text();
    AA_TRY(check_child(*base, *grant, out.child_text, out.effective, options.limits.dfa));
    out.base_ = std::move(base);
    out.grant_ = std::move(grant);
    out.layer_ = std::move(*built);
    return out;
}

Explanation Composition::explain(std::string_view path) const {
    Explanation e;
    e.path = std::string(path);
    e.perms = perms(path);
    if (!base_ || !grant_ || !layer_) return e;
    e.in_grant = !grant_->bound.rules_for(path).empty();
    for (const auto* r : base_->files.rules_for(path))
        e.reasons.push_back(Reason{"base", r->where, r->text});
    if (e.in_grant) {
        for (const auto* r : grant_->bound.rules_for(path))
            e.reasons.push_back(Reason{"grant", r->where, r->text});
    } else {
        e.reasons.push_back(Reason{"grant", grant_->grant.where,
                                   "outside the grant for " + grant_->grant.base + ": the base decides"});
    }
    for (const auto* r : layer_->rules_for(path)) {
        if (r->deny || e.in_grant) e.reasons.push_back(Reason{"layer", r->where, r->text});
    }
    return e;
}

Result<std::vector<Difference>> diff(const Composition& a, const Composition& b, std::size_t max_regions) {
    AA_ASSIGN(Dfa both, product(a.effective, b.effective,
                                [](Label x, Label y) { return x == y ? Label{0} : x | (y << 16U); }));
    both = minimize(both);
    std::set<Label> labels(both.label.begin(), both.label.end());
    labels.erase(0);
    std::vector<Difference> out;
    for (const Label l : labels) {
        AA_ASSIGN(Dfa only, product(both, canonical_paths(),
                                    [&](Label x, Label c) { return static_cast<Label>(x == l && c != 0); }));
        if (auto p = shortest_witness(only, [](Label v) { return v != 0; })) {
            out.push_back(Difference{*p, decode(l & 0xffffU), decode(l >> 16U)});
        }
        if (out.size() >= max_regions) break;
    }
    std::sort(out.begin(), out.end(), [](const Difference& x, const Difference& y) {
        return x.example.size() != y.example.size() ? x.example.size() < y.example.size() : x.example < y.example;
    });
    return out;
}

}  // namespace aalayer::policy
