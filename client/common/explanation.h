// What a layer allows a path and which rules decided it, as both aalayer
// explain and aalayer-policy explain print it with --json:
//   [{"path", "owner", "other", "in_grant", "decided_by": [{"source", "at", "rule"}]}]
// owner and other are permission letters in r w a l k m x order; source is
// base, grant or layer; at is FILE:LINE:COL; rule the rule's text.
#pragma once

#include <string>
#include <vector>

namespace aalayer::tool {

struct ExplainedReason {
    std::string source;
    std::string at;
    std::string rule;
};

struct ExplainedPath {
    std::string path;
    std::string owner;
    std::string other;
    bool in_grant = false;
    std::vector<ExplainedReason> decided_by;
};

// The JSON array of the explanations, one line.
std::string explanations_json(const std::vector<ExplainedPath>& explanations);

}  // namespace aalayer::tool
