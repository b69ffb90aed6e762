// How aalayer prints: findings as FILE:LINE:COL: severity: message (editors
// jump to them), colour only on a terminal, JSON for --json.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "client/common/explanation.h"
#include "client/common/json.h"
#include "client/lib/client.h"

namespace aalayer::cli {

class Output {
public:
    explicit Output(bool json, std::FILE* out = stdout, std::FILE* err = stderr);

    [[nodiscard]] bool json() const { return json_; }
    // A finding of layer text read from `file`: the service calls it NAME.layer.
    void finding(const client::Finding& f, const std::string& layer_source, const std::string& file,
                 std::FILE* to) const;
    void findings(const std::vector<client::Finding>& fs, const std::string& layer_source,
                  const std::string& file, std::FILE* to) const;
    void error(const std::string& message) const;
    [[nodiscard]] std::string bold(const std::string& s) const;

    std::FILE* out;
    std::FILE* err;

private:
    bool json_;
    bool colour_out_;
    bool colour_err_;
};

bool has_errors(const std::vector<client::Finding>& fs);

// The findings as a JSON array of {"severity", "file", "line", "column", "message"}.
void write_findings(tool::JsonWriter& w, const std::vector<client::Finding>& fs,
                    const std::string& layer_source, const std::string& file);

// The passwd name of `uid`, or the uid in digits when it has none.
std::string user_name(std::uint32_t uid);

// list's table: a header, then one line per layer, columns aligned (two spaces
// apart): LAYER, STATE, MODE and, with `owners`, OWNER (`name_of` the owner's uid).
// "no layers" when there are none.
std::string layer_table(const std::vector<client::Layer>& layers, bool owners,
                        const std::function<std::string(std::uint32_t)>& name_of);

// What remove prints: "removed BASE/NAME", or {"layer", "removed": true} for --json.
std::string removed_text(const std::string& layer, bool json);

// "FILE:LINE:COL: rule" (an Explain reason) into the location and the rule.
std::pair<std::string, std::string> split_location(const std::string& located);

// The service's answer for `path` in the shape explain --json shares with
// aalayer-policy: owner and other perms, each reason's location
// apart from its rule. The service says a path is outside the grant with
// the one grant reason "outside the grant for BASE: the base decides" or
// "excluded by the grant for BASE (exclude PATH,): the base decides"
// (policy/engine/queries.cpp); in_grant is read from that.
tool::ExplainedPath explained(const std::string& path, const client::Explanation& e);

}  // namespace aalayer::cli
