// aalayer's command line: one table of its commands (arguments, options,
// required options, help), read once into Args, BASE/NAME split once.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "client/cli/output.h"
#include "client/common/args.h"
#include "client/lib/client.h"
#include "client/lib/environment.h"

namespace aalayer::cli {

// A layer, written BASE/NAME: BASE may itself contain '/', NAME may not.
struct LayerRef {
    std::string base;
    std::string name;
    [[nodiscard]] std::string text() const { return base + "/" + name; }
};

// BASE/NAME into its parts; nothing when either would be empty.
std::optional<LayerRef> parse_layer(std::string_view text);

// An explain PATH as the caller means it: "~" and "~/..." in `home`, a
// relative path in `cwd`, both made lexically normal ("." and ".." gone).
// An absolute path, or one with nothing to resolve it against, as it is.
std::string resolve_path(const std::string& path, const std::string& home, const std::string& cwd);

// $HOME, else the passwd entry's home: the caller's own, as a shell's ~ is.
using client::home_directory;

// log --since: "10m" (s m h d ago, from `now`), "@EPOCH" (seconds) or a local
// time "YYYY-MM-DD[THH:MM[:SS]]", as microseconds since the epoch.
std::optional<std::uint64_t> parse_since(const std::string& text, std::time_t now);

struct Args {
    std::string command;
    // The layer the command is about: BASE/NAME (apply: also NAME with --base);
    // check: --base and --name, or FILE's name without its extension.
    LayerRef layer;
    LayerRef other;                         // diff: BASE/OTHER
    std::string file;                       // check, apply: FILE
    std::vector<std::string> paths;         // explain: PATH..., resolved (resolve_path)
    std::vector<std::string> after_dashes;  // run: COMMAND [ARG]...
    // run BASE --allow/--deny: a one-run layer (layer.base alone is set).
    bool one_run = false;
    std::vector<client::RunPath> allows;  // resolved (resolve_path), perms as given
    std::vector<std::string> denies;
    std::string layer_file;  // --layer FILE: rules put before the paths'.
    bool json = false;
    bool strict = false;
    bool complain = false;
    bool force = false;
    bool interactive = false;
    bool all = false;
    bool print_profile = false;
    bool with_base = false;                        // diff --base: the layer against its base alone
    std::string mode;                              // mode: enforce | complain
    std::optional<std::uint64_t> since;            // log --since, microseconds since the epoch
    bool follow = false;                           // log --follow
    bool yes = false;                              // learn --yes: accept every proposal
    bool enforce = false;                          // learn --enforce: apply in enforce mode
    bool dry_run = false;                          // sync --dry-run: print the plan only
    std::string desktop;                           // launcher --desktop ID
    std::string label;                             // launcher --label
    std::vector<std::string> default_for;          // launcher --default-for, split at ','
    bool remove = false;                           // launcher --remove
    bool all_repeats = false;                      // notify --all-repeats
    unsigned repeat_after_minutes = 0;             // notify --repeat-after; 0: once a session
    unsigned interval_seconds = 10;                // notify --interval
    std::string terminal = "x-terminal-emulator";  // notify --terminal
};

struct Command {
    tool::CommandSpec spec;
    int (*run)(client::Client&, const Args&, const Output&);
};

// Every command, in the order aalayer --help lists them.
const std::vector<Command>& commands();
std::span<const tool::OptionSpec> options();
// "aalayer apply BASE/NAME FILE [--strict] ...".
std::string usage_of(const Command& command);

struct CommandLine {
    const Command* command = nullptr;  // null: none given (with --help)
    bool help = false;                 // --help: args are not read
    bool version = false;              // --version, without a command
    Args args;
};

struct UsageError {
    std::string message;
    const Command* command = nullptr;  // the command it is about, when known
};

// The words after "aalayer".
std::variant<CommandLine, UsageError> read_command_line(std::span<const std::string_view> words);

}  // namespace aalayer::cli
