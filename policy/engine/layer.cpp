#include "policy/engine/layer.h"

#include <algorithm>

#include "policy/common/utf8.h"
#include "policy/engine/profile_walk.h"
#include "policy/syntax/emitter.h"
#include "policy/syntax/parser.h"
#include "policy/syntax/permissions.h"

namespace aalayer::policy {

const RuleClassInfo* rule_class_of(const Node& node) {
    if (std::holds_alternative<CapabilityRule>(node)) return rule_class_info("capability");
    if (const auto* m = std::get_if<MediationRule>(&node)) return &rule_class_info(m->cls);
    if (std::holds_alternative<ChangeProfileRule>(node)) return rule_class_info("change_profile");
    return nullptr;
}

namespace {

const Qualifiers& qualifiers_of(const Node& node) {
    static const Qualifiers none;
    return std::visit(
        [](const auto& n) -> const Qualifiers& {
            using T = std::decay_t<decltype(n)>;
            if constexpr (requires { n.qualifiers; }) {
                return n.qualifiers;
            } else if constexpr (std::is_same_v<T, Box<QualifierBlock>>) {
                return n->qualifiers;
            } else {
                return none;
            }
        },
        node);
}

bool mentions_variable(const Item& item) {
    bool found = false;
    for_each_word(std::vector<Item>{item}, [&](const Word& w, const Location&) {
        if (w.text.find("@{") != std::string::npos) found = true;
    });
    return found;
}

// A path segment that is "." or "..", however the glob spells it: escaped
// dots, one-dot classes and alternatives count, so /{..,tmp} is caught too.
bool unsafe_segment(std::string_view glob) {
    std::string plain;  // '.' for dots, '/' for segment edges (incl. { , }), 'x' otherwise
    for (std::size_t i = 0; i < glob.size(); ++i) {
        const char c = glob[i];
        if (c == '\\' && i + 1 < glob.size()) {
            plain += glob[++i] == '.' ? '.' : 'x';
        } else if (c == '[' && glob.substr(i, 3) == "[.]") {
            plain += '.';
            i += 2;
        } else if (c == '/' || c == '{' || c == ',' || c == '}') {
            plain += '/';
        } else {
            plain += c == '.' ? '.' : 'x';
        }
    }
    plain += '/';
    for (std::size_t i = 0; i + 1 < plain.size(); ++i) {
        if (plain[i] != '/') continue;
        if (plain.compare(i, 3, "/./") == 0 || plain.compare(i, 4, "/../") == 0) return true;
    }
    return false;
}

std::size_t alternation_depth(std::string_view glob) {
    std::size_t depth = 0;
    std::size_t max = 0;
    for (std::size_t i = 0; i < glob.size(); ++i) {
        if (glob[i] == '\\') {
            ++i;
        } else if (glob[i] == '{') {
            max = std::max(max, ++depth);
        } else if (glob[i] == '}' && depth > 0) {
            --depth;
        }
    }
    return max;
}

class LayerReader {
public:
    LayerReader(const Loader& loader, const LayerLimits& limits, LayerRules& out)
        : loader_(loader), limits_(limits), out_(out) {}

    void error(const Location& where, const std::string& message) {
        // Messages quote the user's text; what leaves the engine is UTF-8.
        out_.findings.push_back(Finding{Severity::Error, where, to_valid_utf8(message)});
    }
    void note(const Location& where, const std::string& message) {
        out_.findings.push_back(Finding{Severity::Note, where, to_valid_utf8(message)});
    }

    // The user's own text: every item is checked before any include is read.
    // `outer`: the qualifiers of the blocks around the items (a `deny { … }` block denies its rules).
    void check_text(const std::vector<Item>& items, std::size_t depth, const Qualifiers& outer) {
        for (const auto& item : items) {
            const Node& node = item.node;
            if (const auto* inc = std::get_if<Include>(&node)) {
                check_include(*inc, item.where);
                continue;
            }
            if (std::holds_alternative<Box<Conditional>>(node)) {
                // A layer defines no booleans; the tunables' are the admin's to test in bases.
                error(item.where, "'if' blocks are not allowed in a layer");
                continue;
            }
            if (const auto* block = std::get_if<Box<QualifierBlock>>(&node)) {
                if (depth + 1 > limits_.max_depth) {
                    error(item.where,
                          "blocks nested more than " + std::to_string(limits_.max_depth) + " deep");
                    continue;
                }
                if ((*block)->qualifiers.priority) error(item.where, "'priority' is not supported in layers");
                check_text((*block)->items, depth + 1, merge_qualifiers(outer, (*block)->qualifiers));
                continue;
            }
            if (++rules_ == limits_.max_rules + 1) {
                error(item.where, "more than " + std::to_string(limits_.max_rules) + " rules in one layer");
            }
            check_rule(item, outer);
        }
    }

