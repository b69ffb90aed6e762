#include <string>

#include "policy/automaton/nfa.h"
#include "policy/automaton/work.h"
#include "policy/syntax/escapes.h"

namespace aalayer::policy {

namespace {

ByteSet single(unsigned char c) {
    ByteSet s;
    s.set(c);
    return s;
}

ByteSet all_but(std::initializer_list<unsigned char> excluded) {
    ByteSet s;
    s.set();
    for (const auto c : excluded)
        s.reset(c);
    return s;
}

const ByteSet kNotSlash = all_but({'/', '\0'});
const ByteSet kAnyButNul = all_but({'\0'});

// Thompson construction straight from the glob text. `cur` is the state the
// next element hangs off; alternations join their branches into one state.
class GlobCompiler {
public:
    GlobCompiler(Nfa& nfa, std::string_view glob, const Location& where, const GlobLimits& limits)
        : nfa_(nfa), glob_(glob), where_(where), limits_(limits) {}

    Result<StateId> compile(StateId from) {
        AA_ASSIGN(StateId end, sequence(from, 0));
        if (pos_ < glob_.size()) {
            // Only a stray '}' or ',' at the top can stop a sequence early.
            return fail("'}' without a matching '{'");
        }
        return end;
    }

private:
    Error fail(const std::string& message) const {
        return make_error(ErrorKind::Invalid, where_,
                          "invalid pattern '" + std::string(glob_) + "': " + message);
    }

    Result<StateId> new_state() {
        if (nfa_.states.size() >= limits_.max_nfa_states) {
            return too_complex(where_, std::nullopt);
        }
        return nfa_.add_state();
    }

    Result<StateId> edge(StateId from, const ByteSet& bytes) {
        AA_ASSIGN(StateId to, new_state());
        nfa_.states[from].edges.emplace_back(bytes, to);
        return to;
    }

    Result<StateId> loop(StateId from, const ByteSet& bytes) {
        AA_ASSIGN(StateId hub, new_state());
        nfa_.states[from].epsilon.push_back(hub);
        nfa_.states[hub].edges.emplace_back(bytes, hub);
        return hub;
    }

    // Elements until the end, or a ',' / '}' that closes an alternative.
    Result<StateId> sequence(StateId cur, std::size_t depth) {
        bool after_slash = false;  // the previous element was a literal '/'
        while (pos_ < glob_.size()) {
            const char c = glob_[pos_];
            if (depth > 0 && (c == ',' || c == '}')) return cur;
            if (c == '}') return cur;  // stray: reported by compile()
            bool slash = false;
            switch (c) {
                case '*': {
                    std::size_t run = 0;
                    while (pos_ + run < glob_.size() && glob_[pos_ + run] == '*')
                        ++run;
                    const std::size_t after = pos_ + run;
                    if (after_slash && (after == glob_.size() || glob_[after] == '/')) {
                        AA_ASSIGN(cur, edge(cur, kNotSlash));
                    }
                    pos_ = after;
                    for (; run >= 2; run -= 2) {
                        AA_ASSIGN(cur, loop(cur, kAnyButNul));
                    }
                    if (run == 1) {
                        AA_ASSIGN(cur, loop(cur, kNotSlash));
                    }
                    break;
                }
                case '?': {
                    ++pos_;
                    AA_ASSIGN(cur, edge(cur, kNotSlash));
                    break;
                }
                case '[': {
                    AA_ASSIGN(ByteSet cls, char_class());
                    AA_ASSIGN(cur, edge(cur, cls));
                    break;
                }
                case ']': return fail("']' without a matching '['");
                case '{': {
                    AA_ASSIGN(cur, alternation(cur, depth + 1));
                    break;
                }
                case '\\': {
                    if (pos_ + 1 >= glob_.size()) return fail("trailing '\\'");
                    const unsigned char e = escaped();
                    slash = e == '/';
                    AA_ASSIGN(cur, edge(cur, single(e)));
                    break;
                }
                case '@':
                    if (pos_ + 1 < glob_.size() && glob_[pos_ + 1] == '{') {
                        return fail("variables must be expanded before matching");
                    }
                    [[fallthrough]];
                default: {
                    ++pos_;
                    slash = c == '/';
                    AA_ASSIGN(cur, edge(cur, single(static_cast<unsigned char>(c))));
                    break;
                }
            }
            after_slash = slash;
        }
        return cur;
    }

