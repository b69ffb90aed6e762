#include "client/cli/arguments.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <set>
#include <sstream>
#include <string_view>
#include <tuple>

#include <time.h>
#include <unistd.h>

#include "client/cli/commands.h"

namespace aalayer::cli {

namespace {

using tool::CommandSpec;
using tool::OptionSpec;

constexpr std::array<OptionSpec, 28> kOptions{{
    {.name = "--help", .short_name = "-h", .global = true},
    {.name = "--version", .global = true},
    {.name = "--base", .value = "BASE"},
    {.name = "--name", .value = "NAME"},
    {.name = "--json"},
    {.name = "--strict"},
    {.name = "--complain"},
    {.name = "--force"},
    {.name = "--interactive"},
    {.name = "--all"},
    {.name = "--print-profile"},
    {.name = "--since", .value = "TIME"},
    {.name = "--follow"},
    {.name = "--yes"},
    {.name = "--enforce"},
    {.name = "--all-repeats"},
    {.name = "--repeat-after", .value = "MINUTES"},
    {.name = "--interval", .value = "SECONDS"},
    {.name = "--terminal", .value = "PROGRAM"},
    {.name = "--with-base"},
    {.name = "--dry-run"},
    {.name = "--desktop", .value = "ID"},
    {.name = "--label", .value = "TEXT"},
    {.name = "--default-for", .value = "TYPES"},
    {.name = "--remove"},
    {.name = "--allow", .value = "PATH[:PERMS]"},
    {.name = "--deny", .value = "PATH"},
    {.name = "--layer", .value = "FILE"},
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
          .arguments = {"BASE/NAME", "FILE"},
          .options = {"--strict", "--complain", "--interactive", "--json"},
          .summary =
              "Create or replace your layer BASE/NAME from FILE (the older NAME FILE --base BASE still\n"
              "works). The old version stays loaded unless the new one loads.\n"
              "--strict: a rule reaching past the grant is an error, not a warning.\n"
              "--complain: log instead of deny (without it a layer keeps its mode; see mode).\n"
              "--interactive: let polkit ask for your password (a polkit agent must run in your session)."},
         cmd_apply},
        {{.name = "list",
          .options = {"--all", "--json"},
          .summary = "List your layers with their state and mode. --all: every layer the service has, with\n"
                     "its owner (names only)."},
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
                     "other= otherwise; letters r w a l k m x), and the rules that decided it. A PATH\n"
                     "starting with ~/ is in your home ($HOME), a relative one in the current directory."},
         cmd_explain},
        {{.name = "diff",
          .arguments = {"BASE/NAME", "BASE/OTHER"},
          .options = {"--with-base", "--json"},
          .least = 1,
          .summary = "Where two of your layers on one base differ, with an example path each. With --base\n"
                     "(or --with-base) instead of BASE/OTHER: where the layer differs from the base alone,\n"
                     "that is what it takes away from what the base allows."},
         cmd_diff},
        {{.name = "remove",
          .arguments = {"BASE/NAME"},
          .options = {"--force", "--interactive", "--json"},
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
        {{.name = "mode",
          .arguments = {"BASE/NAME", "MODE"},
          .options = {"--interactive"},
          .summary = "Switch your layer to MODE: enforce (deny what it does not allow) or complain (allow,\n"
                     "and log what it would deny: see log). The text is not sent again."},
         cmd_mode},
        {{.name = "reset",
          .arguments = {"BASE/NAME"},
          .options = {"--interactive"},
          .summary = "Put the admin's default layer NAME back: your version of it, or your removal of it,\n"
                     "is forgotten, and it follows the admin's edits again."},
         cmd_reset},
        {{.name = "reload",
          .summary = "Admin: read the grants, their default layers and the base profiles again and\n"
                     "recompute the layers that depend on what changed. The service does so by itself\n"
                     "when those directories change, not when a file they include does (an abstraction,\n"
                     "a tunable). Needs polkit's org.aalayer.reload: root, or an admin's password."},
         cmd_reload},
        {{.name = "accept",
          .arguments = {"BASE/NAME"},
          .options = {"--interactive"},
          .summary =
              "Accept what an admin's change made your layer allow (its state is review; 'show' lists\n"
              "what would widen). Until then the kernel keeps it to what you accepted."},
         cmd_accept},
        {{.name = "log",
          .arguments = {"BASE/NAME"},
          .options = {"--since", "--follow", "--json"},
          .summary =
              "What the kernel denied programs under your layer (ALLOWED in complain mode), each with\n"
              "the rule that would allow it, or why only the admin can. --since TIME: 10m, 2h, 1d\n"
              "ago, @EPOCH or YYYY-MM-DD[THH:MM[:SS]]. --follow: then print new records as they\n"
              "come (Ctrl-C ends); with --json one object a line."},
         cmd_log},
        {{.name = "learn",
          .arguments = {"BASE/NAME"},
          .options = {"--since", "--yes", "--enforce", "--interactive", "--json"},
          .summary = "Propose rules that would allow what log shows (typically after a complain-mode run),\n"
                     "written as a person would: a directory's subtree, not one line per file; only what\n"
                     "your grant lets you allow. In a terminal: accept, skip or edit each, then apply.\n"
                     "--yes: apply them all. --enforce: apply in enforce mode. --json: print them, and\n"
                     "apply nothing unless --yes. Otherwise: print the diff and apply nothing."},
         cmd_learn},
        {{.name = "run",
          .arguments = {"BASE/NAME"},
          .options = {"--allow", "--deny", "--layer", "--strict"},
          .rest = "COMMAND [ARG]...",
          .summary =
              "Run COMMAND under your layer: the stack BASE//&BASE//aalayer.UID.NAME. Refused on a kernel\n"
              "without AppArmor, rather than running unconfined.\n"
              "aalayer run BASE --allow PATH[:PERMS]... [--deny PATH]... [--layer FILE] -- COMMAND: under\n"
              "a layer made for this run, gone when COMMAND and all it started have exited. Each PATH is\n"
              "matched exactly, whatever its name; PATH/ is the directory and its subtree. PERMS: letters\n"
              "of rwalkm (r if none). --layer FILE: your rules first. Findings are shown before COMMAND\n"
              "starts; --strict: none, or it does not start. Exits with COMMAND's status."},
         cmd_run},
        {{.name = "notify",
          .options = {"--all-repeats", "--repeat-after", "--interval", "--terminal"},
          .summary =
              "Show a desktop notification when a program under one of your layers is denied (runs\n"
              "until killed; started with your desktop session). Each denial once a session, at most one\n"
              "notice per layer every --interval SECONDS (10), the rest of a burst in one. --repeat-after\n"
              "MINUTES: the same denial again after that long. --all-repeats: every occurrence. Its\n"
              "actions run PROGRAM -e aalayer log|learn BASE/NAME (--terminal, x-terminal-emulator)."},
         cmd_notify},
        {{.name = "sync",
          .options = {"--dry-run", "--json"},
          .summary =
              "Make your layers match your layer files, $XDG_CONFIG_HOME/aalayer/layers/BASE/NAME.layer\n"
              "(~/.config/aalayer/layers; a BASE with '/' or '%' in it is written with %2F and %25):\n"
              "add, replace what differs, remove the ones sync applied whose file is gone. Layers you\n"
              "applied by hand and the admin's defaults are never removed. Prints one line per action.\n"
              "--dry-run: print them and change nothing."},
         cmd_sync},
        {{.name = "launcher",
          .arguments = {"BASE/NAME"},
          .options = {"--label", "--default-for", "--remove"},
          .required = {{"--desktop"}},
          .summary =
              "Write a desktop entry that starts the application of desktop entry ID (firefox-esr.desktop)\n"
              "under your layer, in $XDG_DATA_HOME/applications (aalayer-ID-NAME.desktop, named\n"
              "\"Firefox (NAME)\"; --label TEXT instead of NAME); its actions too. --default-for\n"
              "http,https,text/html: make it your default for those URL schemes and MIME types (the\n"
              "previous ones are remembered). --remove: delete it and give the defaults back."},
         cmd_launcher},
    };
}

std::string current_directory() {
    std::error_code error;
    auto cwd = std::filesystem::current_path(error);
    return error ? std::string() : cwd.string();
}

// The old apply form, NAME FILE --base BASE, as BASE/NAME FILE; nothing to do for the new one.
std::optional<std::string> old_apply_form(tool::ParsedArgs& p) {
    if (p.command != "apply" || !p.has("--base")) return std::nullopt;
    const std::string base = p.value("--base");
    if (base.empty()) return std::string("--base needs a base profile's name");
    if (!p.arguments.empty()) {
        if (p.arguments[0].find('/') != std::string::npos)
            return "apply: write BASE/NAME without --base, or NAME with --base, not '" + p.arguments[0] +
                   "' with --base";
        p.arguments[0] = base + "/" + p.arguments[0];
    }
    std::erase_if(p.options, [](const auto& o) { return o.first == "--base"; });
    return std::nullopt;
}

// Argument `value`, named `name` in the table, into its place in `a`.
std::optional<std::string> assign(Args& a, std::string_view name, const std::string& value) {
    if (name == "FILE") {
        a.file = value;
    } else if (name == "NAME") {
        a.layer.name = value;
    } else if (name == "PATH") {
        a.paths.push_back(resolve_path(value, home_directory(), current_directory()));
    } else if (name == "MODE") {
        if (value != "enforce" && value != "complain")
            return "MODE is enforce or complain, not '" + value + "'";
        a.mode = value;
    } else {  // BASE/NAME, BASE/OTHER
        auto layer = parse_layer(value);
        if (!layer) return "'" + value + "' is not a layer: write BASE/NAME";
        (name == "BASE/NAME" ? a.layer : a.other) = std::move(*layer);
    }
    return std::nullopt;
}

// run's --allow PATH[:PERMS]: PERMS when what follows the last ':' is
// letters of rwalkm, else the whole of it is the path ("a:b.txt").
client::RunPath run_path(const std::string& value) {
    const auto colon = value.rfind(':');
    if (colon != std::string::npos && colon + 1 < value.size() &&
        value.find_first_not_of("rwalkm", colon + 1) == std::string::npos)
        return {resolve_path(value.substr(0, colon), home_directory(), current_directory()),
                value.substr(colon + 1)};
    return {resolve_path(value, home_directory(), current_directory()), ""};
}

std::variant<Args, std::string> make_args(const Command& c, const tool::ParsedArgs& p) {
    Args a;
    a.command = p.command;
    if (a.command == "run" && (p.has("--allow") || p.has("--deny"))) {
        // A one-run layer: the argument is the base alone (it may hold '/').
        a.one_run = true;
        a.layer.base = p.arguments.at(0);
        for (const auto& v : p.values("--allow"))
            a.allows.push_back(run_path(v));
        for (const auto& v : p.values("--deny"))
            a.denies.push_back(resolve_path(v, home_directory(), current_directory()));
        a.layer_file = p.value("--layer");
        a.after_dashes = p.rest;
        a.strict = p.has("--strict");
        return a;
    }
    if (a.command == "run" && (p.has("--layer") || p.has("--strict")))
        return std::string("--layer and --strict go with --allow or --deny (a one-run layer)");
    for (std::size_t i = 0; i < p.arguments.size(); ++i)
        if (auto error = assign(a, tool::argument_name(c.spec, i), p.arguments[i])) return *error;
    if (p.has("--base")) a.layer.base = p.value("--base");
    if (a.command == "check") {
        a.layer.name = p.value("--name");
        if (a.layer.name.empty()) a.layer.name = std::filesystem::path(a.file).stem().string();
    }
    a.after_dashes = p.rest;
    a.with_base = p.has("--with-base");
    a.json = p.has("--json");
    a.strict = p.has("--strict");
    a.complain = p.has("--complain");
    a.force = p.has("--force");
    a.interactive = p.has("--interactive");
    a.all = p.has("--all");
    a.print_profile = p.has("--print-profile");
    a.follow = p.has("--follow");
    a.yes = p.has("--yes");
    a.enforce = p.has("--enforce");
    a.dry_run = p.has("--dry-run");
    a.desktop = p.value("--desktop");
    a.label = p.value("--label");
    a.remove = p.has("--remove");
    if (p.has("--default-for")) {
        std::stringstream list(p.value("--default-for"));
        for (std::string item; std::getline(list, item, ',');)
            if (!item.empty()) a.default_for.push_back(item);
        if (a.default_for.empty()) return std::string("--default-for takes http,https,text/html, ...");
    }
    if (a.remove && (p.has("--label") || p.has("--default-for")))
        return std::string("--remove takes neither --label nor --default-for");
    if (p.has("--desktop") && (a.desktop.empty() || a.desktop.find('/') != std::string::npos))
        return "--desktop takes a desktop file ID such as firefox-esr.desktop, not '" + a.desktop + "'";
    a.all_repeats = p.has("--all-repeats");
    if (p.has("--terminal")) a.terminal = p.value("--terminal");
    for (const auto& [option, out, most] : {std::tuple{"--repeat-after", &a.repeat_after_minutes, 100'000U},
                                            std::tuple{"--interval", &a.interval_seconds, 3600U}}) {
        if (!p.has(option)) continue;
        const std::string text = p.value(option);
        unsigned n = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || n > most ||
            (n == 0 && std::string_view(option) == "--interval"))
            return std::string(option) + " takes a whole number up to " + std::to_string(most) + ", not '" +
                   text + "'";
        *out = n;
    }
    if (p.has("--since")) {
        a.since = parse_since(p.value("--since"), std::time(nullptr));
        if (!a.since)
            return "--since takes 10m, 2h, 1d, @EPOCH or YYYY-MM-DD[THH:MM[:SS]], not '" +
                   p.value("--since") + "'";
    }
    return a;
}

}  // namespace