    void check_include(const Include& inc, const Location& where) {
        const std::string& path = inc.path.text;
        const bool abstraction = inc.magic && path.starts_with("abstractions/") && path.size() > 13 &&
                                 path.find("..") == std::string::npos && path.find("@{") == std::string::npos;
        if (!abstraction) {
            error(where,
                  "a layer may only include the system's abstractions, as 'include <abstractions/NAME>'");
        }
    }

    void check_rule(const Item& item, const Qualifiers& outer) {
        const Node& node = item.node;
        const Qualifiers q = merge_qualifiers(outer, qualifiers_of(node));
        if (q.priority) {
            error(item.where, "'priority' is not supported in layers");
            return;
        }
        if (q.owner != OwnerMode::Any && !std::holds_alternative<FileRule>(node) &&
            !std::holds_alternative<LinkRule>(node)) {
            // apparmor_parser refuses the qualifier on these rules, and drops them
            // silently inside an owner block: neither can go into the child.
            error(item.where, "'owner' and 'other' apply only to file rules");
            return;
        }
        const bool deny = q.is_deny();
        std::visit(
            [&](const auto& n) {
                using T = std::decay_t<decltype(n)>;
                if constexpr (std::is_same_v<T, FileRule>) {
                    check_file_rule(item, n, deny);
                } else if constexpr (std::is_same_v<T, LinkRule>) {
                    if (!deny)
                        error(item.where, "link rules are not allowed in a layer; use the 'l' permission");
                } else if constexpr (std::is_same_v<T, Abi>) {
                    error(item.where,
                          "a layer cannot set the abi: the service compiles it against the system's");
                } else if constexpr (std::is_same_v<T, VariableDefinition> ||
                                     std::is_same_v<T, BooleanDefinition>) {
                    error(item.where,
                          "a layer cannot define variables; @{HOME}, @{USER}, @{UID} and the system tunables "
                          "are available");
                } else if constexpr (std::is_same_v<T, Alias>) {
                    error(item.where, "'alias' is not allowed in a layer");
                } else if constexpr (std::is_same_v<T, Box<Profile>>) {
                    error(item.where, std::string(n->hat ? "hats" : "profiles") +
                                          " cannot be declared in a layer: the layer text is the body of its "
                                          "own child profile");
                } else if constexpr (std::is_same_v<T, ChangeProfileRule>) {
                    if (!deny)
                        error(item.where,
                              "change_profile is not allowed in a layer (only 'deny change_profile')");
                } else if constexpr (std::is_same_v<T, AllRule>) {
                    error(item.where, "'all' rules are not supported by the system's AppArmor");
                } else if constexpr (std::is_same_v<T, UnknownRule>) {
                    error(item.where, "unknown rule '" + n.keyword + "'");
                } else if constexpr (std::is_same_v<T, MediationRule>) {
                    check_mediation(item, n, deny);
                } else if constexpr (std::is_same_v<T, RlimitRule>) {
                    if (deny) error(item.where, "rlimit rules cannot be denied");
                } else if constexpr (std::is_same_v<T, GrantExclusion>) {
                    // The parser refuses `exclude` outside grant files; a layer read as one still must not
                    // hold it.
                    error(item.where, "'exclude' belongs in the admin's grant files");
                } else {
                    static_assert(std::is_same_v<T, CapabilityRule> || std::is_same_v<T, Include> ||
                                  std::is_same_v<T, Box<QualifierBlock>> ||
                                  std::is_same_v<T, Box<Conditional>>);
                }
            },
            node);
        check_words(item);
        // File and link rules are expanded (paths); other classes' words are not.
        if (!std::holds_alternative<FileRule>(node) && !std::holds_alternative<LinkRule>(node) &&
            mentions_variable(item)) {
            error(item.where, "variables are only supported in file rules of a layer");
        }
    }

    // Every word of every rule class goes into the child as written, so it
    // must read back the same, to us and to apparmor_parser.
    void check_words(const Item& item) {
        bool control = false;
        bool backslash = false;
        for_each_word(std::vector<Item>{item}, [&](const Word& w, const Location&) {
            control = control || has_control_byte(w.text);
            // apparmor_parser's lexer reads `\\ `, `\\,` and `\\)` as an escaped
            // separator and runs on where we end the word.
            backslash = backslash || (!w.quoted && w.text.ends_with('\\'));
        });
        if (control) {
            error(item.where,
                  "a word has a control character (tab, newline, ...); it cannot be written into "
                  "the child profile");
        }
        if (backslash) {
            error(item.where,
                  "a word ends in '\\', which apparmor_parser reads as escaping what follows; "
                  "quote the word");
        }
    }

