// render_globs() (paths.h): a path set written back as AppArmor globs, for
// the child profile's rules, checked by compiling the globs back.
#include <map>

#include "policy/automaton/paths.h"
#include "policy/common/utf8.h"
#include "policy/syntax/escapes.h"

namespace aalayer::policy {

namespace {

bool is_control(unsigned char c) {
    return c < 0x20 || c == 0x7f;
}

// Bytes a literal escapes: the glob metacharacters, but for '^', which
// means something only right after '[' (where no literal stands: a literal
// '[' is escaped), and '"', which would end a quoted policy word.
bool needs_escape(unsigned char c) {
    return c == '"' || (c != '^' && glob_metacharacter(c));
}

std::string escape_control(unsigned char c) {
    switch (c) {
        case '\n': return "\\n";
        case '\t': return "\\t";
        case '\r': return "\\r";
        default: return {};
    }
}

// The members of a class as glob class text; empty when a member cannot be written.
std::string class_members(const ByteSet& set) {
    std::string out;
    for (unsigned lo = 1; lo < 256;) {
        if (!set.test(lo)) {
            ++lo;
            continue;
        }
        unsigned hi = lo;
        while (hi + 1 < 256 && set.test(hi + 1))
            ++hi;
        auto put = [&](unsigned c) -> bool {
            const auto byte = static_cast<unsigned char>(c);
            if (is_control(byte)) {
                const std::string e = escape_control(byte);
                if (e.empty()) return false;
                out += e;
            } else if (byte == ']' || byte == '\\' || byte == '^' || byte == '-' || byte == '"') {
                out += '\\';
                out += static_cast<char>(byte);
            } else {
                out += static_cast<char>(byte);
            }
            return true;
        };
        if (hi - lo >= 2) {
            if (!put(lo)) return {};
            out += '-';
            if (!put(hi)) return {};
        } else {
            for (unsigned c = lo; c <= hi; ++c)
                if (!put(c)) return {};
        }
        lo = hi + 1;
    }
    return out;
}

ByteSet non_nul() {
    ByteSet s;
    s.set();
    s.reset(0);
    return s;
}

ByteSet not_slash() {
    ByteSet s = non_nul();
    s.reset('/');
    return s;
}

// Glob text for one step over `bytes` (never containing '/' or NUL).
std::string atom(const ByteSet& bytes) {
    if (bytes == not_slash()) return "?";
    // A literal '/' before `**` would make it need a byte: keep it in a class.
    if (bytes.count() == 1 && bytes.test('/')) return "[/]";
    if (bytes.count() == 1) {
        for (unsigned c = 1; c < 256; ++c)
            if (bytes.test(c)) return glob_literal(static_cast<unsigned char>(c));
    }
    const ByteSet complement = non_nul() & ~bytes;
    const std::string negated = class_members(complement);
    const std::string positive = class_members(bytes);
    if (!negated.empty() && (positive.empty() || negated.size() < positive.size()))
        return "[^" + negated + "]";
    if (!positive.empty()) return "[" + positive + "]";
    return {};
}

class Renderer {
public:
    Renderer(const Dfa& dfa, const Location& where, const GlobRenderLimits& limits, WorkMeter* meter)
        : dfa_(dfa), where_(where), limits_(limits), meter_(meter), on_path_(dfa.state_count(), false) {}

    Status run() {
        if (!find_universal() || !find_live()) return Status(work_exhausted(where_, *meter_));
        // Paths start with '/'.
        const StateId first = dfa_.step(dfa_.start, '/');
        if (!live_[index(first, true)]) return {};
        return visit(first, "/", true);
    }

    std::vector<std::string> globs;

private:
    [[nodiscard]] static std::size_t index(StateId s, bool after_slash) {
        return static_cast<std::size_t>(s) * 2 + (after_slash ? 1 : 0);
    }