std::optional<std::uint64_t> parse_since(const std::string& text, std::time_t now) {
    const auto whole = [](std::string_view digits) -> std::optional<std::uint64_t> {
        std::uint64_t n = 0;
        const auto* end = digits.data() + digits.size();
        auto [ptr, ec] = std::from_chars(digits.data(), end, n);
        if (digits.empty() || ec != std::errc() || ptr != end || n > 100'000'000'000ULL) return std::nullopt;
        return n;
    };
    if (text.empty()) return std::nullopt;
    if (text.front() == '@') {
        auto n = whole(std::string_view(text).substr(1));
        if (!n) return std::nullopt;
        return *n * 1'000'000U;
    }
    const char unit = text.back();
    if (unit == 's' || unit == 'm' || unit == 'h' || unit == 'd') {
        auto n = whole(std::string_view(text).substr(0, text.size() - 1));
        if (!n) return std::nullopt;
        const std::uint64_t seconds = *n * (unit == 's'   ? 1U
                                            : unit == 'm' ? 60U
                                            : unit == 'h' ? 3600U
                                                          : 86400U);
        const auto t = static_cast<std::uint64_t>(now);
        return seconds >= t ? 0 : (t - seconds) * 1'000'000U;
    }
    for (const char* format :
         {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"}) {
        std::tm tm{};
        const char* end = ::strptime(text.c_str(), format, &tm);
        if (end == nullptr || *end != '\0') continue;
        tm.tm_isdst = -1;
        const std::time_t t = std::mktime(&tm);
        if (t < 0) return std::nullopt;
        return static_cast<std::uint64_t>(t) * 1'000'000U;
    }
    return std::nullopt;
}

std::string resolve_path(const std::string& path, const std::string& home, const std::string& cwd) {
    // A rule of another class ("signal", "network inet", "dbus,") is not a
    // relative file name: the service says explain cannot answer it. A file
    // of such a name is ./signal.
    static const std::set<std::string, std::less<>> kOtherClasses{
        "network", "signal",     "dbus",           "unix",   "ptrace", "capability", "mount", "umount",
        "remount", "pivot_root", "change_profile", "rlimit", "userns", "io_uring",   "mqueue"};
    if (kOtherClasses.contains(std::string_view(path).substr(0, path.find_first_of(" \t,")))) return path;
    std::string out;
    if ((path == "~" || path.starts_with("~/")) && !home.empty()) {
        out = home + path.substr(1);
    } else if (!path.empty() && path[0] != '/' && path[0] != '~' && !cwd.empty()) {
        out = cwd + "/" + path;
    } else {
        return path;  // absolute, or nothing to resolve it against: the service judges it
    }
    // "./" and "../" as the shell would read them (the service refuses them); a trailing '/' stays.
    return std::filesystem::path(out).lexically_normal().string();
}

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
    // `diff BASE/NAME --base` compares with the base alone: there --base is a flag.
    std::vector<std::string_view> read(words.begin(), words.end());
    if (!read.empty() && read.front() == "diff")
        std::replace(read.begin(), read.end(), std::string_view("--base"), std::string_view("--with-base"));
    auto parsed = tool::parse_args(kOptions, read);
    if (const auto* error = std::get_if<std::string>(&parsed)) return UsageError{*error};
    auto& p = std::get<tool::ParsedArgs>(parsed);
    CommandLine line;
    line.help = p.has("--help");
    line.version = p.has("--version");
    if (p.command.empty()) {
        if (line.help || line.version) return line;
        return UsageError{"missing command"};
    }
    line.command = tool::find_command(commands(), p.command);
    if (line.command == nullptr) return UsageError{"unknown command " + p.command};
    if (line.help) return line;
    if (line.version) return UsageError{"--version takes no command", line.command};
    if (auto error = old_apply_form(p)) return UsageError{*error, line.command};
    if (auto error = tool::check_args(line.command->spec, kOptions, p))
        return UsageError{*error, line.command};
    auto args = make_args(*line.command, p);
    if (const auto* error = std::get_if<std::string>(&args)) return UsageError{*error, line.command};
    line.args = std::move(std::get<Args>(args));
    if (line.args.command == "diff" && line.args.with_base == !line.args.other.name.empty())
        return UsageError{line.args.with_base ? "diff: BASE/OTHER or --base, not both"
                                              : "diff needs a BASE/OTHER or --base",
                          line.command};
    return line;
}

}  // namespace aalayer::cli
