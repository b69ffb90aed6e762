#include "client/cli/arguments.h"

#include <array>
#include <filesystem>

#include "client/cli/commands.h"

namespace aalayer::cli {

namespace {

using tool::CommandSpec;
using tool::OptionSpec;

constexpr std::array<OptionSpec, 10> kOptions{{
    {.name = "--help", .short_name = "-h", .global = true},
    {.name = "--base", .value = "BASE"},
    {.name = "--name", .value = "NAME"},
    {.name = "--json"},
    {.name = "--strict"},
    {.name = "--complain"},
    {.name = "--force"},
    {.name = "--interactive"},
    {.name = "--all"},
    {.name = "--print-profile"},
}};

std::vector<Command> command_table() {
    return {
        {{.name = "grants",
          .options = {"--json"},
          .summary =
              "List the base profiles you may layer on, with the paths the admin lets you decide about."},
         cmd_grants},
        {{.name = "check",
          .arguments = {"FILE"},
          .options = {"--name", "--print-profile", "--json"},
          .required = {{"--base"}},
          .summary = "Check a layer file without applying it: findings as FILE:LINE:COL: severity: message.\n"
                     "Exit 1 if it has errors. --print-profile also prints the child profile it would load."},
         cmd_check},
        {{.name = "apply",
          .arguments = {"NAME", "FILE"},
          .options = {"--strict", "--complain", "--interactive", "--json"},
          .required = {{"--base"}},
          .summary =
              "Create or replace your layer BASE/NAME from FILE. The old version stays loaded unless the\n"
              "new one loads. --strict: a rule reaching past the grant is an error, not a warning.\n"
              "--complain: log instead of deny. --interactive: let polkit ask for your password."},
         cmd_apply},
        {{.name = "list",
          .options = {"--all", "--json"},
          .summary = "List your layers with their state. --all: every layer the service has (names only)."},
         cmd_list},
        {{.name = "show",
          .arguments = {"BASE/NAME"},
          .options = {"--json"},
          .summary = "Show a layer of yours: state, findings, source."},
         cmd_show},
        {{.name = "explain",
          .arguments = {"BASE/NAME", "PATH..."},
          .options = {"--json"},
          .most = 1000,
          .summary = "What your layer lets a program do with each PATH (owner= when you own the file,\n"
                     "other= otherwise; letters r w a l k m x), and the rules that decided it."},
         cmd_explain},
        {{.name = "diff",
          .arguments = {"BASE/NAME", "BASE/OTHER"},
          .options = {"--json"},
          .summary = "Where two of your layers on one base differ, with an example path each."},
         cmd_diff},
        {{.name = "remove",
          .arguments = {"BASE/NAME"},
          .options = {"--force", "--interactive"},
          .summary = "Remove your layer. Refused while programs run under it, unless --force\n"
                     "(the layer would no longer be kept up to date for them)."},
         cmd_remove},
        {{.name = "edit",
          .arguments = {"BASE/NAME"},
          .options = {"--strict", "--interactive"},
          .summary =
              "Edit your layer in $VISUAL or $EDITOR; it is checked and applied only if it has no errors\n"
              "(your edit is kept and its path printed otherwise). --strict and --interactive as for apply."},
         cmd_edit},
        {{.name = "run",
          .arguments = {"BASE/NAME"},
          .rest = "COMMAND [ARG]...",
          .summary =
              "Run COMMAND under your layer: the stack BASE//&BASE//aalayer.UID.NAME. Refused on a kernel\n"
              "without AppArmor, rather than running unconfined."},
         cmd_run},
    };
}

// Argument `value`, named `name` in the table, into its place in `a`.
std::optional<std::string> assign(Args& a, std::string_view name, const std::string& value) {
    if (name == "FILE") {
        a.file = value;
    } else if (name == "NAME") {
        a.layer.name = value;
    } else if (name == "PATH") {
        a.paths.push_back(value);
    } else {  // BASE/NAME, BASE/OTHER
        auto layer = parse_layer(value);
        if (!layer) return "'" + value + "' is not a layer: write BASE/NAME";
        (name == "BASE/NAME" ? a.layer : a.other) = std::move(*layer);
    }
    return std::nullopt;
}

std::variant<Args, std::string> make_args(const Command& c, const tool::ParsedArgs& p) {
    Args a;
    a.command = p.command;
    for (std::size_t i = 0; i < p.arguments.size(); ++i)
        if (auto error = assign(a, tool::argument_name(c.spec, i), p.arguments[i])) return *error;
    if (p.has("--base")) a.layer.base = p.value("--base");
    if (a.command == "check") {
        a.layer.name = p.value("--name");
        if (a.layer.name.empty()) a.layer.name = std::filesystem::path(a.file).stem().string();
    }
    a.after_dashes = p.rest;
    a.json = p.has("--json");
    a.strict = p.has("--strict");
    a.complain = p.has("--complain");
    a.force = p.has("--force");
    a.interactive = p.has("--interactive");
    a.all = p.has("--all");
    a.print_profile = p.has("--print-profile");
    return a;
}

}  // namespace

std::optional<LayerRef> parse_layer(std::string_view text) {
    const auto slash = text.rfind('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return std::nullopt;
    return LayerRef{std::string(text.substr(0, slash)), std::string(text.substr(slash + 1))};
}

const std::vector<Command>& commands() {
    static const std::vector<Command> table = command_table();
    return table;
}

std::span<const tool::OptionSpec> options() {
    return kOptions;
}

std::string usage_of(const Command& command) {
    return tool::usage_line("aalayer", command.spec, kOptions);
}

std::variant<CommandLine, UsageError> read_command_line(std::span<const std::string_view> words) {
    auto parsed = tool::parse_args(kOptions, words);
    if (const auto* error = std::get_if<std::string>(&parsed)) return UsageError{*error};
    const auto& p = std::get<tool::ParsedArgs>(parsed);
    CommandLine line;
    line.help = p.has("--help");
    if (p.command.empty()) {
        if (line.help) return line;
        return UsageError{"missing command"};
    }
    line.command = tool::find_command(commands(), p.command);
    if (line.command == nullptr) return UsageError{"unknown command " + p.command};
    if (line.help) return line;
    if (auto error = tool::check_args(line.command->spec, kOptions, p))
        return UsageError{*error, line.command};
    auto args = make_args(*line.command, p);
    if (const auto* error = std::get_if<std::string>(&args)) return UsageError{*error, line.command};
    line.args = std::move(std::get<Args>(args));
    return line;
}

}  // namespace aalayer::cli
