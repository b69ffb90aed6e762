#include "policy/engine/class_allows.h"

#include <algorithm>
#include <set>

#include "policy/common/utf8.h"

namespace aalayer::policy {

namespace {

// Network words by what they say: a domain (inet, unix, ...), a type or a
// protocol. Two rules meet unless they name different values of one of them.
int network_dimension(const std::string& word) {
    static const std::set<std::string> kTypes{"stream", "dgram", "seqpacket", "rdm", "raw", "packet"};
    static const std::set<std::string> kProtocols{"tcp", "udp", "icmp"};
    if (kTypes.contains(word)) return 1;
    if (kProtocols.contains(word)) return 2;
    return 0;
}

bool meets(const std::string& cls, const std::vector<std::string>& a, const std::vector<std::string>& b) {
    if (a.empty() || b.empty()) return true;
    if (cls == "capability") {
        return std::ranges::any_of(a,
                                   [&](const std::string& w) { return std::ranges::find(b, w) != b.end(); });
    }
    if (cls != "network") return true;  // read no further: may meet
    for (int dim = 0; dim < 3; ++dim) {
        std::set<std::string> in_a;
        std::set<std::string> in_b;
        for (const auto& w : a)
            if (network_dimension(w) == dim) in_a.insert(w);
        for (const auto& w : b)
            if (network_dimension(w) == dim) in_b.insert(w);
        if (in_a.empty() || in_b.empty()) continue;
        if (std::ranges::none_of(in_a, [&](const std::string& w) { return in_b.contains(w); })) return false;
    }
    return true;
}

std::string rule_text(const std::string& cls, const std::vector<std::string>& words) {
    std::string out = cls;
    for (const auto& w : words)
        out += " " + w;
    return out + ",";
}

}  // namespace

std::optional<std::vector<std::string>> class_rule_words(const Node& node) {
    if (const auto* c = std::get_if<CapabilityRule>(&node)) return c->capabilities;
    const auto* m = std::get_if<MediationRule>(&node);
    if (m == nullptr) return std::nullopt;
    std::vector<std::string> words;
    for (const auto& t : m->terms) {
        if (t.kind != Term::Kind::Word) return std::vector<std::string>{};
        words.push_back(t.word.text);
    }
    return words;
}

void add_class_allow(ClassAllows& allows, const WalkedItem& walked) {
    const Node& node = walked.item.node;
    if (std::holds_alternative<AllRule>(node)) {
        if (!walked.outer.is_deny() && !std::get<AllRule>(node).qualifiers.is_deny())
            allows.everything = true;
        return;
    }
    const RuleClassInfo* info = rule_class_of(node);
    auto words = class_rule_words(node);
    if (info == nullptr || !words || walked.outer.is_deny()) return;
    const bool deny = std::visit(
        [](const auto& n) {
            if constexpr (requires { n.qualifiers; }) {
                return n.qualifiers.is_deny();
            } else {
                return false;
            }
        },
        node);
    if (!deny) allows.rules[std::string(info->keyword)].push_back(std::move(*words));
}

void add_class_notes(const ClassAllows& base, const std::string& base_name, const LayerRules& layer,
                     std::vector<Finding>& findings) {
    if (base.everything) return;
    for (const auto& cls : layer.allow_classes) {
        if (cls != "network" && cls != "capability" && base.rules.contains(cls)) continue;
        const auto found = base.rules.find(cls);
        const std::vector<std::vector<std::string>> none;
        const auto& base_rules = found == base.rules.end() ? none : found->second;
        const Item* first = nullptr;
        bool any_meets = false;
        for (const auto& item : layer.allow_rules) {
            const RuleClassInfo* info = rule_class_of(item.node);
            if (info == nullptr || info->keyword != cls) continue;
            if (first == nullptr) first = &item;
            const auto words = class_rule_words(item.node).value_or(std::vector<std::string>{});
            any_meets = any_meets || std::ranges::any_of(base_rules, [&](const std::vector<std::string>& b) {
                            return meets(cls, words, b);
                        });
        }
        if (first == nullptr || any_meets) continue;
        std::string allowed;
        for (std::size_t i = 0; i < base_rules.size() && i < 3; ++i)
            allowed += (allowed.empty() ? "" : " ") + rule_text(cls, base_rules[i]);
        if (base_rules.size() > 3) allowed += " ...";
        findings.push_back(
            Finding{Severity::Note, first->where,
                    to_valid_utf8("this layer's " + cls + " rules make " + cls +
                                  " an allow-list, and none of them meets what " + "the base " + base_name +
                                  " allows (" + (allowed.empty() ? "no " + cls + " rule" : allowed) +
                                  "): the program gets no " + cls + " at all")});
    }
}

}  // namespace aalayer::policy