    void check_mediation(const Item& item, const MediationRule& rule, bool deny) {
        const RuleClassInfo& cls = rule_class_info(rule.cls);
        if (!limits_.abi.enforces(cls)) {
            error(item.where, std::string(cls.keyword) + " rules are not supported by the system's AppArmor");
        } else if (!cls.layer_may_allow && !deny) {
            error(item.where, std::string(cls.keyword) + " can only be denied in a layer");
        }
    }

    void check_file_rule(const Item& item, const FileRule& rule, bool deny) {
        if (rule.target) {
            error(item.where, "'-> target' is not allowed in a layer: layers cannot choose exec targets");
        }
        if (!deny && rule.perms.exec != ExecMode::None && rule.perms.exec != ExecMode::Inherit) {
            error(item.where,
                  "exec transition '" + std::string(exec_mode_spelling(rule.perms.exec)) +
                      "' is not allowed in a layer; use 'ix' (the base makes its own transitions)");
        }
        if (rule.path) {
            if (alternation_depth(rule.path->text) > limits_.max_alternation) {
                error(item.where,
                      "pattern nests '{' more than " + std::to_string(limits_.max_alternation) + " deep");
            }
            if (rule.path->text.size() > limits_.max_pattern_bytes) {
                error(item.where,
                      "pattern is longer than " + std::to_string(limits_.max_pattern_bytes) + " bytes");
            }
        }
    }

    // Every rule, the abstractions' included: collected for composition.
    Status collect(const LoadedPolicy& policy) {
        return walk_profile(loader_, policy, policy.root_document().items,
                            [&](const WalkedItem& w) -> Status {
                                collect_one(w, policy.variables);
                                return {};
                            });
    }

    void collect_one(const WalkedItem& w, const VariableTable& vars) {
        const Node& node = w.item.node;
        if (std::holds_alternative<FileRule>(node) || std::holds_alternative<LinkRule>(node)) {
            collect_file_rule(w, vars);
            return;
        }
        collect_other_rule(w);
    }

    // A file or link rule, flattened, into out_.files when a layer can use it.
    void collect_file_rule(const WalkedItem& w, const VariableTable& vars) {
        const Node& node = w.item.node;
        auto info = file_rule_info(w.item, w.outer, vars);
        if (!info) {
            error(info.error().where, info.error().message);
            return;
        }
        if (!info->has_value()) return;
        FileRuleInfo rule = std::move(**info);
        rule.included = w.included;
        if (rule.globs.size() > limits_.max_expansions) {
            error(rule.where,
                  "pattern expands to more than " + std::to_string(limits_.max_expansions) + " paths");
            return;
        }
        if (rule.nul_escape) {
            // apparmor_parser compiles a NUL escape into the rule, where the
            // kernel uses NUL to join a link's two paths: no file has one.
            skip_or_refuse(w, rule.where, "a path with an escape that stands for NUL",
                           "path has an escape that stands for NUL ('\\000', '\\x00', '\\d0'); "
                           "no file name holds one");
            return;
        }
        for (const auto& glob : rule.globs) {
            if (glob.empty() || glob.front() != '/') {
                skip_or_refuse(w, rule.where, "path '" + printable(glob) + "' is not absolute",
                               "path '" + printable(glob) + "' is not absolute (it must start with '/')");
                return;
            }
            if (has_control_byte(glob)) {
                // Checked on the decoded path: `\t` and `\x0b` are control bytes too.
                // They have no business in a file name a layer decides about.
                skip_or_refuse(
                    w, rule.where, "a path with a control character",
                    "path has a control character (newline, tab, ..., written or as an escape such "
                    "as '\\t' or '\\x0b'); layers cannot name such files");
                return;
            }
            if (!w.included && unsafe_segment(glob)) {
                error(rule.where,
                      "path '" + printable(glob) + "' has a '.' or '..' segment; write the path it means");
                return;
            }
        }
        if (std::holds_alternative<LinkRule>(node) && !w.included) {
            note(rule.where, "a denied link rule is applied as 'deny PATH l' (linking to any target)");
        }
        if (std::holds_alternative<LinkRule>(node) && !rule.deny)
            return;  // abstraction links: not for layers
        out_.files.push_back(std::move(rule));
    }

