// aalayer: manage your AppArmor layers (aalayer(1)).
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

#include "client/cli/commands.h"
#include "client/cli/exit_codes.h"

namespace {

using namespace aalayer::cli;

struct Command {
    int (*run)(aalayer::client::Client&, const Args&, const Output&);
    std::size_t min_args;
    std::size_t max_args;
    const char* usage;
    const char* help;
};

const std::map<std::string, Command>& commands() {
    static const std::map<std::string, Command> table = {
        {"grants",
         {cmd_grants, 0, 0, "aalayer grants [--json]",
          "List the base profiles you may layer on, with the paths the admin lets you decide about."}},
        {"check",
         {cmd_check, 1, 1, "aalayer check FILE --base BASE [--name NAME] [--print-profile] [--json]",
          "Check a layer file without applying it: findings as FILE:LINE:COL: severity: message.\n"
          "Exit 1 if it has errors. --print-profile also prints the child profile it would load."}},
        {"apply",
         {cmd_apply, 2, 2,
          "aalayer apply NAME FILE --base BASE [--strict] [--complain] [--interactive] [--json]",
          "Create or replace your layer BASE/NAME from FILE. The old version stays loaded unless the\n"
          "new one loads. --strict: a rule reaching past the grant is an error, not a warning.\n"
          "--complain: log instead of deny. --interactive: let polkit ask for your password."}},
        {"list",
         {cmd_list, 0, 0, "aalayer list [--all] [--json]",
          "List your layers with their state. --all: every layer the service has (names only)."}},
        {"show",
         {cmd_show, 1, 1, "aalayer show BASE/NAME [--json]",
          "Show a layer of yours: state, findings, source."}},
        {"explain",
         {cmd_explain, 2, 1000, "aalayer explain BASE/NAME PATH... [--json]",
          "What your layer lets a program do with each PATH (owner= when you own the file,\n"
          "other= otherwise; letters r w a l k m x), and the rules that decided it."}},
        {"diff",
         {cmd_diff, 2, 2, "aalayer diff BASE/NAME BASE/OTHER [--json]",
          "Where two of your layers on one base differ, with an example path each."}},
        {"remove",
         {cmd_remove, 1, 1, "aalayer remove BASE/NAME [--force] [--interactive]",
          "Remove your layer. Refused while programs run under it, unless --force\n"
          "(the layer would no longer be kept up to date for them)."}},
        {"edit",
         {cmd_edit, 1, 1, "aalayer edit BASE/NAME",
          "Edit your layer in $VISUAL or $EDITOR; it is checked and applied only if it has no errors\n"
          "(your edit is kept and its path printed otherwise)."}},
        {"run",
         {cmd_run, 1, 1, "aalayer run BASE/NAME -- COMMAND [ARG]...",
          "Run COMMAND under your layer: the stack BASE//&BASE//aalayer.UID.NAME. Refused on a kernel\n"
          "without AppArmor, rather than running unconfined."}},
    };
    return table;
}

constexpr std::string_view kExitCodes =
    "Exit codes: 0 ok, 1 the layer has errors, 2 usage, 3 not permitted, 4 service unavailable,\n"
    "5 no such layer, base or grant, 6 refused (a limit, the kernel, busy), 7 internal error.\n";

void usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: aalayer COMMAND [OPTIONS] ARGS...   (aalayer COMMAND --help for one command)\n\n");
    for (const auto& [name, c] : commands())
        std::fprintf(to, "  %s\n", c.usage);
    std::fprintf(to, "\nLayers are written BASE/NAME, e.g. firefox/banking.\n%s", kExitCodes.data());
}

