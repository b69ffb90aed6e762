// aalayer run BASE --allow PATH... -- COMMAND: a layer made for this run
// (Manager1.RunLayer). This process stays COMMAND's parent and keeps the
// bus connection the layer is tied to; the service unloads the layer once
// the connection is gone and nothing runs under it any more.
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <sys/apparmor.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/cli/commands.h"
#include "client/cli/exec_argv.h"
#include "client/cli/exit_codes.h"
#include "client/lib/text_file.h"

namespace aalayer::cli {

namespace {

std::atomic<pid_t> g_child{0};

// SIGINT, SIGTERM and SIGHUP sent to this process go on to COMMAND, which
// decides. Not those the terminal sent (Ctrl-C): it sent them to COMMAND too.
extern "C" void forward_signal(int sig, siginfo_t* info, void* /*context*/) {
    const pid_t child = g_child.load();
    if (child > 0 && (info == nullptr || info->si_code <= 0)) ::kill(child, sig);
}

}  // namespace

int cmd_run_once(client::Client& c, const Args& a, const Output& o) {
    std::string text;
    if (!a.layer_file.empty()) {
        auto read = client::read_text(a.layer_file);
        if (!read) {
            o.error("cannot read " + a.layer_file);
            return kNotFound;
        }
        text = std::move(*read);
    }
    const client::OneRun run = c.run_layer(a.layer.base, a.allows, a.denies, text, {a.strict, a.interactive});
    // Before the program starts, so what its layer clips is known first.
    o.findings(run.findings, run.name + ".layer", a.layer_file.empty() ? run.name : a.layer_file, o.err);
    if (::aa_is_enabled() == 0) {
        o.error("AppArmor is not enabled in this kernel: refusing to run unconfined");
        return kRefused;
    }
    const ExecArgv command(a.after_dashes);
    const pid_t pid = ::fork();
    if (pid < 0) {
        o.error(std::string("cannot start a process: ") + std::strerror(errno));
        return kRefused;
    }
    if (pid == 0) {
        if (::aa_change_onexec(run.label.c_str()) != 0) {
            o.error("cannot switch to " + run.label + ": " + std::strerror(errno));
            ::_exit(kRefused);
        }
        ::execvp(command.program(), command.argv());
        o.error("cannot run " + a.after_dashes.front() + ": " + std::strerror(errno));
        ::_exit(127);
    }
    g_child = pid;
    struct sigaction forward {};
    forward.sa_sigaction = forward_signal;
    ::sigemptyset(&forward.sa_mask);
    forward.sa_flags = SA_RESTART | SA_SIGINFO;
    for (const int sig : {SIGINT, SIGTERM, SIGHUP})
        ::sigaction(sig, &forward, nullptr);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            o.error(std::string("cannot wait for the program: ") + std::strerror(errno));
            return kInternal;
        }
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return kInternal;
}

}  // namespace aalayer::cli
