#include "policy/engine/child_profile.h"

#include "policy/common/utf8.h"
#include "policy/syntax/emitter.h"

namespace aalayer::policy {

namespace {

void put_hex_escape(std::string& out, unsigned char c) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
}

}  // namespace

// The glob is decoded (file_rule_info) or rendered (render_globs): its
// metacharacters are escaped, anything else is the byte itself. Written so
// that apparmor_parser and our parser decode the same bytes from it, and so
// that no control byte or stray non-UTF-8 byte reaches the child's text.
Word glob_word(const std::string& glob) {
    Word w;
    for (std::size_t i = 0; i < glob.size();) {
        const auto c = static_cast<unsigned char>(glob[i]);
        if (c == '\\' && i + 1 < glob.size()) {
            const auto next = static_cast<unsigned char>(glob[i + 1]);
            if (next < 0x20 || next >= 0x7f) {
                // `\<byte>` is that byte; \xNN says the same in printable text.
                put_hex_escape(w.text, next);
            } else {
                // A quoted metacharacter, a quote, or the start of a NUL escape
                // whose digits follow as they are.
                w.text += glob.substr(i, 2);
                if (next == '"') w.quoted = true;
            }
            i += 2;
            continue;
        }
        if (c < 0x20 || c == 0x7f) {
            put_hex_escape(w.text, c);
            ++i;
            continue;
        }
        if (c >= 0x80) {
            const std::size_t n = utf8_char_length(std::string_view(glob).substr(i));
            if (n == 0) {
                put_hex_escape(w.text, c);
                ++i;
            } else {
                w.text.append(glob, i, n);
                w.quoted = true;
                i += n;
            }
            continue;
        }
        if (c == ' ' || c == '#' || c == '"' || c == '!' || c == '(' || c == ')' || c == '=' || c == '<' ||
            c == '>') {
            w.quoted = true;
        }
        if (c == '"') {
            w.text += "\\\"";  // a bare quote would end the word
        } else {
            w.text += static_cast<char>(c);
        }
        ++i;
    }
    // apparmor_parser's lexer reads `\\ ` as a backslash and an escaped
    // space, so a bare word ending in an escaped backslash would run on
    // into the permissions; inside quotes it ends where ours does.
    if (w.text.ends_with("\\\\")) w.quoted = true;
    return w;
}

FilePerms child_file_perms(PermBits bits, bool deny) {
    FilePerms p;
    if ((bits & perm::kRead) != 0) p.bits |= FilePerms::Read;
    if ((bits & perm::kWrite) != 0) {
        p.bits |= FilePerms::Write;
    } else if ((bits & perm::kAppend) != 0) {
        p.bits |= FilePerms::Append;
    }
    if ((bits & perm::kLink) != 0) p.bits |= FilePerms::Link;
    if ((bits & perm::kLock) != 0) p.bits |= FilePerms::Lock;
    if ((bits & perm::kMmap) != 0) p.bits |= FilePerms::Mmap;
    if ((bits & perm::kExec) != 0) p.exec = deny ? ExecMode::Plain : ExecMode::Inherit;
    return p;
}

namespace {

// Path-mediation flags of the base that the child must share, or paths the
// base resolves one way would be resolved another way in the child.
bool path_flag(const std::string& flag) {
    return flag == "attach_disconnected" || flag == "no_attach_disconnected" || flag == "mediate_deleted" ||
           flag == "delegate_deleted" || flag == "chroot_relative" || flag == "namespace_relative" ||
           flag == "chroot_attach" || flag == "chroot_no_attach";
}

// The allow-all rules are fixed text of a few bytes (kRuleClasses).
const ParseLimits kAllowAllParseLimits;

}  // namespace

ChildProfileBuilder::ChildProfileBuilder(const BasePolicy& base, const CompiledGrant& grant,
                                         const LayerId& id, const ComposeOptions& options)
    : base_(base), grant_(grant), id_(id), options_(options) {
    for (const auto& glob : grant_.outside)
        add_file(outside_, glob, PermPair{perm::kAll, perm::kAll}, false, false);
}

void ChildProfileBuilder::add_file(std::vector<Item>& section, const std::string& glob, PermPair perms,
                                   bool audit, bool deny) {
    if (perms == PermPair{}) return;
    FileRule rule;
    rule.path = glob_word(glob);
    rule.qualifiers.audit = audit;
    if (deny) rule.qualifiers.access = AccessMode::Deny;
    const PermBits both = perms.owner & perms.other;
    // A pair is (x, x) or (x, 0): per-owner rules come from owner rules.
    if (perms.other == 0) {
        rule.qualifiers.owner = OwnerMode::Owner;
        rule.perms = child_file_perms(perms.owner, deny);
    } else {
        rule.perms = child_file_perms(both, deny);
        if (perms.owner != both) {
            FileRule extra = rule;
            extra.qualifiers.owner = OwnerMode::Owner;
            extra.perms = child_file_perms(perms.owner, deny);
            Item item{Location{}, Node{extra}};
            if (seen_.insert(emit_rule(item.node)).second) section.push_back(std::move(item));
        }
    }
    Item item{Location{}, Node{std::move(rule)}};
    if (seen_.insert(emit_rule(item.node)).second) section.push_back(std::move(item));
}