int usage_error(const std::string& message, const char* command_usage = nullptr) {
    std::fprintf(stderr, "aalayer: %s\n", message.c_str());
    if (command_usage != nullptr) {
        std::fprintf(stderr, "usage: %s\n", command_usage);
    } else {
        usage(stderr);
    }
    return kUsage;
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    bool help = false;
    int i = 1;
    for (; i < argc; ++i) {
        const std::string_view s = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        if (s == "--") {
            for (++i; i < argc; ++i)
                a.after_dashes.emplace_back(argv[i]);
            break;
        }
        if (s == "-h" || s == "--help") {
            help = true;
        } else if (s == "--json") {
            a.json = true;
        } else if (s == "--strict") {
            a.strict = true;
        } else if (s == "--complain") {
            a.complain = true;
        } else if (s == "--force") {
            a.force = true;
        } else if (s == "--interactive") {
            a.interactive = true;
        } else if (s == "--all") {
            a.all = true;
        } else if (s == "--print-profile") {
            a.print_profile = true;
        } else if (s == "--base" || s == "--name") {
            if (!value(s == "--base" ? a.base : a.name))
                return usage_error(std::string(s) + " needs a value");
        } else if (s.starts_with("-") && s != "-") {
            return usage_error("unknown option " + std::string(s));
        } else if (a.command.empty()) {
            a.command = s;
        } else {
            a.positional.emplace_back(s);
        }
    }
    if (a.command.empty()) {
        if (help) {
            usage(stdout);
            return kOk;
        }
        return usage_error("missing command");
    }
    const auto it = commands().find(a.command);
    if (it == commands().end()) return usage_error("unknown command " + a.command);
    const Command& cmd = it->second;
    if (help) {
        std::printf("usage: %s\n\n%s\n\n%s", cmd.usage, cmd.help, kExitCodes.data());
        return kOk;
    }
    // Options a command does not take are refused, not silently ignored.
    const std::map<std::string, std::vector<std::pair<bool, const char*>>> takes = {
        {"--base", {{!a.base.empty(), "check apply"}}},
        {"--name", {{!a.name.empty(), "check"}}},
        {"--strict", {{a.strict, "apply edit"}}},
        {"--complain", {{a.complain, "apply"}}},
        {"--force", {{a.force, "remove"}}},
        {"--interactive", {{a.interactive, "apply remove edit"}}},
        {"--all", {{a.all, "list"}}},
        {"--print-profile", {{a.print_profile, "check"}}},
        {"--json", {{a.json, "grants check apply list show explain diff"}}},
    };
    for (const auto& [option, uses] : takes) {
        for (const auto& [given, commands_list] : uses) {
            const std::string list = std::string(" ") + commands_list + " ";
            if (given && list.find(" " + a.command + " ") == std::string::npos) {
                return usage_error(a.command + " does not take " + option, cmd.usage);
            }
        }
    }
    if (a.positional.size() < cmd.min_args || a.positional.size() > cmd.max_args) {
        return usage_error("wrong number of arguments", cmd.usage);
    }
    if ((a.command == "check" || a.command == "apply") && a.base.empty())
        return usage_error("--base is needed", cmd.usage);
    if (a.command == "run" && a.after_dashes.empty()) return usage_error("run needs -- COMMAND", cmd.usage);
    if (a.command != "run" && !a.after_dashes.empty())
        return usage_error("unexpected arguments after --", cmd.usage);
    for (const auto& p : a.positional) {
        std::string base;
        std::string name;
        const bool layer_arg =
            (a.command == "show" || a.command == "remove" || a.command == "edit" || a.command == "run" ||
             a.command == "diff" || (a.command == "explain" && &p == &a.positional.front()));
        if (layer_arg && !split_layer(p, base, name)) {
            return usage_error("'" + p + "' is not a layer: write BASE/NAME", cmd.usage);
        }
    }
    const Output out(a.json);
    try {
        auto client = aalayer::client::Client::connect();
        return cmd.run(*client, a, out);
    } catch (const aalayer::client::CallError& e) {
        const int code = exit_code_for(e.name());
        out.error(code == kServiceUnavailable
                      ? std::string("the aalayer service is not available (") + e.what() + ")"
                      : e.what());
        return code;
    } catch (const std::exception& e) {
        out.error(std::string("unexpected error: ") + e.what());
        return kInternal;
    }
}
