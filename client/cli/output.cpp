#include "client/cli/output.h"

#include <algorithm>
#include <array>
#include <cstdlib>

#include <pwd.h>
#include <unistd.h>

namespace aalayer::cli {

namespace {

bool colour_for(std::FILE* f) {
    const char* term = std::getenv("TERM");
    return ::isatty(::fileno(f)) != 0 && std::getenv("NO_COLOR") == nullptr && term != nullptr &&
           std::string(term) != "dumb";
}

const char* colour_of(const std::string& severity) {
    if (severity == "error") return "\033[1;31m";
    if (severity == "warning") return "\033[1;33m";
    return "\033[1;36m";
}

std::string where(const client::Finding& f, const std::string& layer_source, const std::string& file) {
    std::string out = f.file == layer_source && !file.empty() ? file : f.file;
    if (f.line != 0)
        out += ":" + std::to_string(f.line) + (f.column != 0 ? ":" + std::to_string(f.column) : "");
    return out;
}

}  // namespace

Output::Output(bool json, std::FILE* o, std::FILE* e)
    : out(o), err(e), json_(json), colour_out_(colour_for(o)), colour_err_(colour_for(e)) {}

void Output::finding(const client::Finding& f, const std::string& layer_source, const std::string& file,
                     std::FILE* to) const {
    const bool colour = to == out ? colour_out_ : colour_err_;
    const std::string sev = colour ? std::string(colour_of(f.severity)) + f.severity + "\033[0m" : f.severity;
    std::fprintf(to, "%s: %s: %s\n", where(f, layer_source, file).c_str(), sev.c_str(), f.message.c_str());
}

void Output::findings(const std::vector<client::Finding>& fs, const std::string& layer_source,
                      const std::string& file, std::FILE* to) const {
    for (const auto& f : fs)
        finding(f, layer_source, file, to);
}

void Output::error(const std::string& message) const {
    const std::string label = colour_err_ ? "\033[1;31maalayer\033[0m" : "aalayer";
    std::fprintf(err, "%s: %s\n", label.c_str(), message.c_str());
}

std::string Output::bold(const std::string& s) const {
    return colour_out_ ? "\033[1m" + s + "\033[0m" : s;
}

bool has_errors(const std::vector<client::Finding>& fs) {
    for (const auto& f : fs)
        if (f.severity == "error") return true;
    return false;
}

void write_findings(tool::JsonWriter& w, const std::vector<client::Finding>& fs,
                    const std::string& layer_source, const std::string& file) {
    w.begin_array();
    for (const auto& f : fs) {
        w.begin_object().key("severity").string(f.severity);
        w.key("file").string(f.file == layer_source && !file.empty() ? file : f.file);
        w.key("line").number(f.line).key("column").number(f.column);
        w.key("message").string(f.message).end_object();
    }
    w.end_array();
}

std::string user_name(std::uint32_t uid) {
    std::array<char, 4096> buf{};
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) return pw.pw_name;
    return std::to_string(uid);
}

std::string layer_table(const std::vector<client::Layer>& layers, bool owners,
                        const std::function<std::string(std::uint32_t)>& name_of) {
    if (layers.empty()) return "no layers\n";
    // Whose a layer is matters once the admin gives default layers; until
    // then every layer is the user's own and the column would only repeat it.
    const bool origins =
        std::any_of(layers.begin(), layers.end(), [](const client::Layer& l) { return l.origin != "user"; });
    std::vector<std::vector<std::string>> rows{{"LAYER", "STATE", "MODE"}};
    if (origins) rows[0].emplace_back("ORIGIN");
    if (owners) rows[0].emplace_back("OWNER");
    for (const auto& l : layers) {
        rows.push_back({l.base + "/" + l.name, l.state, l.mode});
        if (origins) rows.back().push_back(l.origin);
        if (owners) rows.back().push_back(name_of(l.owner));
    }
    std::vector<std::size_t> width(rows[0].size(), 0);
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i)
            width[i] = std::max(width[i], row[i].size());
    std::string out;
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            out += row[i];
            if (i + 1 < row.size()) out += std::string(width[i] - row[i].size() + 2, ' ');
        }
        out += '\n';
    }
    return out;
}

std::string removed_text(const std::string& layer, bool json) {
    if (!json) return "removed " + layer;
    tool::JsonWriter w;
    w.begin_object().key("layer").string(layer).key("removed").boolean(true).end_object();
    return w.text();
}

std::pair<std::string, std::string> split_location(const std::string& located) {
    // The location ends at the first ": " after a :LINE or :COL.
    for (auto at = located.find(": "); at != std::string::npos; at = located.find(": ", at + 1)) {
        const auto colon = at == 0 ? std::string::npos : located.rfind(':', at - 1);
        if (colon == std::string::npos || colon + 1 == at) continue;
        const std::string digits = located.substr(colon + 1, at - colon - 1);
        if (digits.find_first_not_of("0123456789") == std::string::npos)
            return {located.substr(0, at), located.substr(at + 2)};
    }
    const auto at = located.find(": ");  // a location without a line
    if (at == std::string::npos) return {"", located};
    return {located.substr(0, at), located.substr(at + 2)};
}

tool::ExplainedPath explained(const std::string& path, const client::Explanation& e) {
    tool::ExplainedPath out;
    out.path = path;
    out.owner = e.owner;
    out.other = e.other;
    for (const auto& r : e.reasons) {
        auto [at, rule] = split_location(r.rule);
        if (r.source == "grant" && !rule.starts_with("outside the grant for ") &&
            !rule.starts_with("excluded by the grant for "))
            out.in_grant = true;
        out.decided_by.push_back({r.source, std::move(at), std::move(rule)});
    }
    return out;
}

}  // namespace aalayer::cli
