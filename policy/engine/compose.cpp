#include "policy/engine/compose.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "policy/automaton/pair_map.h"
#include "policy/common/utf8.h"
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
        return make_error(
            ErrorKind::Invalid, Location{file, 0, 0},
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
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-';
    });
    if (ok) return {};
    return make_error(ErrorKind::Invalid, Location{},
                      "layer name '" + name + "' must be 1-64 letters, digits, '_' or '-'");
}

std::string child_name(const LayerId& id) {
    return "aalayer." + std::to_string(id.uid) + "." + id.name;
}

std::string format_pair(PermPair p) {
    return "owner=" + perm_letters(p.owner) + " other=" + perm_letters(p.other);
}

namespace {

// Labels of the layer automaton: allow pair low, deny pair high.
Label layer_label(const MatchPerms& m) {
    return encode(m.allow) | (encode(m.deny) << 16U);
}

// The layer ran out of steps (LayerRules::max_work): the error names the
// rule that cost the most, so the user knows which pattern to simplify.
Error too_much_work(const LayerRules& layer, std::optional<std::size_t> costliest, const WorkMeter& meter) {
    const std::string why =
        "; simplify the pattern: a '**' followed by many '?', '*' or '[...]', or "
        "long alternations, multiply the work";
    const std::string steps = "more than " + std::to_string(meter.limit()) + " steps";
    if (!costliest) {
        return make_error(ErrorKind::Limit, Location{layer.source, 1, 1},
                          "this layer needs more work than the service allows (" + steps + ")" + why);
    }
    const FileRuleInfo& rule = layer.files[*costliest];
    return make_error(ErrorKind::Limit, rule.where,
                      "this layer needs more work than the service allows (" + steps + "; the rule at line " +
                          std::to_string(rule.where.line) + " is the costliest: '" +
                          to_valid_utf8(rule.text) + "')" + why);
}

// The rule with the largest cost, if any rule cost anything.
std::optional<std::size_t> costliest_rule(const std::vector<std::uint64_t>& cost) {
    const auto it = std::max_element(cost.begin(), cost.end());
    if (it == cost.end() || *it == 0) return std::nullopt;
    return static_cast<std::size_t>(it - cost.begin());
}

// When the automaton of all the rules ran out of steps: each rule compiled
// on its own, on a second budget at most, to find the costliest. A rule that
// spends that budget alone is the one.
std::optional<std::size_t> locate_costliest(const LayerRules& layer, const ComposeOptions& options) {
    if (layer.files.size() == 1) return 0;
    WorkMeter meter(layer.max_work);
    DfaLimits limits = options.limits.dfa;
    limits.work = &meter;
    std::vector<std::uint64_t> cost(layer.files.size(), 0);
    for (std::size_t i = 0; i < layer.files.size() && !meter.exhausted(); ++i) {
        const std::uint64_t before = meter.used();
        (void)compile_globs(layer.files[i].globs, layer.files[i].where, options.limits.glob, limits);
        cost[i] = meter.used() - before;
    }
    return costliest_rule(cost);
}

// A budget error of the whole rule set, pinned on the first rule that is
// over budget on its own (else on the layer as a whole).
Error locate_budget_error(Error error, const LayerRules& layer, const ComposeOptions& options) {
    if (error.kind != ErrorKind::Limit) return error;
    WorkMeter meter(layer.max_work);  // the rules alone, on one more budget at most
    DfaLimits limits = options.limits.dfa;
    limits.work = &meter;
    for (std::size_t i = 0; i < layer.files.size(); ++i) {
        const auto& rule = layer.files[i];
        auto alone = compile_globs(rule.globs, rule.where, options.limits.glob, limits);
        if (meter.exhausted()) return too_much_work(layer, i, meter);
        if (!alone) return alone.take_error();
    }
    error.where = Location{layer.source, 1, 1};
    error.message += " (the rules together; split or simplify them)";
    return error;
}

Error child_failure(const std::string& what) {
    return make_error(ErrorKind::Invalid, Location{"<child profile>", 0, 0},
                      "internal error: the generated child profile " + what + "; it was not used");
}

// The file rules of the child as the kernel will read them: its text parsed back.
Result<std::vector<FileRuleInfo>> child_rules(const std::string& child_text) {
    auto parsed = parse_document(child_text, "<child profile>");
    if (!parsed) return child_failure("does not parse: " + parsed.error().format());
    std::vector<FileRuleInfo> rules;
    for (const auto& item : parsed->document.items) {
        const auto* p = std::get_if<Box<Profile>>(&item.node);
        if (p == nullptr) continue;
        for (const auto& r : (*p)->items) {
            AA_ASSIGN(std::optional<FileRuleInfo> info, file_rule_info(r, Qualifiers{}, VariableTable{}));
            if (info) rules.push_back(std::move(*info));
        }
    }
    return rules;
}

Result<PermissionAutomaton> parse_child(const std::string& child_text) {
    AA_ASSIGN(std::vector<FileRuleInfo> rules, child_rules(child_text));
    return PermissionAutomaton::build(std::move(rules));
}

// Whether two rules give the same paths the same access.
bool same_rule(const FileRuleInfo& a, const FileRuleInfo& b) {
    return a.deny == b.deny && a.audit == b.audit && a.owner == b.owner && a.bits == b.bits &&
           a.globs == b.globs;
}

// What the child's text allows each path (label: encode(pair)). The rules
// of the section outside the grant, when the text holds every one of them,
// come compiled with the bounds: the child allows the union of its allow
// rules minus the union of its deny rules, and that section holds allow
// rules only (prepare_bounds keeps it only then), so splitting the rules in
// two and combining the two automata gives the same answer on every path.
Result<Dfa> child_effective(const Bounds& bounds, const std::string& child_text, const DfaLimits& limits) {
    const PermissionLimits metered{GlobLimits{}, limits};
    AA_ASSIGN(std::vector<FileRuleInfo> rules, child_rules(child_text));
    const auto& known = bounds.outside_rules;
    const bool all_there = std::all_of(known.begin(), known.end(), [&](const FileRuleInfo& k) {
        return std::any_of(rules.begin(), rules.end(),
                           [&](const FileRuleInfo& r) { return same_rule(k, r); });
    });
    if (known.empty() || !all_there) {
        AA_ASSIGN(PermissionAutomaton child, PermissionAutomaton::build(std::move(rules), metered));
        return child.effective_dfa(limits);
    }
    std::erase_if(rules, [&](const FileRuleInfo& r) {
        return std::any_of(known.begin(), known.end(),
                           [&](const FileRuleInfo& k) { return same_rule(k, r); });
    });
    if (rules.empty()) return bounds.outside_dfa;
    AA_ASSIGN(PermissionAutomaton rest, PermissionAutomaton::build(std::move(rules), metered));
    AA_ASSIGN(const Dfa rest_dfa, minimize(map_labels(rest.dfa(),
                                                      [&](Label l) {
                                                          const MatchPerms& m = rest.label_perms(l);
                                                          return encode(m.allow) | (encode(m.deny) << 16U);
                                                      }),
                                           limits));
    AA_ASSIGN(Dfa both, product(
                            bounds.outside_dfa, rest_dfa,
                            [](Label o, Label r) {
                                return encode(minus(decode(o) | decode(r & 0xffffU), decode(r >> 16U)));
                            },
                            limits));
    return minimize(both, limits);
}

class Clipper {
public:
    Clipper(const CompiledGrant& grant, const ComposeOptions& options, std::vector<Finding>& findings)
        : grant_(grant), options_(options), findings_(findings) {}

