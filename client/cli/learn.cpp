#include "client/cli/learn.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#include "client/cli/commands.h"
#include "client/cli/exit_codes.h"
#include "client/common/json.h"

namespace aalayer::cli {

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        out.push_back(text.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

std::string hunk_range(std::size_t start, std::size_t count) {
    // A unified diff numbers lines from 1; an empty range names the line before it.
    return std::to_string(count == 0 ? start : start + 1) + (count == 1 ? "" : "," + std::to_string(count));
}

void write_learned(tool::JsonWriter& w, const client::Learned& l) {
    w.key("proposals").begin_array();
    for (const auto& p : l.proposals) {
        w.begin_object().key("rule").string(p.rule).key("why").string(p.why).key("accesses").begin_array();
        for (const auto& a : p.accesses)
            w.string(a);
        w.end_array().end_object();
    }
    w.end_array().key("unproposed").begin_array();
    for (const auto& u : l.unproposed)
        w.begin_object()
            .key("access")
            .string(u.access)
            .key("allow")
            .string(u.allow)
            .key("note")
            .string(u.note)
            .end_object();
    w.end_array();
    w.key("text").string(l.text).key("new_text").string(l.new_text).key("dropped").number(l.dropped);
}

void print_proposal(const Output& o, const client::Proposal& p) {
    std::fprintf(o.out, "  %s\n      %s\n", o.bold(p.rule).c_str(), p.why.c_str());
    const std::size_t shown = std::min<std::size_t>(p.accesses.size(), 5);
    for (std::size_t i = 0; i < shown; ++i)
        std::fprintf(o.out, "      - %s\n", p.accesses[i].c_str());
    if (p.accesses.size() > shown) std::fprintf(o.out, "      (and %zu more)\n", p.accesses.size() - shown);
}

// The layer's text with `rules` added, as the service adds them.
std::string with_rules(const std::string& text, const std::vector<std::string>& rules) {
    if (rules.empty()) return text;
    std::string out = text.empty() || text.back() == '\n' ? text : text + "\n";
    for (const auto& r : rules)
        out += r + "\n";
    return out;
}

std::string ask(const Output& o, const std::string& prompt) {
    std::fprintf(o.out, "%s", prompt.c_str());
    std::fflush(o.out);
    std::string line;
    if (!std::getline(std::cin, line)) return "q";
    return line;
}

// A terminal session: each proposal accepted, skipped or replaced by a line
// the user types (checked with the service's Check before it is taken).
std::vector<std::string> choose(client::Client& c, const Args& a, const Output& o, const client::Learned& l) {
    std::vector<std::string> accepted;
    for (std::size_t i = 0; i < l.proposals.size(); ++i) {
        const auto& p = l.proposals[i];
        std::fprintf(o.out, "\n[%zu/%zu]\n", i + 1, l.proposals.size());
        print_proposal(o, p);
        while (true) {
            const std::string answer = ask(o, "  (a)ccept, (s)kip, (e)dit, (q)uit? ");
            if (answer == "a" || answer == "y") {
                accepted.push_back(p.rule);
                break;
            }
            if (answer == "s" || answer == "n") break;
            if (answer == "q") return accepted;
            if (answer != "e") continue;
            const std::string edited = ask(o, "  rule: ");
            if (edited.empty()) continue;
            std::vector<std::string> trial = accepted;
            trial.push_back(edited);
            const auto [profile, findings] = c.check(a.layer.base, a.layer.name, with_rules(l.text, trial));
            o.findings(findings, a.layer.name + ".layer", "(learned)", o.err);
            if (has_errors(findings)) {
                std::fprintf(o.out, "  that rule does not check; try again\n");
                continue;
            }
            accepted.push_back(edited);
            break;
        }
    }
    return accepted;
}

}  // namespace

std::string unified_diff(const std::string& old_text, const std::string& new_text, const std::string& label) {
    const auto a = lines_of(old_text);
    const auto b = lines_of(new_text);
    if (a == b) return {};
    std::size_t head = 0;
    while (head < a.size() && head < b.size() && a[head] == b[head])
        ++head;
    std::size_t tail = 0;
    while (tail < a.size() - head && tail < b.size() - head &&
           a[a.size() - 1 - tail] == b[b.size() - 1 - tail])
        ++tail;
    const std::size_t from = head >= 3 ? head - 3 : 0;
    const std::size_t a_end = std::min(a.size(), a.size() - tail + 3);
    const std::size_t b_end = std::min(b.size(), b.size() - tail + 3);
    std::string out = "--- a/" + label + "\n+++ b/" + label + "\n";
    out += "@@ -" + hunk_range(from, a_end - from) + " +" + hunk_range(from, b_end - from) + " @@\n";
    for (std::size_t i = from; i < head; ++i)
        out += " " + a[i] + "\n";
    for (std::size_t i = head; i < a.size() - tail; ++i)
        out += "-" + a[i] + "\n";
    for (std::size_t i = head; i < b.size() - tail; ++i)
        out += "+" + b[i] + "\n";
    for (std::size_t i = a.size() - tail; i < a_end; ++i)
        out += " " + a[i] + "\n";
    return out;
}

int cmd_learn(client::Client& c, const Args& a, const Output& o) {
    const auto uid = static_cast<std::uint32_t>(::geteuid());
    std::optional<client::Layer> layer;
    for (auto& l : c.layers())
        if (l.owner == uid && l.base == a.layer.base && l.name == a.layer.name) layer = l;
    if (!layer) {
        o.error("you have no layer " + a.layer.text());
        return kNotFound;
    }
    const client::Learned learned = c.propose_rules(layer->object_path, a.since.value_or(0));
    const bool terminal = ::isatty(STDIN_FILENO) != 0 && ::isatty(STDOUT_FILENO) != 0;

    std::vector<std::string> accepted;
    if (o.json()) {
        if (a.yes)
            for (const auto& p : learned.proposals)
                accepted.push_back(p.rule);
    } else {
        if (learned.proposals.empty()) {
            std::fprintf(o.out, "no rules to propose for %s\n", a.layer.text().c_str());
        } else {
            std::fprintf(o.out, "%zu rule%s for %s:\n", learned.proposals.size(),
                         learned.proposals.size() == 1 ? "" : "s", a.layer.text().c_str());
            if (a.yes || !terminal)
                for (const auto& p : learned.proposals)
                    print_proposal(o, p);
        }
        if (!learned.unproposed.empty()) std::fprintf(o.out, "not proposed:\n");
        for (const auto& u : learned.unproposed)
            std::fprintf(o.out, "  %s\n      %s\n", u.access.c_str(), u.note.c_str());
        if (learned.dropped > 0)
            std::fprintf(o.out, "(%llu older records were dropped: the layer's log is full)\n",
                         static_cast<unsigned long long>(learned.dropped));
        if (learned.proposals.empty()) return kOk;
        if (a.yes) {
            for (const auto& p : learned.proposals)
                accepted.push_back(p.rule);
        } else if (terminal) {
            accepted = choose(c, a, o, learned);
        } else {
            std::fprintf(o.out, "\n%s", unified_diff(learned.text, learned.new_text, a.layer.text()).c_str());
            std::fprintf(o.out, "\nnothing applied: run `aalayer learn %s --yes` to apply these rules\n",
                         a.layer.text().c_str());
            return kOk;
        }
    }
    const std::string text = with_rules(learned.text, accepted);
    std::vector<client::Finding> findings;
    bool applied = false;
    int status = kOk;
    if (!accepted.empty()) {
        if (!o.json()) std::fprintf(o.out, "\n%s", unified_diff(learned.text, text, a.layer.text()).c_str());
        try {
            findings = c.apply(a.layer.base, a.layer.name, text,
                               {false, a.enforce ? std::optional(false) : std::nullopt, a.interactive})
                           .second;
            applied = true;
        } catch (const client::CallError& e) {
            if (e.short_name() != "InvalidLayer") throw;
            findings = e.findings();
            status = kLayerErrors;
        }
    }
    if (o.json()) {
        tool::JsonWriter w;
        w.begin_object().key("layer").string(a.layer.text());
        write_learned(w, learned);
        w.key("applied").boolean(applied).key("findings");
        write_findings(w, findings, a.layer.name + ".layer", "(learned)");
        std::fprintf(o.out, "%s\n", w.end_object().text().c_str());
        return status;
    }
    o.findings(findings, a.layer.name + ".layer", "(learned)", o.err);
    if (applied) {
        std::fprintf(o.out, "applied %s with %zu learned rule%s%s\n", a.layer.text().c_str(), accepted.size(),
                     accepted.size() == 1 ? "" : "s", a.enforce ? " (enforce mode)" : "");
    } else if (status != kOk) {
        o.error("not applied: the layer has errors");
    } else {
        std::fprintf(o.out, "nothing accepted, nothing applied\n");
    }
    return status;
}

}  // namespace aalayer::cli
