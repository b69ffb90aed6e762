// Command lines of the form PROGRAM COMMAND [OPTIONS] ARGS... [-- REST...],
// read against a declarative table: the options a program knows, and per
// command its arguments, the options it takes and the ones it needs. The
// usage line and the usage errors come from the same table.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace aalayer::tool {

struct OptionSpec {
    std::string_view name = {};        // "--base"
    std::string_view value = {};       // the name of its value in usage ("BASE"); empty: a flag
    std::string_view short_name = {};  // "-I"; one that takes a value may be joined to it: -IDIR
    bool global = false;               // every command takes it
};

struct CommandSpec {
    std::string_view name = {};
    // Its arguments by name, in order; the last may end in "...": one or more.
    std::vector<std::string_view> arguments = {};
    // The options it takes besides the global and the required ones, by name, in usage order.
    std::vector<std::string_view> options = {};
    // Groups of options it needs (and so takes), each reported together: "NAME needs --a, --b and --c".
    std::vector<std::vector<std::string_view>> required = {};
    // What it takes after `--` ("COMMAND [ARG]..."), which it then needs; empty: nothing.
    std::string_view rest = {};
    // At most this many arguments; 0: as many as `arguments` allows.
    std::size_t most = 0;
    // At least this many arguments (the rest shown in usage as optional); unset: all of `arguments`.
    std::optional<std::size_t> least = std::nullopt;
    std::string_view summary = {};
};

struct ParsedArgs {
    std::string command;
    std::vector<std::string> arguments;
    std::vector<std::string> rest;  // after `--`
    // Every option given, by its long name, in order, with its value ("" for a flag).
    std::vector<std::pair<std::string_view, std::string>> options;

    [[nodiscard]] bool has(std::string_view option) const;
    // The option's last value, "" when it is not given.
    [[nodiscard]] std::string value(std::string_view option) const;
    [[nodiscard]] std::vector<std::string> values(std::string_view option) const;
};

// The words after the program's name: options (anywhere, known by `options`,
// with their values), the command (the first other word), its arguments, and
// what follows `--`. An unknown option or one missing its value is an error
// (its message returned). "-" alone is an argument.
std::variant<ParsedArgs, std::string> parse_args(std::span<const OptionSpec> options,
                                                 std::span<const std::string_view> words);

// What `command`'s table says against `args`: an option it does not take,
// too few or too many arguments, a required option missing, `--` missing or
// unexpected. The message of the first, in that order, or nothing.
std::optional<std::string> check_args(const CommandSpec& command, std::span<const OptionSpec> options,
                                      const ParsedArgs& args);

// "PROGRAM NAME ARGS... --required VALUE [--option VALUE] [--flag] [-- REST]".
std::string usage_line(std::string_view program, const CommandSpec& command,
                       std::span<const OptionSpec> options);

// The name of argument `i` (the last one's, without "...", past the end).
std::string_view argument_name(const CommandSpec& command, std::size_t i);

// The entry of `table` (each with a `spec`) named `name`, or null.
template <class Command>
const Command* find_command(const std::vector<Command>& table, std::string_view name) {
    for (const Command& c : table)
        if (c.spec.name == name) return &c;
    return nullptr;
}

}  // namespace aalayer::tool