    Status check(const FileRuleInfo& rule, const Dfa& paths) {
        const std::string& base = grant_.grant.base;
        AA_ASSIGN(std::optional<std::string> outside,
                  canonical_difference_witness(paths, grant_.region, options_.limits.dfa));
        if (outside) {
            if (rule.included) {
                auto& [count, example] = included_[rule.where.file];
                if (count++ == 0) example = printable(*outside);
            } else {
                report(rule.where,
                       "allows " + printable(*outside) + ", outside the grant for " + base + clipped());
            }
            return {};
        }
        const PermPair want = rule_pair(rule);
        AA_ASSIGN(std::optional<std::string> beyond,
                  canonical_witness(
                      paths, grant_.bound_dfa,
                      [&](Label in, Label g) { return in != 0 && !contains(decode(g & 0xffffU), want); },
                      options_.limits.dfa));
        if (const auto& p = beyond) {
            const PermPair granted = grant_.bound.perms(*p);
            const PermPair kept = granted & want;
            std::string message = "allows '" + rule_letters(want.owner | want.other) + "' on " +
                                  printable(*p) + ", beyond the grant for " + base + " there (" +
                                  format_pair(granted) + ")" +
                                  (options_.strict ? clipped() : "; clipped to " + format_pair(kept));
            if (rule.included) {
                auto& [count, example] = included_[rule.where.file];
                if (count++ == 0) example = printable(*p);
            } else {
                report(rule.where, std::move(message));
            }
        }
        return {};
    }

