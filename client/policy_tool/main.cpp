// aalayer-policy: the policy engine on the command line, for admins and tests.
#include <charconv>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "client/common/json.h"
#include "client/policy_tool/layer_inputs.h"
#include "policy/load/loader.h"
#include "policy/source/filesystem_reader.h"
#include "policy/syntax/emitter.h"

namespace {

using namespace aalayer::policy;
using aalayer::tool::Composed;
using aalayer::tool::json_string;
using aalayer::tool::LayerInputs;

constexpr int kExitOk = 0;
constexpr int kExitInvalid = 1;
constexpr int kExitUsage = 2;

constexpr std::string_view kUsage =
    "usage: aalayer-policy COMMAND [OPTIONS] ARGS...\n"
    "\n"
    "Commands:\n"
    "  parse FILE...     parse AppArmor policy files with their includes; exit 0 when all\n"
    "                    parse, 1 (printing FILE:LINE:COL: error: MESSAGE) otherwise\n"
    "  emit FILE         print the canonical text of a policy file\n"
    "  compose LAYER-OPTIONS\n"
    "                    print the child profile of the layer (findings on stderr)\n"
    "  explain LAYER-OPTIONS [--json] PATH...\n"
    "                    what the layer's effective policy allows each path, and why\n"
    "  diff LAYER-OPTIONS --layer FILE2\n"
    "                    where two layers on the same base differ, with example paths\n"
    "\n"
    "Layer options:\n"
    "  --base FILE        the base profile's file (e.g. /etc/apparmor.d/usr.bin.firefox)\n"
    "  --profile NAME     the base profile, when the file and the grant leave a choice\n"
    "  --grant FILE       the grant file (grant BASE { ... })\n"
    "  --layer FILE       the layer text\n"
    "  --name NAME        the layer's name (default: the layer file's name without extension)\n"
    "  --uid N --user NAME --home DIR\n"
    "                     the user @{UID}, @{USER} and @{HOME} expand to\n"
    "  --strict           a rule clipped to the grant is an error, not a warning\n"
    "  --complain         emit the child in complain mode\n"
    "\n"
    "Options:\n"
    "  -I, --include DIR  search DIR for <includes> before /etc/apparmor.d (repeatable)\n"
    "  -v, --verbose      report what was read\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit codes: 0 success, 1 invalid policy or a layer with errors, 2 usage error.\n";

struct Options {
    std::string command;
    std::vector<std::string> args;
    bool verbose = false;
    bool json = false;
    bool have_uid = false;
    LayerInputs layer;
};

int usage_error(const std::string& message) {
    std::cerr << "aalayer-policy: " << message << "\n\n" << kUsage;
    return kExitUsage;
}

bool is_layer_command(const std::string& c) {
    return c == "compose" || c == "explain" || c == "diff";
}

// Returns an exit code when parsing ends the program (help, usage error).
std::optional<int> parse_args(int argc, char** argv, Options& opts) {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    LayerInputs& in = opts.layer;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view a = args[i];
        auto value = [&](std::string& out) -> bool {
            if (i + 1 >= args.size()) return false;
            out = args[++i];
            return true;
        };
        std::string v;
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return kExitOk;
        }
        if (a == "-v" || a == "--verbose") {
            opts.verbose = true;
        } else if (a == "--json") {
            opts.json = true;
        } else if (a == "--strict") {
            in.options.strict = true;
        } else if (a == "--complain") {
            in.options.complain = true;
        } else if (a == "-I" || a == "--include" || a == "--base" || a == "--grant" || a == "--layer" ||
                   a == "--profile" || a == "--name" || a == "--uid" || a == "--user" || a == "--home") {
            if (!value(v)) return usage_error(std::string(a) + " needs a value");
            if (a == "-I" || a == "--include") in.include_dirs.push_back(v);
            if (a == "--base") in.base_file = v;
            if (a == "--grant") in.grant_file = v;
            if (a == "--layer") in.layer_files.push_back(v);
            if (a == "--profile") in.profile = v;
            if (a == "--name") in.name = v;
            if (a == "--user") in.user.name = v;
            if (a == "--home") in.user.home = v;
            if (a == "--uid") {
                const auto* end = v.data() + v.size();
                const auto [ptr, ec] = std::from_chars(v.data(), end, in.user.uid);
                // (uid_t)-1 means "no uid" to the kernel: never a user's.
                if (v.empty() || ptr != end || ec != std::errc() || in.user.uid == 4294967295U) {
                    return usage_error("--uid needs a number (a uid below 4294967295)");
                }
                opts.have_uid = true;
            }
        } else if (a.starts_with("-I") && a.size() > 2) {
            in.include_dirs.emplace_back(a.substr(2));
        } else if (a.starts_with("-") && a != "-") {
            return usage_error("unknown option " + std::string(a));
        } else if (opts.command.empty()) {
            opts.command = a;
        } else {
            opts.args.emplace_back(a);
        }
    }
    in.include_dirs.emplace_back("/etc/apparmor.d");
    const std::string& c = opts.command;
    if (c.empty()) return usage_error("missing command");
    if (c != "parse" && c != "emit" && !is_layer_command(c)) return usage_error("unknown command " + c);
    if (c == "parse" && opts.args.empty()) return usage_error("parse needs a FILE");
    if (c == "emit" && opts.args.size() != 1) return usage_error("emit takes exactly one FILE");
    if (is_layer_command(c)) {
        if (in.base_file.empty() || in.grant_file.empty() || in.layer_files.empty()) {
            return usage_error(c + " needs --base, --grant and --layer");
        }
        if (!opts.have_uid || in.user.name.empty() || in.user.home.empty()) {
            return usage_error(c + " needs --uid, --user and --home");
        }
        if (c == "diff" && in.layer_files.size() != 2) return usage_error("diff needs --layer twice");
        if (c != "diff" && in.layer_files.size() != 1) return usage_error(c + " takes one --layer");
        if (c == "explain" && opts.args.empty()) return usage_error("explain needs a PATH");
        if (c != "explain" && !opts.args.empty()) return usage_error(c + " takes no arguments");
        for (const auto& p : opts.args) {
            if (p.empty() || p.front() != '/') return usage_error("path '" + p + "' is not absolute");
        }
    }
    return std::nullopt;
}