    // A path no file has: skipped with a note in an abstraction, an error in the layer's own text.
    void skip_or_refuse(const WalkedItem& w, const Location& where, const std::string& skipped,
                        const std::string& refused) {
        if (w.included) {
            note(where, "skipped: " + skipped);
        } else {
            error(where, refused);
        }
    }

    // A rule of another class, into out_.deny_rules or out_.allow_rules.
    void collect_other_rule(const WalkedItem& w) {
        const Node& node = w.item.node;
        Qualifiers q = merge_qualifiers(w.outer, qualifiers_of(node));
        const RuleClassInfo* info = rule_class_of(node);
        const std::string cls = info != nullptr ? std::string(info->keyword) : std::string();
        const bool rlimit = std::holds_alternative<RlimitRule>(node);
        if (info == nullptr && !rlimit) {
            // Definitions, abi and aliases of abstractions mean nothing for a layer's rules.
            const bool silent = std::holds_alternative<VariableDefinition>(node) ||
                                std::holds_alternative<BooleanDefinition>(node) ||
                                std::holds_alternative<Abi>(node) || std::holds_alternative<Alias>(node);
            if (w.included && !silent) note(w.item.where, "skipped in a layer: " + emit_rule(node));
            return;
        }
        if (w.included) {
            // The abstraction's own allows of classes a layer cannot allow are dropped (tighter).
            const bool allowable = info == nullptr || info->layer_may_allow;  // rlimits: no class
            if ((!q.is_deny() && !allowable) || mentions_variable(w.item)) {
                if (q.is_deny()) {
                    error(w.item.where,
                          "cannot apply this deny rule of an abstraction in a layer: " + emit_rule(node));
                } else {
                    note(w.item.where, "skipped in a layer: " + emit_rule(node));
                }
                return;
            }
        }
        Item flat = w.item;
        std::visit(
            [&](auto& n) {
                if constexpr (requires { n.qualifiers; }) n.qualifiers = q;
            },
            flat.node);
        if (q.is_deny()) {
            out_.deny_rules.push_back(std::move(flat));
        } else {
            if (!cls.empty() && out_.allow_classes.insert(cls).second && w.included) {
                note(w.item.where, "this abstraction allows " + cls + " rules, so " + cls +
                                       " becomes an allow-list in this layer: only the " + cls +
                                       " rules the layer and its abstractions allow remain");
            }
            out_.allow_rules.push_back(std::move(flat));
        }
    }

private:
    const Loader& loader_;
    const LayerLimits& limits_;
    LayerRules& out_;
    std::size_t rules_ = 0;
};

}  // namespace

LayerRules read_layer(const Loader& loader, std::string_view text, const std::string& source,
                      const LayerLimits& limits) {
    LayerRules out;
    out.source = source;
    out.max_work = limits.max_compose_work;
    out.abi = limits.abi;
    LayerReader reader(loader, limits, out);
    if (text.size() > limits.max_text_bytes) {
        reader.error(Location{source, 1, 1},
                     "layer text is larger than " + std::to_string(limits.max_text_bytes) + " bytes");
        return out;
    }
    // Control characters other than line ends and tabs mean nothing in
    // policy text, and in a word they would reach the child: \v and \f do
    // not even end a word.
    std::uint32_t line = 1;
    std::uint32_t column = 1;
    for (const char ch : text) {
        const auto u = static_cast<unsigned char>(ch);
        if ((u < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') || u == 0x7f) {
            reader.error(Location{source, line, column},
                         "control character " + printable(std::string_view(&ch, 1)) + " in layer text");
            return out;
        }
        if (ch == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    ParseLimits parse_limits = loader.options().limits;
    parse_limits.max_bytes = limits.max_text_bytes;
    parse_limits.max_depth = limits.max_depth + 1;
    auto parsed = parse_document(text, source, parse_limits);
    if (!parsed) {
        out.findings.push_back(to_finding(parsed.error()));
        return out;
    }
    reader.check_text(parsed->document.items, 0, Qualifiers{});
    if (has_errors(out.findings)) return out;
    auto loaded = loader.load_text(text, source);
    if (!loaded) {
        out.findings.push_back(to_finding(loaded.error()));
        return out;
    }
    for (const auto& n : loaded->notes)
        reader.note(n.where, n.message);
    if (auto st = reader.collect(*loaded); !st) out.findings.push_back(to_finding(st.error()));
    return out;
}

}  // namespace aalayer::policy