    void finish() {
        for (const auto& [file, entry] : included_) {
            findings_.push_back(Finding{Severity::Note, Location{file, 0, 0},
                                        std::to_string(entry.first) +
                                            " rule(s) of this abstraction reach beyond "
                                            "the grant for " +
                                            grant_.grant.base + " and are clipped (e.g. " + entry.second +
                                            ")"});
        }
    }

private:
    [[nodiscard]] std::string clipped() const {
        return options_.strict ? "; not allowed in strict mode" : "; clipped";
    }

    void report(const Location& where, const std::string& message) {
        findings_.push_back(
            Finding{options_.strict ? Severity::Error : Severity::Warning, where, to_valid_utf8(message)});
    }

    const CompiledGrant& grant_;
    const ComposeOptions& options_;
    std::vector<Finding>& findings_;
    std::map<std::string, std::pair<std::size_t, std::string>> included_;
};

}  // namespace

Status check_child(const BasePolicy& base, const CompiledGrant& grant, const std::string& child_text,
                   const Dfa& effective, const DfaLimits& limits) {
    AA_ASSIGN(PermissionAutomaton child, parse_child(child_text));
    AA_ASSIGN(Dfa kernel, product(
                              base.effective, child.effective_dfa(),
                              [](Label b, Label c) { return encode(decode(b) & decode(c)); }, limits));
    AA_ASSIGN(Dfa mismatch,
              product(
                  kernel, effective, [](Label k, Label e) { return static_cast<Label>(k != e); }, limits));
    AA_ASSIGN(Dfa canonical, canonical_part(mismatch, limits));
    if (auto p = shortest_witness(canonical, [](Label l) { return l != 0; })) {
        return child_failure("gives " + format_pair(decode(kernel.label_of(*p))) + " on " + printable(*p) +
                             " where the layer's policy is " + format_pair(decode(effective.label_of(*p))));
    }
    // Inside the region nothing beyond the grant; nowhere beyond the base.
    AA_ASSIGN(Dfa beyond, product(
                              effective, grant.bound_dfa,
                              [](Label e, Label g) {
                                  return static_cast<Label>((g & CompiledGrant::kInRegion) != 0 &&
                                                            !contains(decode(g & 0xffffU), decode(e)));
                              },
                              limits));
    if (auto p = shortest_witness(beyond, [](Label l) { return l != 0; }))
        return child_failure("exceeds the grant on " + printable(*p));
    AA_ASSIGN(
        Dfa over_base,
        product(
            effective, base.effective,
            [](Label e, Label b) { return static_cast<Label>(!contains(decode(b), decode(e))); }, limits));
    if (auto p = shortest_witness(over_base, [](Label l) { return l != 0; }))
        return child_failure("exceeds the base on " + printable(*p));
    return {};
}