int run_files(const Options& opts) {
    LoadOptions load;
    load.include_dirs = opts.layer.include_dirs;
    const FilesystemReader reader;
    const Loader loader(reader, load);
    int status = kExitOk;
    for (const auto& file : opts.args) {
        auto policy = loader.load_file(file);
        if (!policy) {
            std::cerr << policy.error().format() << '\n';
            status = kExitInvalid;
            continue;
        }
        if (opts.verbose) std::cerr << file << ": ok (" << policy->documents.size() << " files read)\n";
        for (const auto& note : policy->notes)
            std::cerr << to_string(note.where) << ": note: " << note.message << '\n';
        if (opts.command == "emit") std::cout << emit_document(policy->root_document());
    }
    return status;
}

void print_explanation(const Explanation& e, bool json, bool first) {
    if (!json) {
        std::cout << e.path << ": " << format_pair(e.perms) << (e.in_grant ? "" : " (outside the grant)")
                  << '\n';
        for (const auto& r : e.reasons)
            std::cout << "  " << r.source << ' ' << to_string(r.where) << ": " << r.rule << '\n';
        return;
    }
    std::cout << (first ? "[\n" : ",\n") << "  {\"path\": " << json_string(e.path)
              << ", \"owner\": " << json_string(perm_letters(e.perms.owner))
              << ", \"other\": " << json_string(perm_letters(e.perms.other))
              << ", \"in_grant\": " << (e.in_grant ? "true" : "false") << ", \"decided_by\": [";
    for (std::size_t i = 0; i < e.reasons.size(); ++i) {
        const Reason& r = e.reasons[i];
        std::cout << (i == 0 ? "" : ", ") << "{\"source\": " << json_string(r.source)
                  << ", \"at\": " << json_string(to_string(r.where)) << ", \"rule\": " << json_string(r.rule)
                  << '}';
    }
    std::cout << "]}";
}

int run_layers(const Options& opts) {
    std::string error;
    auto composed = aalayer::tool::compose_all(opts.layer, error);
    if (!composed) {
        std::cerr << error << '\n';
        return kExitInvalid;
    }
    bool invalid = false;
    for (const Composed& c : *composed) {
        for (const auto& f : c.composition.findings)
            std::cerr << f.format() << '\n';
        invalid = invalid || !c.composition.valid();
    }
    if (invalid) return kExitInvalid;
    if (opts.command == "compose") {
        std::cout << composed->front().composition.child_text;
    } else if (opts.command == "explain") {
        for (std::size_t i = 0; i < opts.args.size(); ++i)
            print_explanation(composed->front().composition.explain(opts.args[i]), opts.json, i == 0);
        if (opts.json) std::cout << "\n]\n";
    } else {
        auto differences = diff((*composed)[0].composition, (*composed)[1].composition);
        if (!differences) {
            std::cerr << differences.error().format() << '\n';
            return kExitInvalid;
        }
        for (const auto& d : *differences) {
            std::cout << d.example << ": " << format_pair(d.a) << " | " << format_pair(d.b) << '\n';
        }
    }
    return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
    Options opts;
    if (auto code = parse_args(argc, argv, opts)) return *code;
    return is_layer_command(opts.command) ? run_layers(opts) : run_files(opts);
}
