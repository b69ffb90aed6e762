// How aalayer prints: findings as FILE:LINE:COL: severity: message (editors
// jump to them), colour only on a terminal, JSON for --json.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

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
    [[nodiscard]] std::string findings_json(const std::vector<client::Finding>& fs,
                                            const std::string& layer_source, const std::string& file) const;
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

// Findings an InvalidLayer error carries in its message, one FILE:LINE:COL line each.
std::vector<client::Finding> parse_finding_lines(const std::string& message);

}  // namespace aalayer::cli
