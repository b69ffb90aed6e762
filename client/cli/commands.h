// The aalayer commands. Each returns an exit code (exit_codes.h).
#pragma once

#include "client/cli/arguments.h"
#include "client/cli/output.h"
#include "client/lib/client.h"

namespace aalayer::cli {

int cmd_grants(client::Client& c, const Args& a, const Output& o);
int cmd_check(client::Client& c, const Args& a, const Output& o);
int cmd_apply(client::Client& c, const Args& a, const Output& o);
int cmd_list(client::Client& c, const Args& a, const Output& o);
int cmd_show(client::Client& c, const Args& a, const Output& o);
int cmd_explain(client::Client& c, const Args& a, const Output& o);
int cmd_diff(client::Client& c, const Args& a, const Output& o);
int cmd_remove(client::Client& c, const Args& a, const Output& o);
int cmd_edit(client::Client& c, const Args& a, const Output& o);
int cmd_run(client::Client& c, const Args& a, const Output& o);
// run BASE --allow PATH...: under a layer made for this run (one_run.cpp).
int cmd_run_once(client::Client& c, const Args& a, const Output& o);
int cmd_reset(client::Client& c, const Args& a, const Output& o);
int cmd_reload(client::Client& c, const Args& a, const Output& o);
int cmd_mode(client::Client& c, const Args& a, const Output& o);
int cmd_accept(client::Client& c, const Args& a, const Output& o);
int cmd_log(client::Client& c, const Args& a, const Output& o);
int cmd_learn(client::Client& c, const Args& a, const Output& o);
// client/cli/sync.cpp
int cmd_sync(client::Client& c, const Args& a, const Output& o);
// client/cli/launcher.cpp
int cmd_launcher(client::Client& c, const Args& a, const Output& o);
// Runs until killed: client/notify/notifier.h.
int cmd_notify(client::Client& c, const Args& a, const Output& o);

}  // namespace aalayer::cli
