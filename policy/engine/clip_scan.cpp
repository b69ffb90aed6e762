#include "policy/engine/clip_scan.h"

#include <algorithm>

#include "policy/automaton/pair_map.h"
#include "policy/automaton/paths.h"
#include "policy/common/utf8.h"

namespace aalayer::policy {

namespace {

struct WalkNode {
    StateId x;
    StateId y;
    std::uint32_t context;  // 0: no byte yet; 1: after '/'; 2: after another byte
    std::uint32_t parent;
    unsigned char via;
};

std::string path_to(const std::vector<WalkNode>& nodes, std::size_t at) {
    std::string path;
    for (; at != 0; at = nodes[at].parent)
        path += static_cast<char>(nodes[at].via);
    std::reverse(path.begin(), path.end());
    return path;
}

constexpr std::uint32_t kNone = ~std::uint32_t{0};

}  // namespace

Result<std::vector<RuleClip>> scan_clipping(const Bounds& bounds, const PermissionAutomaton& layer,
                                            const DfaLimits& limits) {
    const Dfa& a = layer.dfa();
    const Dfa& b = bounds.clip_side;
    const auto& rules = layer.rules();
    const std::size_t grant_rules = bounds.grant->grant.rules.size();
    const std::vector<JointStep> steps = joint_steps(a, b, false);

    // Per rule: the first node (in witness order) of each search, and which grant rules it meets.
    std::vector<std::uint32_t> outside(rules.size(), kNone);
    std::vector<std::uint32_t> beyond(rules.size(), kNone);
    std::vector<RuleClip> out(rules.size());
    for (auto& clip : out)
        clip.meets.assign(grant_rules, SetRelation{});
    // Per grant rule: whether a canonical path of its region was met, and the
    // layer rules on every such path (sorted): only those have no only_b.
    std::vector<bool> region_met(grant_rules, false);
    std::vector<std::vector<std::uint32_t>> always(grant_rules);
    std::vector<std::uint32_t> kept;

    std::vector<WalkNode> nodes{WalkNode{a.start, b.start, 0, 0, 0}};  // also the queue
    PairMap seen(std::max(a.state_count(), b.state_count()));
    seen.emplace(a.start, b.start * 3, 0);
    PairMap labels_met(64);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const WalkNode n = nodes[i];
        if (!charge(limits.work, steps.size())) return work_exhausted(Location{}, *limits.work);
        if (n.context != 0 && labels_met.emplace(a.label[n.x], b.label[n.y], 0).second) {
            // The first canonical path with this pair of labels: every
            // search the pair satisfies first is answered here.
            const Bounds::ClipCell& cell = bounds.clip_cells[b.label[n.y]];
            const GrantLabel g = GrantLabel::unpack(cell.grant);
            const auto& matched = layer.label_rules(a.label[n.x]);
            const auto& granted = bounds.grant->bound.label_rules(cell.grant_rules);
            for (const auto r : matched) {
                if (rules[r].deny) continue;
                if (!g.in_region && outside[r] == kNone) outside[r] = static_cast<std::uint32_t>(i);
                if (!contains(g.bound, rule_pair(rules[r])) && beyond[r] == kNone)
                    beyond[r] = static_cast<std::uint32_t>(i);
                // How the rule meets each grant rule: both where this path is
                // in the grant rule's region, only_a where it is not.
                auto& meets = out[r].meets;
                std::size_t k = 0;
                for (std::uint32_t j = 0; j < grant_rules; ++j) {
                    if (k < granted.size() && granted[k] == j) {
                        meets[j].both = true;
                        ++k;
                    } else {
                        meets[j].only_a = true;
                    }
                }
            }
            for (const auto j : granted) {
                if (!region_met[j]) {
                    region_met[j] = true;
                    always[j] = matched;
                } else {
                    kept.clear();
                    std::set_intersection(always[j].begin(), always[j].end(), matched.begin(), matched.end(),
                                          std::back_inserter(kept));
                    always[j].swap(kept);
                }
            }
        }
        for (const JointStep& s : steps) {
            const bool slash = s.byte == '/';
            if (slash ? n.context == 1 : n.context == 0) continue;  // '/' first, never "//"
            const StateId x = a.next_state(n.x, s.ca);
            const StateId y = b.next_state(n.y, s.cb);
            const std::uint32_t context = slash ? 1 : 2;
            if (!seen.emplace(x, y * 3 + context, 0).second) continue;
            if (nodes.size() > 2 * limits.max_states) return too_complex(Location{}, limits.max_states);
            nodes.push_back(WalkNode{x, y, context, static_cast<std::uint32_t>(i), s.byte});
        }
    }
    for (std::uint32_t r = 0; r < rules.size(); ++r) {
        if (rules[r].deny) continue;
        RuleClip& clip = out[r];
        const PermPair want = rule_pair(rules[r]);
        for (std::uint32_t j = 0; j < grant_rules; ++j) {
            SetRelation& m = clip.meets[j];
            m.only_b = region_met[j] && !std::binary_search(always[j].begin(), always[j].end(), r);
            const bool shared = (want & rule_pair(bounds.grant->grant.rules[j])) != PermPair{};
            if (shared && m.both && m.only_a && m.only_b) clip.settled = false;  // the overlap is rendered
        }
        const std::uint32_t first = outside[r] != kNone ? outside[r] : beyond[r];
        if (first == kNone) continue;
        std::string path = path_to(nodes, first);
        if (!valid_utf8(path)) {
            clip.settled = false;  // canonical_witness would search again among well-formed paths
        } else if (outside[r] != kNone) {
            clip.outside = std::move(path);
        } else {
            clip.beyond = std::move(path);
        }
    }
    return out;
}

}  // namespace aalayer::policy