    // The byte of the escape at pos_ (a backslash, not the last character),
    // and pos_ past it. The text is decoded (decode_escapes) before it gets
    // here, so what is left is a NUL escape, which apparmor_parser's regex
    // compiler reads as the byte, or a backslash quoting the next character.
    unsigned char escaped() {
        const auto esc = read_escape(glob_.substr(pos_ + 1));
        if (esc && esc->byte == 0) {
            pos_ += 1 + esc->length;
            return 0;
        }
        const auto c = static_cast<unsigned char>(glob_[pos_ + 1]);
        pos_ += 2;
        return c;
    }

    Result<StateId> alternation(StateId cur, std::size_t depth) {
        if (depth > limits_.max_alternation_depth) {
            return make_error(
                ErrorKind::Limit, where_,
                "pattern nests '{' more than " + std::to_string(limits_.max_alternation_depth) + " deep");
        }
        ++pos_;  // '{'
        AA_ASSIGN(StateId join, new_state());
        std::size_t branches = 0;
        for (;;) {
            AA_ASSIGN(StateId branch, new_state());
            nfa_.states[cur].epsilon.push_back(branch);
            AA_ASSIGN(StateId end, sequence(branch, depth));
            nfa_.states[end].epsilon.push_back(join);
            ++branches;
            if (pos_ >= glob_.size()) return fail("'{' is never closed");
            if (glob_[pos_++] == '}') break;  // else ','
        }
        if (branches < 2)
            return fail("'{…}' needs at least two alternatives separated by ','; write {a,} for optional");
        return join;
    }

    Result<ByteSet> char_class() {
        ++pos_;  // '['
        bool negate = false;
        if (pos_ < glob_.size() && glob_[pos_] == '^') {
            negate = true;
            ++pos_;
        }
        ByteSet set;
        bool first = true;
        for (;;) {
            if (pos_ >= glob_.size()) return fail("'[' is never closed");
            auto c = static_cast<unsigned char>(glob_[pos_]);
            if (c == ']' && !first) {
                ++pos_;
                break;
            }
            first = false;
            if (c == '\\') {
                if (pos_ + 1 >= glob_.size()) return fail("trailing '\\'");
                c = escaped();
            } else {
                ++pos_;
            }
            if (pos_ + 1 < glob_.size() && glob_[pos_] == '-' && glob_[pos_ + 1] != ']') {
                auto hi = static_cast<unsigned char>(glob_[pos_ + 1]);
                pos_ += 2;
                if (hi == '\\') {
                    if (pos_ >= glob_.size()) return fail("trailing '\\'");
                    --pos_;
                    hi = escaped();
                }
                if (hi < c) return fail("range in '[…]' runs backwards");
                for (unsigned v = c; v <= hi; ++v)
                    set.set(v);
            } else {
                set.set(c);
            }
        }
        if (negate) set.flip();
        set.reset(0);  // paths never contain NUL
        return set;
    }

    Nfa& nfa_;
    std::string_view glob_;
    const Location& where_;
    const GlobLimits& limits_;
    std::size_t pos_ = 0;
};

}  // namespace

std::string collapse_slashes(std::string_view glob) {
    std::string out;
    out.reserve(glob.size());
    for (std::size_t i = 0; i < glob.size(); ++i) {
        const char c = glob[i];
        if (c == '\\' && i + 1 < glob.size()) {
            out += c;
            out += glob[++i];
            continue;
        }
        if (c == '/' && !out.empty() && out.back() == '/' &&
            !(out.size() >= 2 && out[out.size() - 2] == '\\')) {
            continue;
        }
        out += c;
    }
    return out;
}

Status add_glob(Nfa& nfa, std::string_view glob, std::uint32_t tag, const Location& where,
                const GlobLimits& limits) {
    if (glob.size() > limits.max_length) {
        return make_error(ErrorKind::Limit, where,
                          "pattern is longer than " + std::to_string(limits.max_length) + " bytes");
    }
    // Escapes first, as apparmor_parser decodes them in the word: a decoded
    // '/' is a '/' for collapsing and for the `*` rules below.
    const std::string collapsed = collapse_slashes(decode_escapes(glob).text);
    GlobCompiler compiler(nfa, collapsed, where, limits);
    AA_ASSIGN(StateId end, compiler.compile(nfa.start()));
    nfa.states[end].tags.push_back(tag);
    return {};
}

}  // namespace aalayer::policy
