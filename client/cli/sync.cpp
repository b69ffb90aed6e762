// aalayer sync: the caller's layers made to match their layer files
// (client/sync/ decides; this file reads, prints and calls the service).
#include <cstdlib>

#include <unistd.h>

#include "client/cli/commands.h"
#include "client/cli/exit_codes.h"
#include "client/cli/messages.h"
#include "client/common/json.h"
#include "client/sync/sync_plan.h"

namespace aalayer::cli {

namespace {

struct Outcome {
    bool done = false;
    int exit_code = kOk;
    std::string error;  // when not done
    std::vector<client::Finding> findings;
};

// One action against the service. A refusal is an outcome, not an exception:
// sync goes on with the rest.
Outcome carry_out(client::Client& c, const sync::Action& action) {
    Outcome out;
    const std::string layer = action.base + "/" + action.name;
    try {
        switch (action.kind) {
            case sync::ActionKind::add:
            case sync::ActionKind::replace:
                // The layer keeps its mode (a new one is enforced); no password prompt at login.
                out.findings =
                    c.apply(action.base, action.name, action.text, {false, std::nullopt, false}).second;
                break;
            case sync::ActionKind::remove: c.remove(action.base, action.name, false, false); break;
            case sync::ActionKind::reset: c.reset(action.base, action.name, false); break;
        }
        out.done = true;
    } catch (const client::CallError& e) {
        out.exit_code = exit_code_for(e.name());
        if (e.short_name() == "InvalidLayer") {
            out.findings = e.findings();
            out.error = layer + ": not applied: the layer has errors";
        } else {
            out.error = layer + ": not " + (action.kind == sync::ActionKind::remove ? "removed" : "applied") +
                        ": " + error_message(e.name(), e.what(), false);
        }
    }
    return out;
}

std::vector<sync::ServiceLayer> own_layers(client::Client& c) {
    // The service knows callers by the uid the bus authenticated: the effective one.
    const auto uid = static_cast<std::uint32_t>(::geteuid());
    std::vector<sync::ServiceLayer> out;
    for (const auto& l : c.layers())
        if (l.owner == uid) out.push_back({l.base, l.name, c.source(l.object_path), l.origin});
    return out;
}

void write_action(tool::JsonWriter& w, const sync::Action& action, const Outcome* outcome) {
    w.begin_object().key("action").string(sync::kind_word(action.kind));
    w.key("layer").string(action.base + "/" + action.name).key("file");
    action.path.empty() ? w.null() : w.string(action.path);
    w.key("done").boolean(outcome != nullptr && outcome->done).key("error");
    outcome == nullptr || outcome->done ? w.null() : w.string(outcome->error);
    write_findings(w.key("findings"), outcome != nullptr ? outcome->findings : std::vector<client::Finding>{},
                   action.name + ".layer", action.path);
    w.end_object();
}

}  // namespace

int cmd_sync(client::Client& c, const Args& a, const Output& o) {
    const std::string directory = sync::layers_directory(std::getenv("XDG_CONFIG_HOME"), home_directory());
    if (directory.empty()) {
        o.error("no home directory: set HOME or XDG_CONFIG_HOME");
        return kUsage;
    }
    const auto files = sync::read_layer_files(directory);
    int exit_code = files.problems.empty() ? kOk : kLayerErrors;
    if (!o.json())
        for (const auto& problem : files.problems)
            o.error(problem);

    const auto actions = sync::plan(files.files, own_layers(c));
    std::vector<Outcome> outcomes;
    for (const auto& action : actions) {
        if (!o.json()) {
            std::fprintf(o.out, "%s %s/%s\n", std::string(sync::kind_word(action.kind)).c_str(),
                         action.base.c_str(), action.name.c_str());
            std::fflush(o.out);
        }
        if (a.dry_run) continue;
        outcomes.push_back(carry_out(c, action));
        const Outcome& done = outcomes.back();
        if (o.json()) continue;
        o.findings(done.findings, action.name + ".layer", action.path, o.err);
        if (!done.done) o.error(done.error);
        std::fflush(o.err);
    }
    for (const auto& done : outcomes)
        if (!done.done && exit_code == kOk) exit_code = done.exit_code;

    if (o.json()) {
        tool::JsonWriter w;
        w.begin_object().key("directory").string(directory).key("dry_run").boolean(a.dry_run);
        w.key("actions").begin_array();
        for (std::size_t i = 0; i < actions.size(); ++i)
            write_action(w, actions[i], a.dry_run ? nullptr : &outcomes[i]);
        w.end_array().key("problems").begin_array();
        for (const auto& problem : files.problems)
            w.string(problem);
        std::fprintf(o.out, "%s\n", w.end_array().end_object().text().c_str());
    } else if (actions.empty()) {
        std::fprintf(o.out, "nothing to do: your layers match %s\n", directory.c_str());
    } else if (a.dry_run) {
        std::fprintf(o.out, "(dry run: nothing changed)\n");
    }
    return exit_code;
}

}  // namespace aalayer::cli