namespace {

// The byte kinds a canonical path distinguishes after its first '/': the
// canonical automaton steps to "after '/'" on '/' (never twice in a row),
// to "after another byte" on anything but NUL.
struct ClassKinds {
    std::vector<bool> slash;  // the class holds '/'
    std::vector<bool> other;  // the class holds a byte that is neither NUL nor '/'
};

ClassKinds class_kinds(const Dfa& dfa) {
    ClassKinds k{std::vector<bool>(dfa.class_count), std::vector<bool>(dfa.class_count)};
    for (unsigned b = 1; b < 256; ++b) {
        if (b == '/') {
            k.slash[dfa.byte_class[b]] = true;
        } else {
            k.other[dfa.byte_class[b]] = true;
        }
    }
    return k;
}

struct BitsHash {
    std::size_t operator()(const std::vector<std::uint64_t>& v) const noexcept {
        std::uint64_t h = 1469598103934665603ULL;
        for (const auto x : v) {
            h ^= x;
            h *= 1099511628211ULL;
        }
        return static_cast<std::size_t>(h ^ (h >> 29U));
    }
};

// Bounds::reach: Tarjan's strongly connected components over (state,
// context), iteratively (paths are long), each component's set of cells
// finished once every component it leads to is.
void find_reach(Bounds& bounds) {
    const Dfa& dfa = bounds.product;
    const std::size_t k = dfa.class_count;
    const ClassKinds kinds = class_kinds(dfa);
    const std::size_t nodes = dfa.state_count() * 2;
    const std::size_t words = (bounds.cells.size() + 63) / 64;
    constexpr std::uint32_t kUnset = ~std::uint32_t{0};
    constexpr std::uint32_t kPending = kUnset - 1;
    // Node 2 * state + 0 is entered by '/', + 1 by another byte. Successors
    // without repeats (most classes lead to the same few states), in rows.
    std::vector<std::uint32_t> row(nodes + 1, 0);
    std::vector<std::uint32_t> succ;
    {
        std::vector<std::uint32_t> stamp(nodes, kUnset);
        for (std::uint32_t v = 0; v < nodes; ++v) {
            const std::size_t state = v / 2;
            for (std::size_t c = 0; c < k; ++c) {
                const std::uint32_t to = dfa.next[state * k + c] * 2;
                // '/' never follows '/' on a canonical path.
                if (kinds.slash[c] && v % 2 == 1 && stamp[to] != v) {
                    stamp[to] = v;
                    succ.push_back(to);
                }
                if (kinds.other[c] && stamp[to + 1] != v) {
                    stamp[to + 1] = v;
                    succ.push_back(to + 1);
                }
            }
            row[v + 1] = static_cast<std::uint32_t>(succ.size());
        }
    }
    std::vector<std::uint32_t> order(nodes, kUnset);
    std::vector<std::uint32_t> low(nodes, 0);
    std::vector<std::uint8_t> on_stack(nodes, 0);
    bounds.reach.assign(nodes, kUnset);
    std::vector<std::vector<std::uint64_t>> sets;
    std::unordered_map<std::vector<std::uint64_t>, std::uint32_t, BitsHash> set_ids;
    std::vector<std::uint32_t> stack;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> frames;  // node, next successor in succ
    std::vector<std::uint32_t> members;
    std::vector<std::uint64_t> bits(words);
    std::uint32_t counter = 0;
    auto enter = [&](std::uint32_t v) {
        order[v] = low[v] = counter++;
        stack.push_back(v);
        on_stack[v] = 1;
        frames.emplace_back(v, row[v]);
    };
    for (std::uint32_t root = 0; root < nodes; ++root) {
        if (order[root] != kUnset) continue;
        enter(root);
        while (!frames.empty()) {
            auto& [v, at] = frames.back();
            if (at < row[v + 1]) {
                const std::uint32_t w = succ[at++];
                if (order[w] == kUnset) {
                    enter(w);  // invalidates v and at
                } else if (on_stack[w] != 0) {
                    low[v] = std::min(low[v], order[w]);
                }
                continue;
            }
            const std::uint32_t done = v;
            frames.pop_back();
            if (!frames.empty()) low[frames.back().first] = std::min(low[frames.back().first], low[done]);
            if (low[done] != order[done]) continue;
            members.clear();
            std::uint32_t m = 0;
            do {
                m = stack.back();
                stack.pop_back();
                on_stack[m] = 0;
                bounds.reach[m] = kPending;
                members.push_back(m);
            } while (m != done);
            // Every component this one leads to is finished: Tarjan's order.
            std::fill(bits.begin(), bits.end(), 0);
            for (const auto member : members) {
                const Label cell = dfa.label[member / 2];
                bits[cell / 64] |= std::uint64_t{1} << (cell % 64);
                for (std::uint32_t i = row[member]; i < row[member + 1]; ++i) {
                    const std::uint32_t set = bounds.reach[succ[i]];
                    if (set == kPending) continue;
                    for (std::size_t word = 0; word < words; ++word)
                        bits[word] |= sets[set][word];
                }
            }
            auto it = set_ids.find(bits);
            if (it == set_ids.end()) {
                it = set_ids.emplace(bits, static_cast<std::uint32_t>(sets.size())).first;
                sets.push_back(bits);
            }
            for (const auto member : members)
                bounds.reach[member] = it->second;
        }
    }
    bounds.reach_sets.clear();
    for (const auto& set : sets) {
        std::vector<std::uint32_t> cells;
        for (std::uint32_t c = 0; c < bounds.cells.size(); ++c) {
            if ((set[c / 64] >> (c % 64) & 1U) != 0) cells.push_back(c);
        }
        bounds.reach_sets.push_back(std::move(cells));
    }
}

}  // namespace