    // A state from which every continuation is in the set. False when the meter runs out.
    bool find_universal() {
        if (!charge(meter_, 256 * dfa_.state_count())) return false;
        universal_.assign(dfa_.state_count(), false);
        for (StateId s = 0; s < dfa_.state_count(); ++s) {
            if (dfa_.label[s] == 0) continue;
            bool all = true;
            for (unsigned c = 1; c < 256 && all; ++c)
                all = dfa_.step(s, static_cast<unsigned char>(c)) == s;
            universal_[s] = all;
        }
        return true;
    }

    // live_[state, after_slash]: some canonical continuation is accepted.
    // Rounds are as many as the longest path to an accepting state, so each
    // round is charged for the states and steps it looked at.
    bool find_live() {
        const std::size_t n = dfa_.state_count();
        live_.assign(n * 2, false);
        for (StateId s = 0; s < n; ++s) {
            if (dfa_.label[s] != 0) live_[index(s, false)] = live_[index(s, true)] = true;
        }
        for (bool changed = true; changed;) {
            changed = false;
            std::uint64_t steps = n;
            for (StateId s = 0; s < n; ++s) {
                for (int ctx = 0; ctx < 2; ++ctx) {
                    const bool after_slash = ctx == 1;
                    if (live_[index(s, after_slash)]) continue;
                    for (unsigned c = 1; c < 256; ++c) {
                        ++steps;
                        if (after_slash && c == '/') continue;
                        if (live_[index(dfa_.step(s, static_cast<unsigned char>(c)), c == '/')]) {
                            live_[index(s, after_slash)] = true;
                            changed = true;
                            break;
                        }
                    }
                }
            }
            if (!charge(meter_, steps)) return false;
        }
        return true;
    }

    Status emit(std::string glob) {
        if (glob.size() > limits_.max_length) {
            return make_error(ErrorKind::Limit, where_,
                              "a glob for this path set would be longer than " +
                                  std::to_string(limits_.max_length) + " bytes");
        }
        bytes_ += glob.size();
        if (globs.size() >= limits_.max_globs || bytes_ > limits_.max_bytes) {
            return make_error(ErrorKind::Limit, where_,
                              "this path set needs more than " + std::to_string(limits_.max_globs) +
                                  " globs to write down");
        }
        globs.push_back(std::move(glob));
        return {};
    }

    Error not_expressible(const std::string& prefix, const std::string& why) const {
        return make_error(ErrorKind::Unsupported, where_,
                          "the path set under '" + to_valid_utf8(prefix) + "' " + to_valid_utf8(why) +
                              ", which AppArmor globs cannot express (use subtrees such as /dir/** or "
                              "names with *, ? and {a,b})");
    }

    Status check_length(const std::string& prefix) const {
        if (prefix.size() <= limits_.max_length) return {};
        return make_error(
            ErrorKind::Limit, where_,
            "a glob for this path set would be longer than " + std::to_string(limits_.max_length) + " bytes");
    }

    // Bytes after which every continuation is in the set. After a '/', a
    // second '/' is never canonical, so it joins them when that helps.
    ByteSet universal_bytes(StateId q) const {
        ByteSet u;
        for (unsigned c = 1; c < 256; ++c)
            if (universal_[dfa_.step(q, static_cast<unsigned char>(c))]) u.set(c);
        return u;
    }

    ByteSet loop_bytes(StateId q, bool after_slash) const {
        ByteSet loop;
        for (unsigned c = 1; c < 256; ++c) {
            if (after_slash && c == '/') continue;
            if (dfa_.step(q, static_cast<unsigned char>(c)) == q) loop.set(c);
        }
        return loop;
    }

    // Live targets other than the universal state, with the bytes leading there.
    std::map<StateId, ByteSet> targets(StateId q, bool after_slash) const {
        std::map<StateId, ByteSet> out;
        for (unsigned c = 1; c < 256; ++c) {
            if (after_slash && c == '/') continue;
            const StateId t = dfa_.step(q, static_cast<unsigned char>(c));
            if (t == q || universal_[t] || !live_[index(t, c == '/')]) continue;
            out[t].set(c);
        }
        return out;
    }

