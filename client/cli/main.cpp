// aalayer: manage your AppArmor layers (aalayer(1)).
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "client/cli/arguments.h"
#include "client/cli/exit_codes.h"
#include "client/cli/messages.h"

namespace {

using namespace aalayer::cli;

constexpr std::string_view kExitCodes =
    "Exit codes: 0 ok, 1 the layer has errors, 2 usage, 3 not permitted, 4 service unavailable,\n"
    "5 no such layer, base or grant, 6 refused (a limit, the kernel, busy), 7 internal error.\n";

void usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: aalayer COMMAND [OPTIONS] ARGS...   (aalayer COMMAND --help for one command)\n"
                 "       aalayer --version\n\n");
    for (const Command& c : commands())
        std::fprintf(to, "  %s\n", usage_of(c).c_str());
    std::fprintf(to, "\nLayers are written BASE/NAME, e.g. firefox/banking.\n%s", kExitCodes.data());
}

int usage_error(const UsageError& e) {
    std::fprintf(stderr, "aalayer: %s\n", e.message.c_str());
    if (e.command != nullptr) {
        std::fprintf(stderr, "usage: %s\n", usage_of(*e.command).c_str());
    } else {
        usage(stderr);
    }
    return kUsage;
}

int run(const Command& command, const Args& a) {
    const Output out(a.json);
    try {
        auto client = aalayer::client::Client::connect();
        return command.run(*client, a, out);
    } catch (const aalayer::client::CallError& e) {
        out.error(error_message(e.name(), e.what(), a.interactive));
        return exit_code_for(e.name());
    } catch (const std::exception& e) {
        out.error(std::string("unexpected error: ") + e.what());
        return kInternal;
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string_view> words(argv + 1, argv + argc);
    const auto line = read_command_line(words);
    if (const auto* error = std::get_if<UsageError>(&line)) return usage_error(*error);
    const CommandLine& l = std::get<CommandLine>(line);
    if (l.version && !l.help) {
        std::printf("aalayer %s\n", AALAYER_VERSION);  // meson's project version
        return kOk;
    }
    if (l.command == nullptr) {
        usage(stdout);
        return kOk;
    }
    if (l.help) {
        std::printf("usage: %s\n\n%s\n\n%s", usage_of(*l.command).c_str(),
                    std::string(l.command->spec.summary).c_str(), kExitCodes.data());
        return kOk;
    }
    return run(*l.command, l.args);
}