Status ChildProfileBuilder::add_allow(const FileRuleInfo& rule, const Dfa& paths) {
    const PermPair want = rule_pair(rule);
    const auto& grants = grant_.grant.rules;
    for (std::size_t i = 0; i < grants.size(); ++i) {
        if ((want & rule_pair(grants[i])) == PermPair{}) continue;
        AA_ASSIGN(SetRelation meet, set_relation(paths, grant_.rule_regions[i], options_.limits.dfa));
        AA_TRY(add_meeting(rule, i, meet, &paths));
    }
    return {};
}

Status ChildProfileBuilder::add_allow(const FileRuleInfo& rule, const std::vector<SetRelation>& meets) {
    const PermPair want = rule_pair(rule);
    const auto& grants = grant_.grant.rules;
    for (std::size_t i = 0; i < grants.size(); ++i) {
        if ((want & rule_pair(grants[i])) == PermPair{}) continue;
        AA_TRY(add_meeting(rule, i, meets[i], nullptr));
    }
    return {};
}

Status ChildProfileBuilder::add_meeting(const FileRuleInfo& rule, std::size_t i, const SetRelation& meet,
                                        const Dfa* paths) {
    const auto& grants = grant_.grant.rules;
    const PermPair perms = rule_pair(rule) & rule_pair(grants[i]);
    if (!meet.both) return {};
    std::vector<std::string> globs;
    if (!meet.only_a) {  // the rule lies inside the grant rule
        globs = rule.globs;
    } else if (!meet.only_b) {  // the grant rule lies inside the rule
        globs = grants[i].globs;
    } else if (paths == nullptr) {
        return make_error(ErrorKind::Invalid, rule.where,
                          "engine: a partial meet with a grant rule needs the rule's paths");
    } else {
        AA_ASSIGN(Dfa overlap, set_intersection(*paths, grant_.rule_regions[i], options_.limits.dfa));
        auto rendered = render_globs(overlap, rule.where, options_.render, options_.limits.dfa);
        if (!rendered) {
            if (is_work_exhausted(rendered.error(), options_.limits.dfa.work)) return rendered.take_error();
            return make_error(ErrorKind::Unsupported, rule.where,
                              "where this rule meets the grant rule '" + grants[i].text +
                                  "' the paths cannot be written as AppArmor globs (" +
                                  rendered.error().message +
                                  "); narrow the rule to lie inside the grant rule");
        }
        globs = std::move(*rendered);
    }
    for (const auto& g : globs)
        add_file(inside_, g, perms, rule.audit, false);
    return {};
}

void ChildProfileBuilder::add_deny(const FileRuleInfo& rule) {
    const PermPair perms = rule_pair(rule);
    for (const auto& g : rule.globs)
        add_file(deny_, g, perms, rule.audit, true);
}

void ChildProfileBuilder::add_other_rules(const LayerRules& layer) {
    abi_ = layer.abi;
    for (const auto& item : layer.allow_rules) {
        if (seen_.insert(emit_rule(item.node)).second) other_.push_back(item);
    }
    // The classes the child's abi mediates that the layer did not make allow-lists.
    for (const auto& cls : kRuleClasses) {
        if (!layer.abi.enforces(cls) || layer.allow_classes.contains(std::string(cls.keyword))) continue;
        auto parsed = parse_document(cls.allow_all, "<generated>", kAllowAllParseLimits);
        if (parsed && !parsed->document.items.empty()) other_.push_back(parsed->document.items.front());
    }
    for (const auto& item : layer.deny_rules) {
        if (seen_.insert(emit_rule(item.node)).second) other_.push_back(item);
    }
}

std::string ChildProfileBuilder::text() const {
    std::string out;
    out += "# Generated by aalayer for uid " + std::to_string(id_.uid) + ", layer '" + id_.name +
           "' on base '" + base_.name +
           "'.\n# Do not edit: the service regenerates it from the layer, the base and the grant.\n";
    out += abi_.abi4() ? "abi <abi/4.0>,\n\n" : "abi <abi/3.0>,\n\n";
    std::vector<std::string> flags;
    for (const auto& f : base_.flags)
        if (path_flag(f)) flags.push_back(f);
    if (options_.complain) flags.emplace_back("complain");
    out += "profile " + emit_word(glob_word(base_.name + "//" + child_name(id_)));
    if (!flags.empty()) {
        out += " flags=(";
        for (std::size_t i = 0; i < flags.size(); ++i)
            out += (i == 0 ? "" : ",") + flags[i];
        out += ')';
    }
    out += " {\n";
    auto section = [&](const char* comment, const std::vector<Item>& items) {
        if (items.empty()) return;
        out += std::string("  # ") + comment + "\n" + emit_items(items, 1) + "\n";
    };
    section("Outside the grant the base decides.", outside_);
    section("Inside the grant: the layer's rules, clipped to the grant.", inside_);
    section("The layer's deny rules, everywhere.", deny_);
    section("Other rule classes: the layer's allow-lists, the base for the rest.", other_);
    out += "}\n";
    return out;
}

}  // namespace aalayer::policy
