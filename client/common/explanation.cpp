#include "client/common/explanation.h"

#include "client/common/json.h"

namespace aalayer::tool {

std::string explanations_json(const std::vector<ExplainedPath>& explanations) {
    JsonWriter w;
    w.begin_array();
    for (const ExplainedPath& e : explanations) {
        w.begin_object().key("path").string(e.path);
        w.key("owner").string(e.owner).key("other").string(e.other);
        w.key("in_grant").boolean(e.in_grant).key("decided_by").begin_array();
        for (const ExplainedReason& r : e.decided_by) {
            w.begin_object().key("source").string(r.source);
            w.key("at").string(r.at).key("rule").string(r.rule).end_object();
        }
        w.end_array().end_object();
    }
    return w.end_array().text();
}

}  // namespace aalayer::tool