Result<std::shared_ptr<const Bounds>> prepare_bounds(std::shared_ptr<const BasePolicy> base,
                                                     std::shared_ptr<const CompiledGrant> grant,
                                                     const DfaLimits& limits) {
    auto out = std::make_shared<Bounds>();
    std::unordered_map<std::uint64_t, Label> ids;
    AA_ASSIGN(Dfa product_dfa,
              product(
                  base->effective, grant->bound_dfa,
                  [&](Label b, Label g) {
                      const std::uint64_t key = (static_cast<std::uint64_t>(b) << 32U) | g;
                      auto [it, inserted] = ids.emplace(key, static_cast<Label>(out->cells.size()));
                      if (inserted) {
                          out->cells.push_back(Bounds::Cell{decode(b), decode(g & 0xffffU),
                                                            (g & CompiledGrant::kInRegion) != 0});
                      }
                      return it->second;
                  },
                  limits));
    out->product = minimize(product_dfa);
    find_reach(*out);
    {
        // The child of a layer without rules holds only the outside section.
        const LayerId id{0, "outside"};
        const ComposeOptions options;
        const ChildProfileBuilder empty(*base, *grant, id, options);
        auto rules = child_rules(empty.text());
        // child_effective's split is exact only for allow rules: a deny in
        // this section would also take from the other rules' allows.
        const bool allows_only =
            rules && std::none_of(rules->begin(), rules->end(), [](const FileRuleInfo& r) { return r.deny; });
        if (allows_only) {
            auto compiled = PermissionAutomaton::build(*rules);
            if (compiled) {
                out->outside_rules = std::move(*rules);
                out->outside_dfa = compiled->effective_dfa();
            }
        }
    }
    out->base = std::move(base);
    out->grant = std::move(grant);
    return std::shared_ptr<const Bounds>(std::move(out));
}

