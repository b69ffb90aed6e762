#include "client/cli/commands.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/apparmor.h>
#include <unistd.h>

#include "client/cli/exit_codes.h"
#include "client/common/json.h"

namespace aalayer::cli {

using tool::json_string;

namespace {

std::string read_file(const std::string& path, bool& ok) {
    std::ifstream in(path, std::ios::binary);
    ok = static_cast<bool>(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string source_name(const std::string& name) {
    return name + ".layer";
}

std::string stem(const std::string& path) {
    return std::filesystem::path(path).stem().string();
}

// The caller's own layer object for BASE/NAME, if the service has it.
std::optional<client::Layer> own_layer(client::Client& c, const std::string& base, const std::string& name) {
    // The service knows callers by the uid the bus authenticated: the effective one.
    const auto uid = static_cast<std::uint32_t>(::geteuid());
    for (auto& l : c.layers())
        if (l.owner == uid && l.base == base && l.name == name) return l;
    return std::nullopt;
}

std::string layer_json(const client::Layer& l) {
    return "{\"layer\": " + json_string(l.base + "/" + l.name) + ", \"base\": " + json_string(l.base) +
           ", \"name\": " + json_string(l.name) + ", \"owner\": " + std::to_string(l.owner) +
           ", \"kernel_name\": " + json_string(l.kernel_name) + ", \"state\": " + json_string(l.state) +
           ", \"mode\": " + json_string(l.mode) + ", \"updated_at\": " + std::to_string(l.updated_at) +
           ", \"object_path\": " + json_string(l.object_path) + "}";
}

}  // namespace

bool split_layer(const std::string& layer, std::string& base, std::string& name) {
    const auto slash = layer.rfind('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == layer.size()) return false;
    base = layer.substr(0, slash);
    name = layer.substr(slash + 1);
    return true;
}

int cmd_grants(client::Client& c, const Args& /*a*/, const Output& o) {
    const auto grants = c.grants();
    if (o.json()) {
        std::fprintf(o.out, "[");
        for (std::size_t i = 0; i < grants.size(); ++i) {
            std::fprintf(o.out, "%s{\"base\": %s, \"rules\": %s}", i == 0 ? "" : ", ",
                         json_string(grants[i].first).c_str(), json_string(grants[i].second).c_str());
        }
        std::fprintf(o.out, "]\n");
        return kOk;
    }
    if (grants.empty())
        std::fprintf(o.out, "No base profile has a grant for you: you cannot layer on any.\n");
    for (const auto& [base, rules] : grants) {
        std::fprintf(o.out, "%s\n", o.bold(base).c_str());
        std::istringstream in(rules);
        for (std::string line; std::getline(in, line);)
            std::fprintf(o.out, "  %s\n", line.c_str());
    }
    return kOk;
}

int cmd_check(client::Client& c, const Args& a, const Output& o) {
    const std::string& file = a.positional.at(0);
    bool ok = false;
    const std::string text = read_file(file, ok);
    if (!ok) {
        o.error("cannot read " + file);
        return kUsage;
    }
    const std::string name = a.name.empty() ? stem(file) : a.name;
    const auto [child, findings] = c.check(a.base, name, text);
    const bool errors = has_errors(findings);
    if (o.json()) {
        std::fprintf(o.out, "{\"valid\": %s, \"findings\": %s, \"child_profile\": %s}\n",
                     errors ? "false" : "true", o.findings_json(findings, source_name(name), file).c_str(),
                     json_string(child).c_str());
    } else {
        o.findings(findings, source_name(name), file, o.out);
        if (a.print_profile) std::fprintf(o.out, "%s", child.c_str());
        if (!errors && findings.empty()) std::fprintf(o.out, "%s: no findings\n", file.c_str());
    }
    return errors ? kLayerErrors : kOk;
}

int cmd_apply(client::Client& c, const Args& a, const Output& o) {
    const std::string& name = a.positional.at(0);
    const std::string& file = a.positional.at(1);
    bool ok = false;
    const std::string text = read_file(file, ok);
    if (!ok) {
        o.error("cannot read " + file);
        return kUsage;
    }
    try {
        const auto [path, findings] = c.apply(a.base, name, text, {a.strict, a.complain, a.interactive});
        if (o.json()) {
            std::fprintf(o.out, "{\"layer\": %s, \"object_path\": %s, \"findings\": %s}\n",
                         json_string(a.base + "/" + name).c_str(), json_string(path).c_str(),
                         o.findings_json(findings, source_name(name), file).c_str());
        } else {
            o.findings(findings, source_name(name), file, o.err);
            std::fprintf(o.out, "applied %s/%s\n", a.base.c_str(), name.c_str());
        }
        return kOk;
    } catch (const client::CallError& e) {
        if (e.short_name() != "InvalidLayer") throw;
        const auto findings = parse_finding_lines(e.what());
        if (o.json()) {
            std::fprintf(o.out, "{\"layer\": %s, \"object_path\": null, \"findings\": %s}\n",
                         json_string(a.base + "/" + name).c_str(),
                         o.findings_json(findings, source_name(name), file).c_str());
        } else {
            o.findings(findings, source_name(name), file, o.err);
            o.error("not applied: the layer has errors");
        }
        return kLayerErrors;
    }
}

int cmd_list(client::Client& c, const Args& a, const Output& o) {
    const auto uid = static_cast<std::uint32_t>(::geteuid());
    std::vector<client::Layer> shown;
    for (auto& l : c.layers())
        if (a.all || l.owner == uid) shown.push_back(l);
    if (o.json()) {
        std::fprintf(o.out, "[");
        for (std::size_t i = 0; i < shown.size(); ++i)
            std::fprintf(o.out, "%s%s", i == 0 ? "" : ", ", layer_json(shown[i]).c_str());
        std::fprintf(o.out, "]\n");
        return kOk;
    }
    for (const auto& l : shown) {
        std::fprintf(o.out, "%s/%s\t%s\t%s%s\n", l.base.c_str(), l.name.c_str(), l.state.c_str(),
                     l.mode.c_str(), a.all ? ("\tuid " + std::to_string(l.owner)).c_str() : "");
    }
    return kOk;
}

int cmd_show(client::Client& c, const Args& a, const Output& o) {
    std::string base;
    std::string name;
    if (!split_layer(a.positional.at(0), base, name)) return kUsage;
    const auto layer = own_layer(c, base, name);
    if (!layer) {
        o.error("you have no layer " + a.positional.at(0));
        return kNotFound;
    }
    const std::string text = c.source(layer->object_path);
    const auto findings = c.findings(layer->object_path);
    if (o.json()) {
        std::string j = layer_json(*layer);
        j.pop_back();
        std::fprintf(o.out, "%s, \"findings\": %s, \"source\": %s}\n", j.c_str(),
                     o.findings_json(findings, source_name(name), "").c_str(), json_string(text).c_str());
        return kOk;
    }
    std::fprintf(o.out, "%s/%s\n  state: %s\n  mode: %s\n  kernel name: %s\n", base.c_str(), name.c_str(),
                 layer->state.c_str(), layer->mode.c_str(), layer->kernel_name.c_str());
    if (!findings.empty()) std::fprintf(o.out, "findings:\n");
    o.findings(findings, source_name(name), "", o.out);
    std::fprintf(o.out, "source:\n%s%s", text.c_str(), text.empty() || text.back() == '\n' ? "" : "\n");
    return kOk;
}

int cmd_explain(client::Client& c, const Args& a, const Output& o) {
    std::string base;
    std::string name;
    if (!split_layer(a.positional.at(0), base, name)) return kUsage;
    if (o.json()) std::fprintf(o.out, "[");
    for (std::size_t i = 1; i < a.positional.size(); ++i) {
        const std::string& path = a.positional[i];
        const auto e = c.explain(base, name, path);
        if (o.json()) {
            // "owner=rw other=r" into its two halves.
            const auto other = e.perms.find(" other=");
            std::fprintf(o.out, "%s{\"path\": %s, \"owner\": %s, \"other\": %s, \"decided_by\": [",
                         i == 1 ? "" : ", ", json_string(path).c_str(),
                         json_string(e.perms.substr(6, other - 6)).c_str(),
                         json_string(e.perms.substr(other + 7)).c_str());
            for (std::size_t k = 0; k < e.reasons.size(); ++k) {
                std::fprintf(o.out, "%s{\"source\": %s, \"rule\": %s}", k == 0 ? "" : ", ",
                             json_string(e.reasons[k].source).c_str(),
                             json_string(e.reasons[k].rule).c_str());
            }
            std::fprintf(o.out, "]}");
            continue;
        }
        std::fprintf(o.out, "%s: %s\n", o.bold(path).c_str(), e.perms.c_str());
        for (const auto& r : e.reasons)
            std::fprintf(o.out, "  %s %s\n", r.source.c_str(), r.rule.c_str());
    }
    if (o.json()) std::fprintf(o.out, "]\n");
    return kOk;
}

int cmd_diff(client::Client& c, const Args& a, const Output& o) {
    std::string base_a;
    std::string name_a;
    std::string base_b;
    std::string name_b;
    if (!split_layer(a.positional.at(0), base_a, name_a) ||
        !split_layer(a.positional.at(1), base_b, name_b)) {
        return kUsage;
    }
    if (base_a != base_b) {
        o.error("diff compares two layers on the same base");
        return kUsage;
    }
    const auto diffs = c.diff(base_a, name_a, name_b);
    if (o.json()) {
        std::fprintf(o.out, "[");
        for (std::size_t i = 0; i < diffs.size(); ++i) {
            std::fprintf(o.out, "%s{\"example\": %s, \"a\": %s, \"b\": %s}", i == 0 ? "" : ", ",
                         json_string(diffs[i].example).c_str(), json_string(diffs[i].perms_a).c_str(),
                         json_string(diffs[i].perms_b).c_str());
        }
        std::fprintf(o.out, "]\n");
        return kOk;
    }
    if (diffs.empty()) std::fprintf(o.out, "the two layers allow the same\n");
    for (const auto& d : diffs)
        std::fprintf(o.out, "%s: %s | %s\n", d.example.c_str(), d.perms_a.c_str(), d.perms_b.c_str());
    return kOk;
}

int cmd_remove(client::Client& c, const Args& a, const Output& o) {
    std::string base;
    std::string name;
    if (!split_layer(a.positional.at(0), base, name)) return kUsage;
    c.remove(base, name, a.force, a.interactive);
    if (!o.json()) std::fprintf(o.out, "removed %s/%s\n", base.c_str(), name.c_str());
    return kOk;
}

int cmd_edit(client::Client& c, const Args& a, const Output& o) {
    std::string base;
    std::string name;
    if (!split_layer(a.positional.at(0), base, name)) return kUsage;
    const auto layer = own_layer(c, base, name);
    if (!layer) {
        o.error("you have no layer " + a.positional.at(0) + " (create it with apply)");
        return kNotFound;
    }
    const std::string original = c.source(layer->object_path);
    const char* cache = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    std::string dir = cache != nullptr  ? std::string(cache) + "/aalayer"
                      : home != nullptr ? std::string(home) + "/.cache/aalayer"
                                        : std::string("/tmp");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) dir = "/tmp";
    std::string path = dir + "/" + name + "-XXXXXX.layer";
    const int fd = ::mkstemps(path.data(), 6);
    if (fd < 0) {
        o.error("cannot create a file to edit in " + dir);
        return kInternal;
    }
    ::close(fd);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << original;
    const char* editor = std::getenv("VISUAL") != nullptr ? std::getenv("VISUAL") : std::getenv("EDITOR");
    const std::string command = std::string(editor != nullptr ? editor : "vi") + " '" + path + "'";
    if (std::system(command.c_str()) != 0) {
        o.error("the editor failed; your text is in " + path);
        return kInternal;
    }
    bool ok = false;
    const std::string edited = read_file(path, ok);
    if (edited == original) {
        std::fprintf(o.out, "no changes\n");
        std::filesystem::remove(path, ec);
        return kOk;
    }
    const auto [child, findings] = c.check(base, name, edited);
    o.findings(findings, source_name(name), path, o.err);
    if (has_errors(findings)) {
        o.error("not applied: the layer has errors; your edit is kept in " + path);
        return kLayerErrors;
    }
    try {
        c.apply(base, name, edited, {a.strict, layer->mode == "complain", a.interactive});
    } catch (const client::CallError&) {
        o.error("your edit is kept in " + path);
        throw;
    }
    std::filesystem::remove(path, ec);
    std::fprintf(o.out, "applied %s/%s\n", base.c_str(), name.c_str());
    return kOk;
}

int cmd_run(client::Client& c, const Args& a, const Output& o) {
    std::string base;
    std::string name;
    if (!split_layer(a.positional.at(0), base, name)) return kUsage;
    if (::aa_is_enabled() == 0) {
        o.error("AppArmor is not enabled in this kernel: refusing to run unconfined");
        return kRefused;
    }
    const auto layer = own_layer(c, base, name);
    if (!layer) {
        o.error("you have no layer " + a.positional.at(0));
        return kNotFound;
    }
    if (layer->state != "active") {
        o.error("the layer is " + layer->state + ", not loaded in the kernel: refusing to run");
        return kRefused;
    }
    const std::string label = base + "//&" + layer->kernel_name;
    if (::aa_change_onexec(label.c_str()) != 0) {
        o.error("cannot switch to " + label + ": " + std::strerror(errno));
        return kRefused;
    }
    std::vector<std::string> copies = a.after_dashes;  // execvp takes char* const[]
    std::vector<char*> argv;
    argv.reserve(copies.size() + 1);
    for (auto& s : copies)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    o.error("cannot run " + a.after_dashes.front() + ": " + std::strerror(errno));
    return kRefused;
}

}  // namespace aalayer::cli
