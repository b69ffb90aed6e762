#include "client/common/args.h"

#include <algorithm>
#include <limits>

namespace aalayer::tool {

namespace {

constexpr std::string_view kMore = "...";

const OptionSpec* option_named(std::span<const OptionSpec> options, std::string_view name) {
    for (const OptionSpec& o : options)
        if (o.name == name || (!o.short_name.empty() && o.short_name == name)) return &o;
    return nullptr;
}

// A short option with its value joined to it: -IDIR.
const OptionSpec* joined_option(std::span<const OptionSpec> options, std::string_view word) {
    for (const OptionSpec& o : options) {
        if (!o.value.empty() && !o.short_name.empty() && word.size() > o.short_name.size() &&
            word.starts_with(o.short_name)) {
            return &o;
        }
    }
    return nullptr;
}

bool contains(const std::vector<std::string_view>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

bool required(const CommandSpec& c, std::string_view option) {
    return std::any_of(c.required.begin(), c.required.end(),
                       [&](const std::vector<std::string_view>& group) { return contains(group, option); });
}

// "--a", "--a and --b", "--a, --b and --c".
std::string listed(const std::vector<std::string_view>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i != 0) out += i + 1 == names.size() ? " and " : ", ";
        out += names[i];
    }
    return out;
}

std::optional<std::string> check_count(const CommandSpec& c, const std::vector<std::string>& arguments) {
    const std::size_t given = arguments.size();
    const bool more = !c.arguments.empty() && c.arguments.back().ends_with(kMore);
    const std::size_t most = c.most != 0 ? c.most
                             : more      ? std::numeric_limits<std::size_t>::max()
                                         : c.arguments.size();
    const std::string name(c.name);
    if (given < c.least.value_or(c.arguments.size()))
        return name + " needs a " + std::string(argument_name(c, given));
    if (given <= most) return std::nullopt;
    if (most == 0) return name + " takes no arguments";
    return name + ": unexpected argument '" + arguments[most] + "'";
}

}  // namespace

bool ParsedArgs::has(std::string_view option) const {
    return std::any_of(options.begin(), options.end(), [&](const auto& o) { return o.first == option; });
}

std::string ParsedArgs::value(std::string_view option) const {
    const auto values_given = values(option);
    return values_given.empty() ? std::string() : values_given.back();
}

std::vector<std::string> ParsedArgs::values(std::string_view option) const {
    std::vector<std::string> out;
    for (const auto& [name, v] : options)
        if (name == option) out.push_back(v);
    return out;
}

std::variant<ParsedArgs, std::string> parse_args(std::span<const OptionSpec> options,
                                                 std::span<const std::string_view> words) {
    ParsedArgs p;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string_view w = words[i];
        if (w == "--") {
            p.rest.assign(words.begin() + static_cast<std::ptrdiff_t>(i) + 1, words.end());
            break;
        }
        if (!w.starts_with("-") || w == "-") {
            if (p.command.empty()) {
                p.command = w;
            } else {
                p.arguments.emplace_back(w);
            }
            continue;
        }
        const OptionSpec* o = option_named(options, w);
        if (o == nullptr) {
            o = joined_option(options, w);
            if (o == nullptr) return "unknown option " + std::string(w);
            p.options.emplace_back(o->name, w.substr(o->short_name.size()));
            continue;
        }
        std::string value;
        if (!o->value.empty()) {
            if (i + 1 >= words.size()) return std::string(w) + " needs a value";
            value = words[++i];
        }
        p.options.emplace_back(o->name, std::move(value));
    }
    return p;
}

std::optional<std::string> check_args(const CommandSpec& command, std::span<const OptionSpec> options,
                                      const ParsedArgs& args) {
    const std::string name(command.name);
    for (const auto& [option, value] : args.options) {
        const OptionSpec* o = option_named(options, option);
        if (o != nullptr && !o->global && !contains(command.options, option) && !required(command, option))
            return name + " does not take " + std::string(option);
    }
    if (auto count = check_count(command, args.arguments)) return count;
    // A required option given an empty value is missing all the same.
    auto given = [&](std::string_view option) {
        const OptionSpec* o = option_named(options, option);
        return o != nullptr && !o->value.empty() ? !args.value(option).empty() : args.has(option);
    };
    for (const auto& group : command.required)
        if (!std::all_of(group.begin(), group.end(), given)) return name + " needs " + listed(group);
    if (!command.rest.empty() && args.rest.empty())
        return name + " needs -- " + std::string(command.rest.substr(0, command.rest.find(' ')));
    if (command.rest.empty() && !args.rest.empty()) return "unexpected arguments after --";
    return std::nullopt;
}

std::string usage_line(std::string_view program, const CommandSpec& command,
                       std::span<const OptionSpec> options) {
    std::string out = std::string(program) + " " + std::string(command.name);
    for (std::size_t i = 0; i < command.arguments.size(); ++i) {
        const std::string a(command.arguments[i]);
        out += i < command.least.value_or(command.arguments.size()) ? " " + a : " [" + a + "]";
    }
    auto option_text = [&](std::string_view name) {
        const OptionSpec* o = option_named(options, name);
        return std::string(name) + (o != nullptr && !o->value.empty() ? " " + std::string(o->value) : "");
    };
    for (const auto& group : command.required)
        for (const auto& name : group)
            out += " " + option_text(name);
    for (const auto& name : command.options)
        if (!required(command, name)) out += " [" + option_text(name) + "]";
    if (!command.rest.empty()) out += " -- " + std::string(command.rest);
    return out;
}

std::string_view argument_name(const CommandSpec& command, std::size_t i) {
    if (command.arguments.empty()) return {};
    std::string_view name = command.arguments[std::min(i, command.arguments.size() - 1)];
    if (name.ends_with(kMore)) name.remove_suffix(kMore.size());
    return name;
}

}  // namespace aalayer::tool
