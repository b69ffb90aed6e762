// aalayer-policy: the policy engine on the command line, for admins and tests.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "client/common/args.h"
#include "client/common/explanation.h"
#include "client/policy_tool/layer_inputs.h"
#include "policy/engine/grant_check.h"
#include "policy/engine/identity.h"
#include "policy/load/loader.h"
#include "policy/source/filesystem_reader.h"
#include "policy/syntax/emitter.h"

namespace {

using namespace aalayer::policy;
using aalayer::tool::check_args;
using aalayer::tool::CommandSpec;
using aalayer::tool::Composed;
using aalayer::tool::find_command;
using aalayer::tool::LayerInputs;
using aalayer::tool::OptionSpec;
using aalayer::tool::parse_args;
using aalayer::tool::ParsedArgs;

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
    "  check-grants [DIR] [--profiles DIR]\n"
    "                    the grant files of DIR (default /etc/aalayer/grants.d) as the\n"
    "                    service reads them: errors, exclusions of nothing, grants for\n"
    "                    bases no profile of --profiles (default /etc/apparmor.d) has,\n"
    "                    default layers (NAME.defaults/) that do not compose for the\n"
    "                    user of --uid/--user/--home (default: user, /home/user)\n"
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
    "Exit codes: 0 success, 1 invalid policy, a layer or a grant with errors, 2 usage error.\n";

struct Options {
    std::string command;
    std::vector<std::string> args;
    std::string profiles_dir = "/etc/apparmor.d";
    bool verbose = false;
    bool json = false;
    LayerInputs layer;
};

int usage_error(const std::string& message) {
    std::cerr << "aalayer-policy: " << message << "\n\n" << kUsage;
    return kExitUsage;
}

// Every option is taken by every command (the layer options mean nothing to parse and emit).
constexpr std::array<OptionSpec, 15> kOptions{{
    {.name = "--help", .short_name = "-h", .global = true},
    {.name = "--verbose", .short_name = "-v", .global = true},
    {.name = "--include", .value = "DIR", .short_name = "-I", .global = true},
    {.name = "--json", .global = true},
    {.name = "--strict", .global = true},
    {.name = "--complain", .global = true},
    {.name = "--base", .value = "FILE", .global = true},
    {.name = "--grant", .value = "FILE", .global = true},
    {.name = "--layer", .value = "FILE", .global = true},
    {.name = "--profile", .value = "NAME", .global = true},
    {.name = "--name", .value = "NAME", .global = true},
    {.name = "--uid", .value = "N", .global = true},
    {.name = "--user", .value = "NAME", .global = true},
    {.name = "--home", .value = "DIR", .global = true},
    {.name = "--profiles", .value = "DIR"},
}};

// The user's uid: a number, and not (uid_t)-1, which means "no uid" to the kernel.
std::optional<std::uint32_t> parse_uid(const std::string& v) {
    std::uint32_t uid = 0;
    const auto* end = v.data() + v.size();
    const auto [ptr, ec] = std::from_chars(v.data(), end, uid);
    if (v.empty() || ptr != end || ec != std::errc() || uid == 4294967295U) return std::nullopt;
    return uid;
}

LayerInputs layer_inputs(const ParsedArgs& p) {
    LayerInputs in;
    in.include_dirs = p.values("--include");
    in.include_dirs.emplace_back("/etc/apparmor.d");
    in.base_file = p.value("--base");
    in.grant_file = p.value("--grant");
    in.layer_files = p.values("--layer");
    in.profile = p.value("--profile");
    in.name = p.value("--name");
    in.user.name = p.value("--user");
    in.user.home = p.value("--home");
    in.options.strict = p.has("--strict");
    in.options.complain = p.has("--complain");
    return in;
}

// What the table cannot say: how many layers, and that paths are absolute.
std::optional<std::string> check_layer_command(const Options& opts) {
    const std::string& c = opts.command;
    if (c == "diff" && opts.layer.layer_files.size() != 2) return "diff needs --layer twice";
    if (c != "diff" && opts.layer.layer_files.size() != 1) return c + " takes one --layer";
    for (const auto& p : opts.args)
        if (p.empty() || p.front() != '/') return "path '" + p + "' is not absolute";
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

void print_explanation(const Explanation& e) {
    std::cout << e.path << ": " << format_pair(e.perms) << (e.in_grant ? "" : " (outside the grant)") << '\n';
    for (const auto& r : e.reasons)
        std::cout << "  " << r.source << ' ' << to_string(r.where) << ": " << r.rule << '\n';
}

aalayer::tool::ExplainedPath explained(const Explanation& e) {
    aalayer::tool::ExplainedPath out{
        e.path, perm_letters(e.perms.owner), perm_letters(e.perms.other), e.in_grant, {}};
    for (const Reason& r : e.reasons)
        out.decided_by.push_back({r.source, to_string(r.where), r.rule});
    return out;
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
        std::vector<aalayer::tool::ExplainedPath> all;
        for (const auto& path : opts.args) {
            const Explanation e = composed->front().composition.explain(path);
            if (opts.json) {
                all.push_back(explained(e));
            } else {
                print_explanation(e);
            }
        }
        if (opts.json) std::cout << aalayer::tool::explanations_json(all) << '\n';
    } else {
        auto differences =
            diff((*composed)[0].composition, (*composed)[1].composition, opts.layer.options.limits.dfa);
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

// Reads grants as aalayerd does at each reload (policy/engine/grant_check.h),
// for a placeholder user, so an admin sees the service's log lines before
// installing a grant.
// The file's default layers composed on each base it grants, for the user
// of --uid/--user/--home or a sample person: the errors the service would log.
std::size_t check_defaults(const Options& opts, const GrantFileCheck& file,
                           const std::map<std::string, std::string>& bases) {
    std::size_t errors = 0;
    UserIdentity user = opts.layer.user;
    if (user.name.empty()) user = UserIdentity{1000, "user", "/home/user"};
    for (const auto& grant : file.grants) {
        const auto base = bases.find(grant.base);
        if (base == bases.end()) continue;
        for (const auto& d : file.defaults) {
            LayerInputs in = opts.layer;
            in.base_file = base->second;
            in.grant_file = file.path;
            in.layer_files = {d.path};
            in.profile = grant.base;
            in.name = d.name;
            in.user = user;
            std::string error;
            const auto composed = compose_all(in, error);
            const bool ok = composed && std::ranges::all_of(*composed, [](const Composed& c) {
                                return c.composition.valid();
                            });
            if (ok) continue;
            ++errors;
            std::cout << d.path << ": error: the default layer '" << d.name << "' does not compose on '"
                      << grant.base << "' for " << user.name << " (uid " << user.uid << ", home " << user.home
                      << ")" << (error.empty() ? "" : ": " + error) << '\n';
            for (const auto& c : composed.value_or(std::vector<Composed>{}))
                for (const auto& f : c.composition.findings)
                    if (f.severity == Severity::Error) std::cout << "  " << f.format() << '\n';
        }
    }
    return errors;
}

int run_check_grants(const Options& opts) {
    const std::string dir = opts.args.empty() ? "/etc/aalayer/grants.d" : opts.args.front();
    const FilesystemReader reader;
    if (reader.stat(dir) != EntryType::Directory) {
        std::cerr << "aalayer-policy: " << dir << ": not a directory\n";
        return kExitInvalid;
    }
    LoadOptions system;
    system.include_dirs = opts.layer.include_dirs;
    auto tunables = load_tunables(Loader(reader, system));
    if (!tunables) {
        std::cerr << tunables.error().format() << '\n';
        return kExitInvalid;
    }
    LoadOptions user = system;
    user.predefined = user_variables(std::move(*tunables), UserIdentity{65534, "nobody", "/nonexistent"});
    const Loader grant_loader(reader, grant_load_options(user));
    const auto bases = base_profiles_in(reader, opts.profiles_dir, system.limits);
    std::size_t files = 0;
    std::size_t grants = 0;
    std::size_t errors = 0;
    std::size_t warnings = 0;
    for (const auto& file :
         check_grants_in(reader, grant_loader, dir, bases, opts.profiles_dir, opts.layer.options.limits)) {
        ++files;
        grants += file.grants.size();
        for (const auto& f : file.findings) {
            std::cout << f.format() << '\n';
            ++(f.severity == Severity::Error ? errors : warnings);
        }
        errors += check_defaults(opts, file, bases);
    }
    std::cout << dir << ": " << files << " grant file(s), " << grants << " grant(s) in use, " << errors
              << " error(s), " << warnings << " warning(s)\n";
    return errors == 0 ? kExitOk : kExitInvalid;
}

struct PolicyCommand {
    CommandSpec spec;
    int (*run)(const Options&);
    bool layer = false;  // compose, explain, diff: a layer on a base within a grant
};

const std::vector<PolicyCommand>& commands() {
    static const std::vector<std::vector<std::string_view>> inputs = {{"--base", "--grant", "--layer"},
                                                                      {"--uid", "--user", "--home"}};
    static const std::vector<PolicyCommand> table = {
        {{.name = "parse", .arguments = {"FILE..."}}, run_files},
        {{.name = "emit", .arguments = {"FILE"}}, run_files},
        {{.name = "compose", .required = inputs}, run_layers, true},
        {{.name = "explain", .arguments = {"PATH..."}, .required = inputs}, run_layers, true},
        {{.name = "diff", .required = inputs}, run_layers, true},
        {{.name = "check-grants", .options = {"--profiles", "--uid", "--user", "--home"}, .most = 1},
         run_check_grants},
    };
    return table;
}

// The command line into `opts` and the command to run; an exit code when it
// ends the program (help, usage error).
std::variant<const PolicyCommand*, int> read_command_line(int argc, char** argv, Options& opts) {
    const std::vector<std::string_view> words(argv + 1, argv + argc);
    auto parsed = parse_args(kOptions, words);
    if (const auto* error = std::get_if<std::string>(&parsed)) return usage_error(*error);
    const auto& p = std::get<ParsedArgs>(parsed);
    if (p.has("--help")) {
        std::cout << kUsage;
        return kExitOk;
    }
    opts.layer = layer_inputs(p);
    if (p.has("--uid")) {
        const auto uid = parse_uid(p.value("--uid"));
        if (!uid) return usage_error("--uid needs a number (a uid below 4294967295)");
        opts.layer.user.uid = *uid;
    }
    if (p.command.empty()) return usage_error("missing command");
    const PolicyCommand* c = find_command(commands(), p.command);
    if (c == nullptr) return usage_error("unknown command " + p.command);
    if (auto error = check_args(c->spec, kOptions, p)) return usage_error(*error);
    opts.command = p.command;
    opts.args = p.arguments;
    opts.verbose = p.has("--verbose");
    opts.json = p.has("--json");
    if (p.has("--profiles")) opts.profiles_dir = p.value("--profiles");
    if (c->layer) {
        if (auto error = check_layer_command(opts)) return usage_error(*error);
    }
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    Options opts;
    const auto command = read_command_line(argc, argv, opts);
    if (const int* code = std::get_if<int>(&command)) return *code;
    return std::get<const PolicyCommand*>(command)->run(opts);
}
