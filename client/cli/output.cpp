#include "client/cli/output.h"

#include <cstdlib>
#include <sstream>

#include <unistd.h>

#include "client/common/json.h"

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

std::string Output::findings_json(const std::vector<client::Finding>& fs, const std::string& layer_source,
                                  const std::string& file) const {
    std::string s = "[";
    for (std::size_t i = 0; i < fs.size(); ++i) {
        const auto& f = fs[i];
        s += std::string(i == 0 ? "" : ", ") + "{\"severity\": " + tool::json_string(f.severity) +
             ", \"file\": " + tool::json_string(f.file == layer_source && !file.empty() ? file : f.file) +
             ", \"line\": " + std::to_string(f.line) + ", \"column\": " + std::to_string(f.column) +
             ", \"message\": " + tool::json_string(f.message) + "}";
    }
    return s + "]";
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

std::vector<client::Finding> parse_finding_lines(const std::string& message) {
    std::vector<client::Finding> out;
    std::istringstream in(message);
    std::string line;
    while (std::getline(in, line)) {
        // FILE:LINE:COL: severity: message, FILE may itself hold ':'.
        for (const char* sev : {": error: ", ": warning: ", ": note: "}) {
            const auto at = line.find(sev);
            if (at == std::string::npos) continue;
            client::Finding f;
            f.severity = std::string(sev).substr(2, std::string(sev).size() - 4);
            f.message = line.substr(at + std::string(sev).size());
            std::string loc = line.substr(0, at);
            std::uint32_t nums[2] = {0, 0};
            for (int k = 1; k >= 0; --k) {
                const auto colon = loc.rfind(':');
                if (colon == std::string::npos) break;
                const std::string n = loc.substr(colon + 1);
                if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) break;
                nums[k] = static_cast<std::uint32_t>(std::stoul(n));
                loc.resize(colon);
            }
            f.line = nums[0];
            f.column = nums[1];
            f.file = loc;
            out.push_back(std::move(f));
            break;
        }
    }
    return out;
}

}  // namespace aalayer::cli
