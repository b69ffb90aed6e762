// What `aalayer sync` does, decided without the service or the disk: the
// layer files against the caller's layers in the service, into actions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/sync/layer_files.h"

namespace aalayer::sync {

// The last line of every layer sync applies. The service keeps a layer's
// text as sent, so the mark travels with the layer to wherever it is stored:
// a layer without it (applied by hand, an admin's default) is never removed.
// A comment to the layer language; last, so a finding's line is the file's.
inline constexpr std::string_view kSyncMark =
    "# aalayer sync: from your layer file; edit that file, a change made here is replaced";

// `file_text` as sync sends it: the text, a newline if it lacks one, the mark.
std::string marked_text(std::string_view file_text);
// Whether a layer's text is one sync applied (its last line is the mark).
bool is_marked(std::string_view layer_text);

struct ServiceLayer {
    std::string base;
    std::string name;
    std::string text;    // GetSource
    std::string origin;  // user | admin | replaced (client::Layer::origin)
};

enum class ActionKind { add, replace, remove, reset };

struct Action {
    ActionKind kind;
    std::string base;
    std::string name;
    std::string path;  // add, replace: the file
    std::string text;  // add, replace: marked_text of the file
};

std::string_view kind_word(ActionKind kind);  // "add" | "replace" | "remove" | "reset"

// A file with no layer of its name: add. A file whose layer's text is not its
// marked_text: replace (a layer applied by hand, or an admin's default, is
// taken over). A marked layer with no file: remove, or reset when it is the
// user's version of an admin's default (the default comes back, as it was
// before sync replaced it). Unmarked layers without a file are left alone.
// Actions sorted by base, then name.
std::vector<Action> plan(const std::vector<LayerFile>& files, const std::vector<ServiceLayer>& layers);

}  // namespace aalayer::sync