namespace {

// The formula on one path's cells: SPEC 3.
PermPair formula(const Bounds::Cell& cell, Label layer) {
    PermPair e = cell.base;
    if (cell.in_region) e = e & cell.grant & decode(layer & 0xffffU);
    return minus(e, decode(layer >> 16U));
}

constexpr Label kMismatch = 1U << 30U;  // base ∩ child differs from the formula
constexpr Label kExceeds = 1U << 29U;   // the formula's answer exceeds the base or the grant

// What the proof asks of one path: base ∩ child is the formula, and the
// formula exceeds neither the base nor, in the region, the grant.
bool holds(const Bounds::Cell& cell, Label layer, Label child) {
    const PermPair e = formula(cell, layer);
    return (cell.base & decode(child)) == e && contains(cell.base, e) &&
           (!cell.in_region || contains(cell.grant, e));
}

// The proof's search: every canonical path, as a walk over (base-and-grant
// state, layer-and-child state, canonical context), checking `holds` at
// each. The walk stops where the layer and child are in a state no byte
// leaves: from there every path meets the same layer and child labels, and
// the cells ahead (Bounds::reach) are checked as a set, once per set and
// state. True when no path fails; the failing path itself is found by the
// full product (see prove_child), which is only ever built on a failure.
Result<bool> proved_by_walk(const Bounds& bounds, const Dfa& lc,
                            const std::vector<std::pair<Label, Label>>& pairs, const DfaLimits& limits) {
    const Dfa& bp = bounds.product;
    // Stuck: every byte a canonical path can hold (any but NUL) stays in the
    // state. Globs' `**` stops at NUL, so "every byte" would find almost none.
    std::vector<bool> path_class(lc.class_count, false);
    for (unsigned byte = 1; byte < 256; ++byte)
        path_class[lc.byte_class[byte]] = true;
    std::vector<bool> stuck(lc.state_count(), true);
    for (std::size_t y = 0; y < lc.state_count(); ++y) {
        for (std::size_t c = 0; c < lc.class_count && stuck[y]; ++c)
            stuck[y] = !path_class[c] || lc.next[y * lc.class_count + c] == y;
    }
    // Joint classes of the two automata over the bytes of canonical paths.
    struct Step {
        std::uint16_t b;
        std::uint16_t l;
        bool slash;
    };
    std::vector<Step> steps;
    {
        std::vector<bool> seen(static_cast<std::size_t>(bp.class_count) * lc.class_count * 2, false);
        for (unsigned byte = 1; byte < 256; ++byte) {
            const Step s{bp.byte_class[byte], lc.byte_class[byte], byte == '/'};
            const std::size_t key =
                (static_cast<std::size_t>(s.b) * lc.class_count + s.l) * 2 + (s.slash ? 1 : 0);
            if (seen[key]) continue;
            seen[key] = true;
            steps.push_back(s);
        }
    }
    // Context 0: no byte yet; 1: after '/'; 2: after another byte.
    PairMap visited(bp.state_count());
    PairMap checked(64);  // (reach set, layer-and-child state) already checked
    std::vector<std::tuple<StateId, StateId, std::uint32_t>> todo;
    auto visit = [&](StateId x, StateId y, std::uint32_t z) {
        if (visited.emplace(x, y * 3 + z, 0).second) todo.emplace_back(x, y, z);
    };
    visit(bp.start, lc.start, 0);
    while (!todo.empty()) {
        if (visited.size() > 2 * limits.max_states) {
            return make_error(ErrorKind::Limit, Location{},
                              "pattern set is too complex: its automaton needs more than " +
                                  std::to_string(limits.max_states) + " states");
        }
        const auto [x, y, z] = todo.back();
        todo.pop_back();
        if (!charge(limits.work, steps.size())) return work_exhausted(Location{}, *limits.work);
        const auto [l, c] = pairs[lc.label[y]];
        if (z != 0 && !holds(bounds.cells[bp.label[x]], l, c)) return false;
        if (z != 0 && stuck[y]) {
            const std::uint32_t set = bounds.reach[2 * x + (z - 1)];
            if (!checked.emplace(set, y, 0).second) continue;
            if (!charge(limits.work, bounds.reach_sets[set].size())) {
                return work_exhausted(Location{}, *limits.work);
            }
            for (const auto cell : bounds.reach_sets[set])
                if (!holds(bounds.cells[cell], l, c)) return false;
            continue;
        }
        for (const auto& s : steps) {
            // Canonical paths start with '/' and never have two in a row.
            if (s.slash ? z == 1 : z == 0) continue;
            visit(bp.next[static_cast<std::size_t>(x) * bp.class_count + s.b],
                  lc.next[static_cast<std::size_t>(y) * lc.class_count + s.l], s.slash ? 1 : 2);
        }
    }
    return true;
}

// The proof: for every path, the formula's answer from base, grant and
// layer, against the kernel's answer from base and the child as its text
// parses back.
Status prove_child(const Bounds& bounds, const Dfa& layer, const std::string& child_text,
                   const DfaLimits& limits) {
    AA_ASSIGN(Dfa child, child_effective(bounds, child_text, limits));
    std::vector<std::pair<Label, Label>> pairs;
    std::unordered_map<std::uint64_t, Label> ids;
    AA_ASSIGN(Dfa layer_child, product(
                                   layer, child,
                                   [&](Label l, Label c) {
                                       const std::uint64_t key = (static_cast<std::uint64_t>(l) << 32U) | c;
                                       auto [it, inserted] =
                                           ids.emplace(key, static_cast<Label>(pairs.size()));
                                       if (inserted) pairs.emplace_back(l, c);
                                       return it->second;
                                   },
                                   limits));
    AA_ASSIGN(const Dfa lc, minimize(layer_child, limits));
    AA_ASSIGN(bool proved, proved_by_walk(bounds, lc, pairs, limits));
    if (proved) return {};
    // A path fails: the effective policy and the flags as one product, for
    // the shortest such path.
    AA_ASSIGN(Dfa joint,
              product(
                  bounds.product, lc,
                  [&](Label x, Label y) {
                      const Bounds::Cell& cell = bounds.cells[x];
                      const auto [l, c] = pairs[y];
                      const PermPair e = formula(cell, l);
                      Label out = encode(e);
                      if ((cell.base & decode(c)) != e) out |= kMismatch;
                      if (!contains(cell.base, e) || (cell.in_region && !contains(cell.grant, e))) {
                          out |= kExceeds;
                      }
                      return out;
                  },
                  limits));
    AA_ASSIGN(Dfa flagged,
              product(
                  joint, canonical_paths(),
                  [](Label j, Label c) { return c == 0 ? Label{0} : j & (kMismatch | kExceeds); }, limits));
    AA_ASSIGN(const std::optional<std::string> failing, shortest_witness(
                                                            flagged, [](Label l) { return l != 0; }, limits));
    if (const auto& p = failing) {
        const Label j = joint.label_of(*p);
        if ((j & kExceeds) != 0)
            return child_failure("computed " + format_pair(decode(j & 0xffffU)) + " on " + printable(*p) +
                                 ", beyond the base or the grant");
        return child_failure("gives a different answer from the layer's policy on " + printable(*p) +
                             " (the policy is " + format_pair(decode(j & 0xffffU)) + ")");
    }
    // The walk and the product disagree: a fault of the engine, so the child is not trusted.
    return child_failure("could not be proved (the two checks disagree)");
}

}  // namespace

