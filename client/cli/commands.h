// The aalayer commands. Each returns an exit code (exit_codes.h).
#pragma once

#include <string>
#include <vector>

#include "client/cli/output.h"
#include "client/lib/client.h"

namespace aalayer::cli {

struct Args {
    std::string command;
    std::vector<std::string> positional;
    std::vector<std::string> after_dashes;  // run LAYER -- CMD...
    std::string base;
    std::string name;
    bool json = false;
    bool strict = false;
    bool complain = false;
    bool force = false;
    bool interactive = false;
    bool all = false;
    bool print_profile = false;
};

// LAYER is written BASE/NAME; BASE may itself contain '/', NAME may not.
bool split_layer(const std::string& layer, std::string& base, std::string& name);

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

}  // namespace aalayer::cli
