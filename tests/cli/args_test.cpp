// The argument tables of aalayer and aalayer-policy (client/common/args.h)
// and aalayer's command line read into Args (client/cli/arguments.h).
#include "client/common/args.h"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "client/cli/arguments.h"
#include "client/cli/learn.h"

namespace aalayer::test {
namespace {

using tool::CommandSpec;
using tool::OptionSpec;
using tool::ParsedArgs;

const std::vector<OptionSpec> kOptions = {
    {.name = "--help", .short_name = "-h", .global = true},
    {.name = "--include", .value = "DIR", .short_name = "-I", .global = true},
    {.name = "--base", .value = "BASE"},
    {.name = "--json"},
};

const CommandSpec kCopy{.name = "copy",
                        .arguments = {"FROM", "TO..."},
                        .options = {"--base", "--json"},
                        .required = {{"--base"}},
                        .most = 3};
const CommandSpec kNone{.name = "none"};
const CommandSpec kRun{.name = "run", .arguments = {"WHAT"}, .rest = "COMMAND [ARG]..."};

std::variant<ParsedArgs, std::string> parse(const std::vector<std::string_view>& words) {
    return tool::parse_args(kOptions, words);
}

ParsedArgs parsed(const std::vector<std::string_view>& words) {
    auto p = parse(words);
    if (const auto* error = std::get_if<std::string>(&p)) ADD_FAILURE() << *error;
    return std::holds_alternative<ParsedArgs>(p) ? std::get<ParsedArgs>(p) : ParsedArgs{};
}

std::string error_of(const std::vector<std::string_view>& words) {
    auto p = parse(words);
    return std::holds_alternative<std::string>(p) ? std::get<std::string>(p) : "<no error>";
}

// check_args' message for `words` against `command`, "" when it passes.
std::string check(const CommandSpec& command, const std::vector<std::string_view>& words) {
    return tool::check_args(command, kOptions, parsed(words)).value_or("");
}

TEST(ArgsTest, OptionsGoAnywhereAndTakeTheirValues) {
    const auto p = parsed({"--json", "copy", "a", "--base", "b", "-", "-I", "x", "-Iy", "--include", "z"});
    EXPECT_EQ(p.command, "copy");
    EXPECT_EQ(p.arguments, (std::vector<std::string>{"a", "-"}));
    EXPECT_TRUE(p.has("--json"));
    EXPECT_EQ(p.value("--base"), "b");
    EXPECT_EQ(p.values("--include"), (std::vector<std::string>{"x", "y", "z"}));
    EXPECT_FALSE(p.has("--help"));
    EXPECT_EQ(p.value("--help"), "");
    // A value may look like an option; the last of a repeated option wins.
    const auto q = parsed({"copy", "--base", "--json", "--base", "c", "-h"});
    EXPECT_FALSE(q.has("--json"));
    EXPECT_EQ(q.value("--base"), "c");
    EXPECT_TRUE(q.has("--help"));  // by its short name
}

TEST(ArgsTest, UnknownOptionsAndMissingValuesAreErrors) {
    EXPECT_EQ(error_of({"copy", "--jsn"}), "unknown option --jsn");
    EXPECT_EQ(error_of({"copy", "-x"}), "unknown option -x");
    EXPECT_EQ(error_of({"copy", "--base=b"}), "unknown option --base=b");
    EXPECT_EQ(error_of({"copy", "--json", "--base"}), "--base needs a value");
    EXPECT_EQ(error_of({"-I"}), "-I needs a value");
    // The first error in order is the one reported.
    EXPECT_EQ(error_of({"--nope", "--base"}), "unknown option --nope");
}

TEST(ArgsTest, DashesEndTheOptions) {
    const auto p = parsed({"run", "w", "--", "ls", "--json", "-l"});
    EXPECT_EQ(p.arguments, std::vector<std::string>{"w"});
    EXPECT_EQ(p.rest, (std::vector<std::string>{"ls", "--json", "-l"}));
    EXPECT_FALSE(p.has("--json"));
    EXPECT_EQ(check(kRun, {"run", "w", "--", "ls"}), "");
    EXPECT_EQ(check(kRun, {"run", "w"}), "run needs -- COMMAND");
    EXPECT_EQ(check(kRun, {"run", "w", "--"}), "run needs -- COMMAND");
    EXPECT_EQ(check(kCopy, {"copy", "a", "b", "--base", "x", "--", "ls"}), "unexpected arguments after --");
}

TEST(ArgsTest, ArgumentCounts) {
    EXPECT_EQ(check(kCopy, {"copy", "--base", "x"}), "copy needs a FROM");
    EXPECT_EQ(check(kCopy, {"copy", "a", "--base", "x"}), "copy needs a TO");
    EXPECT_EQ(check(kCopy, {"copy", "a", "b", "c", "--base", "x"}), "");
    EXPECT_EQ(check(kCopy, {"copy", "a", "b", "c", "d", "--base", "x"}), "copy: unexpected argument 'd'");
    EXPECT_EQ(check(kNone, {"none"}), "");
    EXPECT_EQ(check(kNone, {"none", "x"}), "none takes no arguments");
    const CommandSpec two{.name = "two", .arguments = {"A", "B"}};
    EXPECT_EQ(check(two, {"two", "a", "b", "c"}), "two: unexpected argument 'c'");
}

TEST(ArgsTest, RequiredOptionsAndOptionsNotTaken) {
    EXPECT_EQ(check(kCopy, {"copy", "a", "b"}), "copy needs --base");
    EXPECT_EQ(check(kCopy, {"copy", "a", "b", "--base", ""}), "copy needs --base");  // empty is missing
    EXPECT_EQ(check(kNone, {"none", "--json"}), "none does not take --json");
    EXPECT_EQ(check(kNone, {"none", "-I", "d", "-h"}), "");  // global options
    const CommandSpec group{.name = "g", .required = {{"--base", "--json", "--include"}}};
    EXPECT_EQ(check(group, {"g", "--base", "b", "--json"}), "g needs --base, --json and --include");
    // Options not taken come first, then counts, then required options.
    EXPECT_EQ(check(kCopy, {"copy", "--json", "--help"}), "copy needs a FROM");
    EXPECT_EQ(check(kNone, {"none", "x", "--base", "b"}), "none does not take --base");
}

TEST(ArgsTest, UsageLineComesFromTheTable) {
    EXPECT_EQ(tool::usage_line("t", kCopy, kOptions), "t copy FROM TO... --base BASE [--json]");
    EXPECT_EQ(tool::usage_line("t", kRun, kOptions), "t run WHAT -- COMMAND [ARG]...");
    EXPECT_EQ(tool::usage_line("t", kNone, kOptions), "t none");
    EXPECT_EQ(tool::argument_name(kCopy, 0), "FROM");
    EXPECT_EQ(tool::argument_name(kCopy, 1), "TO");
    EXPECT_EQ(tool::argument_name(kCopy, 7), "TO");
    EXPECT_EQ(tool::argument_name(kNone, 0), "");
}

// ---- aalayer's own table ----

std::variant<cli::CommandLine, cli::UsageError> aalayer(const std::vector<std::string_view>& words) {
    return cli::read_command_line(words);
}

cli::Args args_of(const std::vector<std::string_view>& words) {
    auto line = aalayer(words);
    if (const auto* e = std::get_if<cli::UsageError>(&line)) {
        ADD_FAILURE() << e->message;
        return {};
    }
    return std::get<cli::CommandLine>(line).args;
}

// The usage error for `words`, with the command named in it ("-" for none).
std::string usage_error(const std::vector<std::string_view>& words) {
    auto line = aalayer(words);
    if (!std::holds_alternative<cli::UsageError>(line)) return "<no error>";
    const auto& e = std::get<cli::UsageError>(line);
    return (e.command != nullptr ? std::string(e.command->spec.name) : "-") + ": " + e.message;
}

TEST(AalayerArgsTest, LearnArguments) {
    const cli::Args a = args_of({"learn", "demo/bank", "--since", "@1700000000", "--yes", "--enforce"});
    EXPECT_EQ(a.command, "learn");
    EXPECT_EQ(a.layer.text(), "demo/bank");
    EXPECT_EQ(a.since, 1700000000000000U);
    EXPECT_TRUE(a.yes);
    EXPECT_TRUE(a.enforce);
    EXPECT_FALSE(args_of({"learn", "demo/bank", "--json"}).yes);
    EXPECT_EQ(usage_error({"learn"}).substr(0, 6), "learn:");
    EXPECT_EQ(usage_error({"log", "demo/bank", "--yes"}).substr(0, 4), "log:");
}

// aalayer learn's diff: the layer's last lines as context, the learned rules added.
TEST(AalayerLearnDiffTest, AddedRulesAfterThreeLinesOfContext) {
    const std::string old_text = "a\nb\nc\nd\ne";  // no final newline: the service adds one
    const std::string new_text = "a\nb\nc\nd\ne\nowner @{HOME}/x/** rw,\n";
    EXPECT_EQ(cli::unified_diff(old_text, new_text, "demo/bank"),
              "--- a/demo/bank\n+++ b/demo/bank\n@@ -3,3 +3,4 @@\n c\n d\n e\n+owner @{HOME}/x/** rw,\n");
    EXPECT_EQ(cli::unified_diff("", "r,\n", "x/y"), "--- a/x/y\n+++ b/x/y\n@@ -0,0 +1 @@\n+r,\n");
    EXPECT_EQ(cli::unified_diff("same\n", "same\n", "x/y"), "");
}

TEST(AalayerArgsTest, ModeAndLogArguments) {
    EXPECT_EQ(args_of({"mode", "demo/bank", "complain"}).mode, "complain");
    EXPECT_EQ(usage_error({"mode", "demo/bank", "learn"}), "mode: MODE is enforce or complain, not 'learn'");
    const auto a = args_of({"log", "demo/bank", "--since", "@1700000000", "--follow", "--json"});
    EXPECT_EQ(a.since, 1700000000000000U);
    EXPECT_TRUE(a.follow);
    EXPECT_TRUE(a.json);
    EXPECT_EQ(usage_error({"log", "demo/bank", "--since", "yesterday"}),
              "log: --since takes 10m, 2h, 1d, @EPOCH or YYYY-MM-DD[THH:MM[:SS]], not 'yesterday'");
    EXPECT_EQ(cli::parse_since("10m", 1'000'000), 999'400'000'000U);
    EXPECT_EQ(cli::parse_since("2h", 3600), 0U);
    EXPECT_TRUE(cli::parse_since("2024-05-01T12:00", 0).has_value());
    EXPECT_TRUE(cli::parse_since("2024-05-01", 0).has_value());
    EXPECT_FALSE(cli::parse_since("2024-05-01T12", 0).has_value());
    EXPECT_FALSE(cli::parse_since("m", 0).has_value());
    EXPECT_FALSE(cli::parse_since("@", 0).has_value());
}

// run BASE --allow PATH[:PERMS]: the argument is the base alone (it may hold
// '/'); PERMS only when the last ':' is followed by letters of rwalkm.
TEST(AalayerArgsTest, OneRunArguments) {
    const auto a = args_of({"run", "/usr/bin/app", "--allow", "/a/report [final].txt", "--allow", "/a/d/:rw",
                            "--allow", "/a/x:2.txt", "--allow", "/a/y:r:r", "--deny", "/a/d/s", "--layer",
                            "f", "--strict", "--", "viewer", "x"});
    EXPECT_TRUE(a.one_run);
    EXPECT_EQ(a.layer.base, "/usr/bin/app");
    ASSERT_EQ(a.allows.size(), 4U);
    EXPECT_EQ(a.allows[0].path, "/a/report [final].txt");
    EXPECT_EQ(a.allows[0].perms, "");
    EXPECT_EQ(a.allows[1].path, "/a/d/");
    EXPECT_EQ(a.allows[1].perms, "rw");
    EXPECT_EQ(a.allows[2].path, "/a/x:2.txt");
    EXPECT_EQ(a.allows[2].perms, "");
    EXPECT_EQ(a.allows[3].path, "/a/y:r");
    EXPECT_EQ(a.allows[3].perms, "r");
    EXPECT_EQ(a.denies, std::vector<std::string>{"/a/d/s"});
    EXPECT_EQ(a.layer_file, "f");
    EXPECT_TRUE(a.strict);
    EXPECT_EQ(a.after_dashes, (std::vector<std::string>{"viewer", "x"}));
    // Without --allow or --deny it is the stored layer's run.
    const auto b = args_of({"run", "demo/bank", "--", "true"});
    EXPECT_FALSE(b.one_run);
    EXPECT_EQ(b.layer.name, "bank");
    EXPECT_EQ(usage_error({"run", "demo/bank", "--strict", "--", "true"}),
              "run: --layer and --strict go with --allow or --deny (a one-run layer)");
}

TEST(AalayerArgsTest, UsageLinesOfEveryCommand) {
    std::vector<std::string> lines;
    for (const auto& c : cli::commands())
        lines.push_back(cli::usage_of(c));
    EXPECT_EQ(lines,
              (std::vector<std::string>{
                  "aalayer grants [--json]",
                  "aalayer check FILE --base BASE [--name NAME] [--print-profile] [--json]",
                  "aalayer apply BASE/NAME FILE [--strict] [--complain] [--interactive] [--json]",
                  "aalayer list [--all] [--json]",
                  "aalayer show BASE/NAME [--json]",
                  "aalayer explain BASE/NAME PATH... [--json]",
                  "aalayer diff BASE/NAME [BASE/OTHER] [--with-base] [--json]",
                  "aalayer remove BASE/NAME [--force] [--interactive] [--json]",
                  "aalayer edit BASE/NAME [--strict] [--interactive]",
                  "aalayer mode BASE/NAME MODE [--interactive]",
                  "aalayer reset BASE/NAME [--interactive]",
                  "aalayer reload",
                  "aalayer accept BASE/NAME [--interactive]",
                  "aalayer log BASE/NAME [--since TIME] [--follow] [--json]",
                  "aalayer learn BASE/NAME [--since TIME] [--yes] [--enforce] [--interactive] [--json]",
                  // Two long lines split in two literals each, not missing commas.
                  // NOLINTNEXTLINE(bugprone-suspicious-missing-comma)
                  "aalayer run BASE/NAME [--allow PATH[:PERMS]] [--deny PATH] [--layer FILE] [--strict] -- "
                  "COMMAND [ARG]...",
                  "aalayer notify [--all-repeats] [--repeat-after MINUTES] [--interval SECONDS] "
                  "[--terminal PROGRAM]",
                  "aalayer sync [--dry-run] [--json]",
                  "aalayer launcher BASE/NAME --desktop ID [--label TEXT] [--default-for TYPES] [--remove]",
              }));
}

TEST(AalayerArgsTest, LayersAreSplitOnce) {
    const auto show = args_of({"show", "firefox/banking"});
    EXPECT_EQ(show.layer.base, "firefox");
    EXPECT_EQ(show.layer.name, "banking");
    // BASE may hold '/', NAME may not.
    const auto nested = args_of({"remove", "/usr/bin/man/mine", "--force"});
    EXPECT_EQ(nested.layer.base, "/usr/bin/man");
    EXPECT_EQ(nested.layer.name, "mine");
    EXPECT_TRUE(nested.force);
    const auto diff = args_of({"diff", "app/a", "app/b", "--json"});
    EXPECT_EQ(diff.layer.text(), "app/a");
    EXPECT_EQ(diff.other.text(), "app/b");
    EXPECT_TRUE(diff.json);
    const auto explain = args_of({"explain", "app/a", "/x", "/y"});
    EXPECT_EQ(explain.layer.text(), "app/a");
    EXPECT_EQ(explain.paths, (std::vector<std::string>{"/x", "/y"}));
    const auto apply = args_of({"apply", "/usr/bin/man/mine", "m.layer", "--complain"});
    EXPECT_EQ(apply.layer.base, "/usr/bin/man");
    EXPECT_EQ(apply.layer.name, "mine");
    EXPECT_EQ(apply.file, "m.layer");
    EXPECT_TRUE(apply.complain);
    const auto run = args_of({"run", "app/a", "--", "ls", "-l"});
    EXPECT_EQ(run.layer.text(), "app/a");
    EXPECT_EQ(run.after_dashes, (std::vector<std::string>{"ls", "-l"}));
}

TEST(AalayerArgsTest, BaseAndNameFromOptions) {
    // apply's older form, NAME FILE --base BASE, is the same as BASE/NAME FILE.
    const auto apply = args_of({"apply", "banking", "b.layer", "--base", "firefox", "--strict"});
    EXPECT_EQ(apply.layer.text(), "firefox/banking");
    EXPECT_EQ(apply.file, "b.layer");
    EXPECT_TRUE(apply.strict);
    EXPECT_FALSE(apply.complain);
    const auto nested = args_of({"apply", "mine", "m.layer", "--base", "/usr/bin/man"});
    EXPECT_EQ(nested.layer.base, "/usr/bin/man");
    EXPECT_EQ(nested.layer.name, "mine");
    // check names the layer after the file unless --name says otherwise.
    EXPECT_EQ(args_of({"check", "dir/work.layer", "--base", "app"}).layer.text(), "app/work");
    EXPECT_EQ(args_of({"check", "dir/work.layer", "--base", "app", "--name", "x"}).layer.text(), "app/x");
    EXPECT_EQ(args_of({"check", "dir/work.layer", "--base", "app", "--name", ""}).layer.text(), "app/work");
}

TEST(AalayerArgsTest, NotALayer) {
    for (const std::string_view bad : {"no-slash", "/leading", "trailing/", "/"}) {
        EXPECT_EQ(usage_error({"show", bad}),
                  "show: '" + std::string(bad) + "' is not a layer: write BASE/NAME");
    }
    EXPECT_EQ(usage_error({"diff", "app/a", "b"}), "diff: 'b' is not a layer: write BASE/NAME");
    EXPECT_EQ(usage_error({"explain", "a", "/x"}), "explain: 'a' is not a layer: write BASE/NAME");
    EXPECT_FALSE(cli::parse_layer("a/"));
    EXPECT_EQ(cli::parse_layer("a//b")->base, "a/");
}

TEST(AalayerArgsTest, UsageErrors) {
    EXPECT_EQ(usage_error({}), "-: missing command");
    EXPECT_EQ(usage_error({"frobnicate"}), "-: unknown command frobnicate");
    EXPECT_EQ(usage_error({"frobnicate", "--help"}), "-: unknown command frobnicate");
    EXPECT_EQ(usage_error({"list", "--jsn"}), "-: unknown option --jsn");
    EXPECT_EQ(usage_error({"check", "f", "--base"}), "-: --base needs a value");
    EXPECT_EQ(usage_error({"show"}), "show: show needs a BASE/NAME");
    EXPECT_EQ(usage_error({"apply", "n"}), "apply: apply needs a FILE");
    EXPECT_EQ(usage_error({"apply", "n", "f"}), "apply: 'n' is not a layer: write BASE/NAME");
    EXPECT_EQ(usage_error({"apply", "a/n", "f", "--base", "a"}),
              "apply: apply: write BASE/NAME without --base, or NAME with --base, not 'a/n' with --base");
    EXPECT_EQ(usage_error({"apply", "n", "f", "--base", ""}), "apply: --base needs a base profile's name");
    EXPECT_EQ(usage_error({"show", "a/n", "--base", "a"}), "show: show does not take --base");
    EXPECT_EQ(usage_error({"list", "--version"}), "list: --version takes no command");
    EXPECT_EQ(usage_error({"list", "--base", "b"}), "list: list does not take --base");
    EXPECT_EQ(usage_error({"grants", "x"}), "grants: grants takes no arguments");
    EXPECT_EQ(usage_error({"run", "app/a"}), "run: run needs -- COMMAND");
    EXPECT_EQ(usage_error({"show", "app/a", "--", "x"}), "show: unexpected arguments after --");
    EXPECT_EQ(usage_error({"notify", "--interval", "0"}),
              "notify: --interval takes a whole number up to 3600, not '0'");
    EXPECT_EQ(usage_error({"notify", "--repeat-after", "5m"}),
              "notify: --repeat-after takes a whole number up to 100000, not '5m'");
    std::vector<std::string> many(1000, "/x");
    std::vector<std::string_view> words{"explain", "app/a"};
    words.insert(words.end(), many.begin(), many.end());
    EXPECT_EQ(usage_error(words), "explain: explain: unexpected argument '/x'");
}

TEST(AalayerArgsTest, NotifyOptions) {
    auto line = aalayer(
        {"notify", "--repeat-after", "30", "--interval", "2", "--all-repeats", "--terminal", "xterm"});
    ASSERT_TRUE(std::holds_alternative<cli::CommandLine>(line));
    const auto& a = std::get<cli::CommandLine>(line).args;
    EXPECT_EQ(a.repeat_after_minutes, 30U);
    EXPECT_EQ(a.interval_seconds, 2U);
    EXPECT_TRUE(a.all_repeats);
    EXPECT_EQ(a.terminal, "xterm");
    line = aalayer({"notify"});
    ASSERT_TRUE(std::holds_alternative<cli::CommandLine>(line));
    EXPECT_EQ(std::get<cli::CommandLine>(line).args.interval_seconds, 10U);
    EXPECT_EQ(std::get<cli::CommandLine>(line).args.terminal, "x-terminal-emulator");
}

TEST(AalayerArgsTest, ExplainPathsAreResolvedAgainstHomeAndCwd) {
    EXPECT_EQ(cli::resolve_path("~/x", "/home/u", "/w"), "/home/u/x");
    EXPECT_EQ(cli::resolve_path("~", "/home/u", "/w"), "/home/u");
    EXPECT_EQ(cli::resolve_path("~/a/../b/", "/home/u", "/w"), "/home/u/b/");
    EXPECT_EQ(cli::resolve_path("x/y", "/home/u", "/w"), "/w/x/y");
    EXPECT_EQ(cli::resolve_path("./x", "/home/u", "/w/d"), "/w/d/x");
    EXPECT_EQ(cli::resolve_path("../x", "/home/u", "/w/d"), "/w/x");
    EXPECT_EQ(cli::resolve_path("x", "/home/u", "/"), "/x");
    // Another class's rule goes to the service as written (it says explain cannot answer it).
    EXPECT_EQ(cli::resolve_path("signal", "/home/u", "/w"), "signal");
    EXPECT_EQ(cli::resolve_path("network inet stream", "/home/u", "/w"), "network inet stream");
    EXPECT_EQ(cli::resolve_path("./signal", "/home/u", "/w"), "/w/signal");
    // Absolute paths go as given: the service judges them ('..' segments are its to refuse).
    EXPECT_EQ(cli::resolve_path("/a/../b", "/home/u", "/w"), "/a/../b");
    // ~user is not the caller's home; with nothing to resolve against, the path stays.
    EXPECT_EQ(cli::resolve_path("~bob/x", "/home/u", "/w"), "~bob/x");
    EXPECT_EQ(cli::resolve_path("~/x", "", "/w"), "~/x");
    EXPECT_EQ(cli::resolve_path("x", "/home/u", ""), "x");
}

TEST(AalayerArgsTest, VersionWithoutACommand) {
    auto line = aalayer({"--version"});
    ASSERT_TRUE(std::holds_alternative<cli::CommandLine>(line));
    EXPECT_TRUE(std::get<cli::CommandLine>(line).version);
    EXPECT_EQ(std::get<cli::CommandLine>(line).command, nullptr);
}

TEST(AalayerArgsTest, HelpIsNotCheckedFurther) {
    auto line = aalayer({"show", "--help", "--all"});
    ASSERT_TRUE(std::holds_alternative<cli::CommandLine>(line));
    EXPECT_TRUE(std::get<cli::CommandLine>(line).help);
    EXPECT_EQ(std::get<cli::CommandLine>(line).command->spec.name, "show");
    line = aalayer({"-h"});
    ASSERT_TRUE(std::holds_alternative<cli::CommandLine>(line));
    EXPECT_EQ(std::get<cli::CommandLine>(line).command, nullptr);
}

}  // namespace
}  // namespace aalayer::test
