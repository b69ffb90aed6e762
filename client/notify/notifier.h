// `aalayer notify`: a user-session program that follows the denials of the
// user's layers (Layer1.SubscribeDenials on the system bus) and shows them
// as desktop notifications (org.freedesktop.Notifications on the session
// bus), as NoticePolicy decides. It follows layers added later, forgets
// removed ones, and subscribes again when the service restarts.
#pragma once

#include <cstdio>
#include <string>

#include "client/lib/client.h"
#include "client/notify/notice_policy.h"

namespace aalayer::notify {

struct Options {
    Settings settings;
    // Runs an action's command: TERMINAL -e aalayer log BASE/NAME --follow.
    std::string terminal = "x-terminal-emulator";
    // The aalayer program the actions run (this one: /proc/self/exe).
    std::string aalayer = "aalayer";
};

// Runs until killed; returns only when the session bus cannot be reached
// (an exit code of the CLI's). Progress and problems go to `log`.
int run_notifier(client::Client& c, const Options& options, std::FILE* log);

}  // namespace aalayer::notify