Result<Composition> compose(std::shared_ptr<const BasePolicy> base,
                            std::shared_ptr<const CompiledGrant> grant, const LayerRules& layer,
                            const LayerId& id, const ComposeOptions& options) {
    AA_ASSIGN(std::shared_ptr<const Bounds> bounds,
              prepare_bounds(std::move(base), std::move(grant), options.limits.dfa));
    return compose(std::move(bounds), layer, id, options);
}

Result<Composition> compose(std::shared_ptr<const Bounds> bounds, const LayerRules& layer, const LayerId& id,
                            const ComposeOptions& options) {
    Composition out;
    out.findings = layer.findings;
    if (!out.valid()) return out;
    if (auto st = validate_layer_name(id.name); !st) {
        out.findings.push_back(to_finding(st.error()));
        return out;
    }
    // One budget of steps for every construction below (the automata, the
    // clipping witnesses, the child's globs, the proof), so that no layer,
    // however small its automata, costs more CPU than the service allows.
    WorkMeter meter(layer.max_work);
    ComposeOptions metered = options;
    metered.limits.dfa.work = &meter;
    const DfaLimits& limits = metered.limits.dfa;
    std::vector<std::uint64_t> cost(layer.files.size(), 0);  // steps spent on each rule on its own

    auto built = PermissionAutomaton::build(layer.files, metered.limits);
    if (!built) {
        if (meter.exhausted()) return too_much_work(layer, locate_costliest(layer, options), meter);
        out.findings.push_back(to_finding(locate_budget_error(built.error(), layer, options)));
        return out;
    }
    const PermissionAutomaton& files = *built;
    const BasePolicy& base = *bounds->base;
    const CompiledGrant& grant = *bounds->grant;

    // Each allow rule alone: what it loses to the grant, and its share of the child.
    ChildProfileBuilder child(base, grant, id, metered);
    Clipper clipper(grant, metered, out.findings);
    for (std::size_t i = 0; i < layer.files.size(); ++i) {
        const auto& rule = layer.files[i];
        if (rule.deny) {
            child.add_deny(rule);
            continue;
        }
        const std::uint64_t before = meter.used();
        auto compiled = compile_globs(rule.globs, rule.where, options.limits.glob, limits);
        Result<Dfa> paths = compiled ? canonical_part(*compiled, limits) : Result<Dfa>(compiled.error());
        Status clip = paths ? clipper.check(rule, *paths) : Status(paths.error());
        Status added = clip && paths ? child.add_allow(rule, *paths) : Status();
        cost[i] += meter.used() - before;
        if (meter.exhausted()) return too_much_work(layer, costliest_rule(cost), meter);
        if (!compiled) {
            out.findings.push_back(to_finding(compiled.error()));
            continue;
        }
        if (!paths) return paths.take_error();
        if (!clip) return clip.take_error();
        if (!added) out.findings.push_back(to_finding(added.error()));
    }
    clipper.finish();
    out.work = meter.used();
    if (!out.valid()) return out;
    child.add_other_rules(layer);
    out.child_text = child.text();
    auto layer_dfa =
        minimize(map_labels(files.dfa(), [&](Label l) { return layer_label(files.label_perms(l)); }), limits);
    Status proved =
        layer_dfa ? prove_child(*bounds, *layer_dfa, out.child_text, limits) : Status(layer_dfa.error());
    if (meter.exhausted()) return too_much_work(layer, costliest_rule(cost), meter);
    if (!proved) return proved.take_error();
    out.layer_dfa_ = std::move(*layer_dfa);
    out.work = meter.used();
    out.bounds_ = std::move(bounds);
    out.layer_ = std::move(*built);
    return out;
}

