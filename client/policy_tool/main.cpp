// aalayer-policy: the policy engine on the command line, for admins and tests.
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "policy/load/loader.h"
#include "policy/source/filesystem_reader.h"
#include "policy/syntax/emitter.h"

namespace {

using namespace aalayer::policy;

constexpr int kExitOk = 0;
constexpr int kExitInvalid = 1;
constexpr int kExitUsage = 2;

constexpr std::string_view kUsage =
    "usage: aalayer-policy COMMAND [OPTIONS] FILE...\n"
    "\n"
    "Commands:\n"
    "  parse FILE...   parse AppArmor policy files with their includes; exit 0 when all\n"
    "                  parse, 1 (printing FILE:LINE:COL: error: MESSAGE) otherwise\n"
    "  emit FILE       print the canonical text of a policy file\n"
    "\n"
    "Options:\n"
    "  -I, --include DIR  search DIR for <includes> before /etc/apparmor.d (repeatable)\n"
    "  -v, --verbose      report what was read\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit codes: 0 success, 1 invalid policy, 2 usage error.\n";

struct Options {
    std::string command;
    std::vector<std::string> files;
    std::vector<std::string> include_dirs;
    bool verbose = false;
};

int usage_error(const std::string& message) {
    std::cerr << "aalayer-policy: " << message << "\n\n" << kUsage;
    return kExitUsage;
}

// Returns an exit code when parsing ends the program (help, usage error).
std::optional<int> parse_args(int argc, char** argv, Options& opts) {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view a = args[i];
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return kExitOk;
        }
        if (a == "-v" || a == "--verbose") {
            opts.verbose = true;
        } else if (a == "-I" || a == "--include") {
            if (i + 1 >= args.size()) return usage_error(std::string(a) + " needs a directory");
            opts.include_dirs.emplace_back(args[++i]);
        } else if (a.starts_with("-I") && a.size() > 2) {
            opts.include_dirs.emplace_back(a.substr(2));
        } else if (a.starts_with("-") && a != "-") {
            return usage_error("unknown option " + std::string(a));
        } else if (opts.command.empty()) {
            opts.command = a;
        } else {
            opts.files.emplace_back(a);
        }
    }
    if (opts.command.empty()) return usage_error("missing command");
    if (opts.command != "parse" && opts.command != "emit")
        return usage_error("unknown command " + opts.command);
    if (opts.files.empty()) return usage_error(opts.command + " needs a FILE");
    if (opts.command == "emit" && opts.files.size() != 1) return usage_error("emit takes exactly one FILE");
    return std::nullopt;
}

void print_notes(const LoadedPolicy& policy) {
    for (const auto& note : policy.notes) {
        std::cerr << to_string(note.where) << ": note: " << note.message << '\n';
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options opts;
    if (auto code = parse_args(argc, argv, opts)) return *code;

    LoadOptions load;
    load.include_dirs = opts.include_dirs;
    load.include_dirs.emplace_back("/etc/apparmor.d");
    const FilesystemReader reader;
    const Loader loader(reader, load);

    int status = kExitOk;
    for (const auto& file : opts.files) {
        auto policy = loader.load_file(file);
        if (!policy) {
            std::cerr << policy.error().format() << '\n';
            status = kExitInvalid;
            continue;
        }
        if (opts.verbose) {
            std::cerr << file << ": ok (" << policy->documents.size() << " files read)\n";
        }
        print_notes(*policy);
        if (opts.command == "emit") std::cout << emit_document(policy->root_document());
    }
    return status;
}