    Status visit(StateId q, const std::string& prefix, bool after_slash) {
        AA_TRY(check_length(prefix));
        // A visit looks at each byte's step a few times (loops, targets, universal bytes).
        if (!charge(meter_, 4 * 256)) return Status(work_exhausted(where_, *meter_));
        if (universal_[q]) return emit(prefix + (after_slash ? "{,**}" : "**"));
        if (on_path_[q]) return Status(not_expressible(prefix, "repeats a sequence longer than one byte"));
        const ByteSet loop = loop_bytes(q, after_slash);
        Status status;
        on_path_[q] = true;
        if (loop.none()) {
            status = chain(q, prefix, after_slash);
        } else if (loop == not_slash()) {
            status = star(q, prefix, after_slash);
        } else if ((loop | universal_bytes(q)) != non_nul()) {
            status = Status(not_expressible(prefix, "repeats the bytes " + atom(loop)));
        }  // else: every byte loops or leads anywhere, yet q does not accept: no canonical path
        on_path_[q] = false;
        return status;
    }

    // q loops on every byte but '/': a `*`, then '/' or the end.
    Status star(StateId q, const std::string& prefix, bool after_slash) {
        if (dfa_.label[q] != 0) {
            // `/dir/*` at the very end needs a byte; inside braces it does not.
            AA_TRY(emit(prefix + (after_slash ? "{,*}" : "*")));
        }
        const StateId t = dfa_.step(q, '/');
        if (universal_[t]) return emit(prefix + "*/{,**}");
        if (!live_[index(t, true)]) return {};
        // `/dir/*/` needs a byte before the '/', as zero would spell "//".
        return visit(t, prefix + "*/", true);
    }

    // Walks a run of states that each continue with one literal byte,
    // writing one glob per path segment: the segment's prefix, then an
    // alternative for every place the run can end or leave for anywhere.
    Status chain(StateId q, const std::string& prefix, bool after_slash) {
        std::string base = prefix;  // up to the current segment
        std::string run;            // literal bytes of the segment so far
        std::vector<std::string> alternatives;
        std::vector<StateId> marked;
        auto flush = [&]() -> Status {
            if (alternatives.empty()) return {};
            std::string glob = base;
            if (alternatives.size() == 1) {
                glob += alternatives.front();
            } else {
                glob += '{';
                for (std::size_t i = 0; i < alternatives.size(); ++i)
                    glob += (i == 0 ? "" : ",") + alternatives[i];
                glob += '}';
            }
            alternatives.clear();
            return emit(std::move(glob));
        };
        auto unmark = [&]() {
            for (const StateId s : marked)
                on_path_[s] = false;
        };
        StateId cur = q;
        bool slash = after_slash;
        for (;;) {
            if (Status st = check_length(base + run); !st) {
                unmark();
                return st;
            }
            if (!charge(meter_, 4 * 256)) {
                unmark();
                return Status(work_exhausted(where_, *meter_));
            }
            ByteSet u = universal_bytes(cur);
            if (slash) u.reset('/');  // never canonical: not worth an alternative of its own
            if (dfa_.label[cur] != 0) alternatives.push_back(run);
            if (u.any()) {
                const std::vector<std::string> atoms = class_atoms(u, slash);
                if (atoms.empty()) {
                    unmark();
                    return Status(not_expressible(base + run, "continues with control bytes"));
                }
                for (const auto& a : atoms)
                    alternatives.push_back(run + a + "**");
            }
            const auto next = targets(cur, slash);
            // Continue the run through a state with a single literal way on.
            if (next.size() == 1 && next.begin()->second.count() == 1 &&
                (cur == q || !on_path_[next.begin()->first])) {
                const StateId t = next.begin()->first;
                unsigned byte = 0;
                for (unsigned c = 1; c < 256; ++c)
                    if (next.begin()->second.test(c)) byte = c;
                if (t != cur && !on_path_[t] && loop_bytes(t, byte == '/').none() && !universal_[t]) {
                    run += byte == '/' ? std::string("/") : glob_literal(static_cast<unsigned char>(byte));
                    if (byte == '/') {
                        if (Status st = flush(); !st) {
                            unmark();
                            return st;
                        }
                        base += run;
                        run.clear();
                    }
                    on_path_[t] = true;
                    marked.push_back(t);
                    cur = t;
                    slash = byte == '/';
                    continue;
                }
            }
            Status st = flush();
            if (st) st = branch_out(cur, base + run, slash, next);
            unmark();
            return st;
        }
    }