PermPair Composition::perms(std::string_view path) const {
    if (!bounds_ || !layer_) return {};
    const Label g = bounds_->grant->bound_dfa.label_of(path);
    const Bounds::Cell cell{bounds_->base->files.perms(path), decode(g & 0xffffU),
                            (g & CompiledGrant::kInRegion) != 0};
    return formula(cell, layer_dfa_.label_of(path));
}

Status Composition::prove(const std::string& text, const DfaLimits& limits) const {
    if (!bounds_) return child_failure("has no composition to be checked against");
    return prove_child(*bounds_, layer_dfa_, text, limits);
}

Result<Dfa> Composition::effective_dfa(const DfaLimits& limits) const {
    if (!bounds_) return Dfa::empty();
    AA_ASSIGN(Dfa joint,
              product(
                  bounds_->product, layer_dfa_,
                  [&](Label x, Label l) { return encode(formula(bounds_->cells[x], l)); }, limits));
    return minimize(joint, limits);
}

Explanation Composition::explain(std::string_view path) const {
    Explanation e;
    e.path = printable(path);
    e.perms = perms(path);
    if (!bounds_ || !layer_) return e;
    const auto& base_ = bounds_->base;
    const auto& grant_ = bounds_->grant;
    e.in_grant = !grant_->bound.rules_for(path).empty();
    for (const auto* r : base_->files.rules_for(path))
        e.reasons.push_back(Reason{"base", r->where, to_valid_utf8(r->text)});
    if (e.in_grant) {
        for (const auto* r : grant_->bound.rules_for(path))
            e.reasons.push_back(Reason{"grant", r->where, to_valid_utf8(r->text)});
    } else {
        e.reasons.push_back(Reason{"grant", grant_->grant.where,
                                   "outside the grant for " + grant_->grant.base + ": the base decides"});
    }
    for (const auto* r : layer_->rules_for(path)) {
        if (r->deny || e.in_grant) e.reasons.push_back(Reason{"layer", r->where, to_valid_utf8(r->text)});
    }
    return e;
}

Result<std::vector<Difference>> diff(const Composition& a, const Composition& b, std::size_t max_regions,
                                     const DfaLimits& limits) {
    AA_ASSIGN(Dfa ea, a.effective_dfa(limits));
    AA_ASSIGN(Dfa eb, b.effective_dfa(limits));
    AA_ASSIGN(Dfa joint,
              product(
                  ea, eb, [](Label x, Label y) { return x == y ? Label{0} : x | (y << 16U); }, limits));
    AA_ASSIGN(const Dfa both, minimize(joint, limits));
    std::set<Label> labels(both.label.begin(), both.label.end());
    labels.erase(0);
    std::vector<Difference> out;
    for (const Label l : labels) {
        AA_ASSIGN(Dfa only,
                  product(
                      both, canonical_paths(),
                      [&](Label x, Label c) { return static_cast<Label>(x == l && c != 0); }, limits));
        AA_ASSIGN(const std::optional<std::string> example,
                  shortest_witness(
                      only, [](Label v) { return v != 0; }, limits));
        if (const auto& p = example) {
            out.push_back(Difference{printable(*p), decode(l & 0xffffU), decode(l >> 16U)});
        }
        if (out.size() >= max_regions) break;
    }
    std::sort(out.begin(), out.end(), [](const Difference& x, const Difference& y) {
        return x.example.size() != y.example.size() ? x.example.size() < y.example.size()
                                                    : x.example < y.example;
    });
    return out;
}

}  // namespace aalayer::policy
