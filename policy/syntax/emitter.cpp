#include "policy/syntax/emitter.h"

#include <type_traits>

#include "policy/syntax/keywords.h"
#include "policy/syntax/permissions.h"

namespace aalayer::policy {

namespace {

std::string indent(int depth) {
    return std::string(static_cast<std::size_t>(depth) * 2, ' ');
}

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string join_words(const std::vector<Word>& words, std::string_view sep) {
    std::string out;
    for (const auto& w : words) {
        if (!out.empty()) out += sep;
        out += emit_word(w);
    }
    return out;
}

std::string emit_condition(const Condition& c) {
    if (c.values.empty() && c.nested.empty() && !c.parenthesised) return c.key;  // a bare xattr key
    std::string out = c.key + (c.in_operator ? " in " : "=");
    if (!c.nested.empty() || (c.parenthesised && c.values.empty())) {
        out += '(';
        for (std::size_t i = 0; i < c.nested.size(); ++i) {
            if (i != 0) out += ' ';
            out += emit_condition(c.nested[i]);
        }
        return out + ')';
    }
    if (c.parenthesised) return out + '(' + join_words(c.values, " ") + ')';
    return out + join_words(c.values, " ");
}

std::string emit_term(const Term& t) {
    switch (t.kind) {
        case Term::Kind::Word: return emit_word(t.word);
        case Term::Kind::List: return '(' + join_words(t.list, ", ") + ')';
        case Term::Kind::Condition: return emit_condition(t.conditions.front());
        case Term::Kind::Arrow: return t.word.text.empty() ? std::string("->") : "-> " + emit_word(t.word);
    }
    return {};
}

std::string emit_profile(const Profile& p, int depth) {
    std::string head = indent(depth);
    if (p.grant) {
        head += "grant " + emit_word(p.name);
    } else if (p.hat) {
        head += '^' + emit_word(p.name);
    } else {
        head += "profile " + emit_word(p.name);
        if (p.attachment) head += ' ' + emit_word(*p.attachment);
    }
    if (!p.xattrs.empty()) {
        head += " xattrs=(";
        for (std::size_t i = 0; i < p.xattrs.size(); ++i) {
            if (i != 0) head += ' ';
            head += emit_condition(p.xattrs[i]);
        }
        head += ')';
    }
    if (!p.flags.empty()) {
        head += " flags=(";
        for (std::size_t i = 0; i < p.flags.size(); ++i) {
            if (i != 0) head += ',';
            head += p.flags[i];
        }
        head += ')';
    }
    return head + " {\n" + emit_items(p.items, depth + 1) + indent(depth) + "}\n";
}

std::string emit_condition_expr(const ConditionExpr& e) {
    std::string out = e.negated ? "not " : "";
    switch (e.kind) {
        case ConditionExpr::Kind::Boolean: return out + "${" + e.name + '}';
        case ConditionExpr::Kind::DefinedSet: return out + "defined @{" + e.name + '}';
        case ConditionExpr::Kind::DefinedBoolean: return out + "defined ${" + e.name + '}';
    }
    return out;
}

std::string emit_conditional(const Conditional& c, int depth) {
    std::string out = indent(depth);
    for (std::size_t i = 0; i < c.branches.size(); ++i) {
        const auto& b = c.branches[i];
        if (i != 0) out += " else ";
        if (b.condition) out += "if " + emit_condition_expr(*b.condition) + ' ';
        out += "{\n" + emit_items(b.items, depth + 1) + indent(depth) + '}';
    }
    return out + '\n';
}

bool is_block(const Node& node) {
    return std::holds_alternative<Box<Profile>>(node) || std::holds_alternative<Box<QualifierBlock>>(node) ||
           std::holds_alternative<Box<Conditional>>(node);
}

}  // namespace

std::string emit_word(const Word& word) {
    return word.quoted ? '"' + word.text + '"' : word.text;
}

std::string emit_qualifiers(const Qualifiers& q) {
    std::string out;
    if (q.priority) out += "priority=" + std::to_string(*q.priority) + ' ';
    if (q.audit) out += "audit ";
    if (q.access == AccessMode::Deny) out += "deny ";
    if (q.owner == OwnerMode::Owner) out += "owner ";
    if (q.owner == OwnerMode::Other) out += "other ";
    return out;
}

namespace {

// A block needs a qualifier in front of its brace; `allow` is dropped from
// rules as the default, but a bare `{` would not parse back.
std::string block_head(const Qualifiers& q) {
    const std::string head = emit_qualifiers(q);
    return head.empty() ? std::string("allow ") : head;
}

}  // namespace

std::string emit_rule(const Node& node) {
    return std::visit(
        Overloaded{
            [](const Include& inc) {
                std::string name = inc.path.quoted ? '"' + inc.path.text + '"' : inc.path.text;
                if (inc.magic) name = '<' + name + '>';
                return std::string("include ") + (inc.if_exists ? "if exists " : "") + name;
            },
            [](const Abi& abi) {
                return "abi " + (abi.magic ? '<' + abi.path.text + '>' : emit_word(abi.path)) + ',';
            },
            [](const VariableDefinition& def) {
                return "@{" + def.name + (def.append ? "} += " : "} = ") + join_words(def.values, " ");
            },
            [](const BooleanDefinition& def) {
                return "${" + def.name + "} = " + (def.value ? "true" : "false");
            },
            [](const Alias& a) { return "alias " + emit_word(a.from) + " -> " + emit_word(a.to) + ','; },
            [](const Box<Profile>& p) { return emit_profile(*p, 0); },
            [](const Box<QualifierBlock>& b) {
                return block_head(b->qualifiers) + "{\n" + emit_items(b->items, 1) + "}\n";
            },
            [](const Box<Conditional>& c) { return emit_conditional(*c, 0); },
            [](const FileRule& r) {
                std::string out = emit_qualifiers(r.qualifiers);
                if (!r.path) return out + "file,";
                out += emit_word(*r.path) + ' ' + format_file_perms(r.perms);
                if (r.target) out += " -> " + emit_word(*r.target);
                return out + ',';
            },
            [](const LinkRule& r) {
                return emit_qualifiers(r.qualifiers) + "link " + (r.subset ? "subset " : "") +
                       emit_word(r.link) + " -> " + emit_word(r.target) + ',';
            },
            [](const CapabilityRule& r) {
                std::string out = emit_qualifiers(r.qualifiers) + "capability";
                for (const auto& c : r.capabilities)
                    out += ' ' + c;
                return out + ',';
            },
            [](const MediationRule& r) {
                std::string out = emit_qualifiers(r.qualifiers) + keyword(r.cls);
                for (const auto& t : r.terms)
                    out += ' ' + emit_term(t);
                return out + ',';
            },
            [](const RlimitRule& r) {
                return emit_qualifiers(r.qualifiers) + "set rlimit " + r.resource + " <= " + r.value + ',';
            },
            [](const ChangeProfileRule& r) {
                std::string out = emit_qualifiers(r.qualifiers) + "change_profile";
                if (!r.exec_mode.empty()) out += ' ' + r.exec_mode;
                if (r.exec) out += ' ' + emit_word(*r.exec);
                if (r.target) out += " -> " + emit_word(*r.target);
                return out + ',';
            },
            [](const AllRule& r) { return emit_qualifiers(r.qualifiers) + "all,"; },
            [](const UnknownRule& r) { return emit_qualifiers(r.qualifiers) + r.text + ','; },
            [](const GrantExclusion& r) { return "exclude " + emit_word(r.path) + ','; },
        },
        node);
}

std::string emit_items(const std::vector<Item>& items, int depth) {
    std::string out;
    bool previous_block = false;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const Node& node = items[i].node;
        const bool block = is_block(node);
        // Blocks stand apart: a blank line before and after them.
        if (i != 0 && (block || previous_block)) out += '\n';
        if (const auto* p = std::get_if<Box<Profile>>(&node)) {
            out += emit_profile(**p, depth);
        } else if (const auto* b = std::get_if<Box<QualifierBlock>>(&node)) {
            out += indent(depth) + block_head((*b)->qualifiers) + "{\n" + emit_items((*b)->items, depth + 1) +
                   indent(depth) + "}\n";
        } else if (const auto* c = std::get_if<Box<Conditional>>(&node)) {
            out += emit_conditional(**c, depth);
        } else {
            out += indent(depth) + emit_rule(node) + '\n';
        }
        previous_block = block;
    }
    return out;
}

std::string emit_document(const Document& document) {
    return emit_items(document.items, 0);
}

}  // namespace aalayer::policy
