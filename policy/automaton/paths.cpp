// The canonical paths (paths.h) and the witness search on the product of
// two sets with them. render_globs, which writes path sets as globs, is in
// glob_render.cpp.
#include "policy/automaton/paths.h"

#include <algorithm>

#include "policy/automaton/pair_map.h"
#include "policy/common/utf8.h"

namespace aalayer::policy {

Dfa canonical_paths() {
    // States: 0 start, 1 after '/', 2 after another byte, 3 dead.
    // Byte classes: 0 NUL, 1 '/', 2 the rest.
    Dfa d;
    d.byte_class.fill(2);
    d.byte_class[0] = 0;
    d.byte_class[static_cast<unsigned char>('/')] = 1;
    d.class_count = 3;
    d.next = {3, 1, 3,   //
              3, 3, 2,   //
              3, 1, 2,   //
              3, 3, 3};  //
    d.label = {0, 1, 1, 0};
    return d;
}

Result<Dfa> canonical_part(const Dfa& set, const DfaLimits& limits) {
    return set_intersection(set, canonical_paths(), limits);
}

Result<std::optional<std::string>> canonical_difference_witness(const Dfa& a, const Dfa& b,
                                                                const DfaLimits& limits) {
    return canonical_witness(
        a, b, [](Label x, Label y) { return x != 0 && y == 0; }, limits);
}

namespace {

Result<std::optional<std::string>> canonical_search(const Dfa& a, const Dfa& b,
                                                    const std::function<bool(Label, Label)>& accept,
                                                    const DfaLimits& limits, bool utf8);

}  // namespace

Result<std::optional<std::string>> canonical_witness(const Dfa& a, const Dfa& b,
                                                     const std::function<bool(Label, Label)>& accept,
                                                     const DfaLimits& limits) {
    // Well-formed UTF-8 paths first, as shortest_witness does (and, as
    // there, the UTF-8 search only when the least path is not well-formed).
    AA_ASSIGN(std::optional<std::string> any, canonical_search(a, b, accept, limits, false));
    if (!any || valid_utf8(*any)) return any;
    AA_ASSIGN(std::optional<std::string> whole, canonical_search(a, b, accept, limits, true));
    return whole ? whole : any;
}

std::vector<JointStep> joint_steps(const Dfa& a, const Dfa& b, bool utf8) {
    const std::size_t kinds = utf8 ? 16 : 1;
    std::vector<JointStep> steps;
    std::vector<std::int32_t> seen(static_cast<std::size_t>(a.class_count) * b.class_count * 2 * kinds, -1);
    for (unsigned c = 1; c < 256; ++c) {
        const auto byte = static_cast<unsigned char>(c);
        const std::size_t key =
            ((static_cast<std::size_t>(a.byte_class[byte]) * b.class_count + b.byte_class[byte]) * 2 +
             (byte == '/' ? 1 : 0)) *
                kinds +
            (utf8 ? utf8_kind(byte) : 0);
        if (seen[key] < 0) {
            seen[key] = static_cast<std::int32_t>(steps.size());
            steps.push_back(JointStep{a.byte_class[byte], b.byte_class[byte], byte});
        } else if (witness_rank(byte) < witness_rank(steps[static_cast<std::size_t>(seen[key])].byte)) {
            steps[static_cast<std::size_t>(seen[key])].byte = byte;
        }
    }
    std::sort(steps.begin(), steps.end(), [](const JointStep& x, const JointStep& y) {
        return witness_rank(x.byte) < witness_rank(y.byte);
    });
    return steps;
}

namespace {

// With `utf8`, the search also tracks the UTF-8 state (utf8_step) and
// accepts only between characters.
Result<std::optional<std::string>> canonical_search(const Dfa& a, const Dfa& b,
                                                    const std::function<bool(Label, Label)>& accept,
                                                    const DfaLimits& limits, bool utf8) {
    const std::vector<JointStep> steps = joint_steps(a, b, utf8);
    // Context 0: no byte yet; 1: after '/'; 2: after another byte.
    struct Node {
        StateId x;
        StateId y;
        std::uint32_t context;
        std::uint32_t parent;
        unsigned char via;
        std::uint8_t u;  // UTF-8 state
    };
    std::vector<Node> nodes{Node{a.start, b.start, 0, 0, 0, kUtf8Ready}};  // also the queue
    PairMap seen(std::max(a.state_count(), b.state_count()));
    seen.emplace(a.start, b.start * 3 * kUtf8States, 0);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const Node n = nodes[i];
        if (!charge(limits.work, steps.size())) return work_exhausted(Location{}, *limits.work);
        if (n.context != 0 && n.u == kUtf8Ready && accept(a.label[n.x], b.label[n.y])) {
            std::string path;
            for (std::size_t at = i; at != 0; at = nodes[at].parent)
                path += static_cast<char>(nodes[at].via);
            std::reverse(path.begin(), path.end());
            return std::optional<std::string>(std::move(path));
        }
        for (const JointStep& s : steps) {
            const bool slash = s.byte == '/';
            if (slash ? n.context == 1 : n.context == 0) continue;  // '/' first, never "//"
            const StateId x = a.next_state(n.x, s.ca);
            const StateId y = b.next_state(n.y, s.cb);
            const std::uint32_t context = slash ? 1 : 2;
            const std::uint8_t u = utf8 ? utf8_step(n.u, s.byte) : kUtf8Ready;
            if (u == kUtf8Dead) continue;
            if (!seen.emplace(x, (y * 3 + context) * kUtf8States + u, 0).second) continue;
            if (nodes.size() > (utf8 ? 4 : 2) * limits.max_states) {
                return too_complex(Location{}, limits.max_states);
            }
            nodes.push_back(Node{x, y, context, static_cast<std::uint32_t>(i), s.byte, u});
        }
    }
    return std::optional<std::string>();
}

}  // namespace

}  // namespace aalayer::policy