    // Glob atoms for one step over `u` (bytes after which anything follows).
    // After a '/', a second '/' is never canonical: it may join or leave the
    // class, whichever writes shorter. Empty when no atom can be written.
    static std::vector<std::string> class_atoms(ByteSet u, bool after_slash) {
        if (after_slash) {
            if (u == not_slash()) return {"?"};
            std::string without = atom(u);
            ByteSet with_slash = u;
            with_slash.set('/');
            const std::string with = atom(with_slash);
            if (without.empty() || (!with.empty() && with.size() < without.size())) without = with;
            if (without.empty()) return {};
            return {without};
        }
        if (u.test('/')) {
            const std::string whole = atom(u);
            if (!whole.empty()) return {whole};
            ByteSet rest = u;
            rest.reset('/');
            if (rest.none()) return {"[/]"};
            const std::string part = atom(rest);
            if (part.empty()) return {};
            return {part, "[/]"};
        }
        const std::string a = atom(u);
        if (a.empty()) return {};
        return {a};
    }

    Status branch_out(StateId q, const std::string& prefix, bool after_slash,
                      const std::map<StateId, ByteSet>& next) {
        (void)q;
        for (const auto& [t, bytes] : next) {
            if (bytes.test('/')) {
                AA_TRY(visit(t, prefix + "/", true));
                if (bytes.count() == 1) continue;
            }
            ByteSet rest = bytes;
            rest.reset('/');
            const std::string a = atom(rest);
            if (a.empty()) return Status(not_expressible(prefix, "continues with control bytes"));
            AA_TRY(visit(t, prefix + a, false));
        }
        (void)after_slash;
        return {};
    }

    const Dfa& dfa_;
    const Location& where_;
    const GlobRenderLimits& limits_;
    WorkMeter* meter_;
    std::vector<bool> universal_;
    std::vector<bool> live_;
    std::vector<bool> on_path_;
    std::size_t bytes_ = 0;
};

}  // namespace

std::string glob_literal(unsigned char byte) {
    if (is_control(byte)) return escape_control(byte);
    if (needs_escape(byte)) return std::string{'\\', static_cast<char>(byte)};
    return std::string(1, static_cast<char>(byte));
}

Result<std::vector<std::string>> render_globs(const Dfa& set, const Location& where,
                                              const GlobRenderLimits& limits, const DfaLimits& dfa_limits) {
    // Non-canonical paths are "don't care": adding them all lets `**` and
    // `*` show up as single looping states, whatever the slashes did.
    AA_ASSIGN(Dfa widened, set_union(set, set_complement(canonical_paths()), dfa_limits));
    Renderer renderer(widened, where, limits, dfa_limits.work);
    AA_TRY(renderer.run());
    // The renderer reasons about glob semantics; the automata check it.
    AA_ASSIGN(Dfa back, compile_globs(renderer.globs, where, GlobLimits{}, dfa_limits));
    AA_ASSIGN(std::optional<std::string> extra, canonical_difference_witness(back, set, dfa_limits));
    AA_ASSIGN(std::optional<std::string> missing, canonical_difference_witness(set, back, dfa_limits));
    if (extra || missing) {
        return make_error(
            ErrorKind::Unsupported, where,
            "cannot write this path set as AppArmor globs exactly (they would " +
                (extra ? "also match '" + printable(*extra) + "'" : "miss '" + printable(*missing) + "'") +
                ")");
    }
    return std::move(renderer.globs);
}

}  // namespace aalayer::policy
