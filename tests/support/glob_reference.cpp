#include "tests/support/glob_reference.h"

#include <functional>
#include <memory>

namespace aalayer::test {

namespace {

// ---- Reference matcher: a backtracking interpreter of the glob text. ----

struct Node;
using Seq = std::vector<std::shared_ptr<Node>>;
struct Node {
    enum Kind { Byte, AnyNotSlash, StarNotSlash, StarAny, Class, Alt } kind = Byte;
    char byte = 0;
    std::vector<bool> cls;  // 256 entries for Class
    std::vector<Seq> alts;  // for Alt
};

// Parses the subset of glob syntax the generator produces.
struct RefParser {
    std::string g;
    std::size_t i = 0;

    Seq seq(int depth) {
        Seq out;
        bool prev_slash = false;
        while (i < g.size()) {
            const char c = g[i];
            if (depth > 0 && (c == ',' || c == '}')) break;
            auto n = std::make_shared<Node>();
            bool slash = false;
            if (c == '*') {
                std::size_t run = 0;
                while (i + run < g.size() && g[i + run] == '*')
                    ++run;
                const bool end_or_slash = i + run == g.size() || g[i + run] == '/';
                i += run;
                if (prev_slash && end_or_slash) {
                    auto one = std::make_shared<Node>();
                    one->kind = Node::AnyNotSlash;
                    out.push_back(one);
                }
                for (; run >= 2; run -= 2) {
                    auto s = std::make_shared<Node>();
                    s->kind = Node::StarAny;
                    out.push_back(s);
                }
                if (run == 1) {
                    auto s = std::make_shared<Node>();
                    s->kind = Node::StarNotSlash;
                    out.push_back(s);
                }
                prev_slash = false;
                continue;
            }
            if (c == '?') {
                n->kind = Node::AnyNotSlash;
                ++i;
            } else if (c == '[') {
                n->kind = Node::Class;
                n->cls.assign(256, false);
                ++i;
                bool neg = false;
                if (g[i] == '^') {
                    neg = true;
                    ++i;
                }
                while (g[i] != ']')
                    n->cls[static_cast<unsigned char>(g[i++])] = true;
                ++i;
                if (neg) n->cls.flip();
                n->cls[0] = false;
            } else if (c == '{') {
                n->kind = Node::Alt;
                ++i;
                for (;;) {
                    n->alts.push_back(seq(depth + 1));
                    if (g[i++] == '}') break;
                }
            } else if (c == '\\' && g.compare(i + 1, 3, "141") == 0) {
                // The generator's one numeric escape: octal 141 is 'a' to apparmor_parser.
                n->byte = 'a';
                i += 4;
            } else if (c == '\\') {
                n->byte = g[i + 1];
                slash = n->byte == '/';
                i += 2;
            } else {
                n->byte = c;
                slash = c == '/';
                ++i;
            }
            out.push_back(n);
            prev_slash = slash;
        }
        return out;
    }
};

bool match_seq(const Seq& seq, std::size_t k, const std::string& path, std::size_t pos,
               const std::function<bool(std::size_t)>& rest) {
    if (k == seq.size()) return rest(pos);
    const Node& n = *seq[k];
    auto next = [&](std::size_t p) { return match_seq(seq, k + 1, path, p, rest); };
    switch (n.kind) {
        case Node::Byte: return pos < path.size() && path[pos] == n.byte && next(pos + 1);
        case Node::AnyNotSlash: return pos < path.size() && path[pos] != '/' && next(pos + 1);
        case Node::Class:
            return pos < path.size() && n.cls[static_cast<unsigned char>(path[pos])] && next(pos + 1);
        case Node::StarNotSlash:
        case Node::StarAny:
            for (std::size_t p = pos;; ++p) {
                if (next(p)) return true;
                if (p >= path.size() || (n.kind == Node::StarNotSlash && path[p] == '/')) return false;
            }
        case Node::Alt:
            for (const auto& alt : n.alts) {
                if (match_seq(alt, 0, path, pos, next)) return true;
            }
            return false;
    }
    return false;
}

// Runs of '/' collapse before matching, as apparmor_parser does.
std::string collapse(const std::string& g) {
    std::string out;
    for (std::size_t i = 0; i < g.size(); ++i) {
        if (g[i] == '\\' && i + 1 < g.size()) {
            out += g[i];
            out += g[++i];
        } else if (!(g[i] == '/' && !out.empty() && out.back() == '/')) {
            out += g[i];
        }
    }
    return out;
}

}  // namespace

bool ref_match(const std::string& glob, const std::string& path) {
    RefParser p{collapse(glob)};
    const Seq seq = p.seq(0);
    return match_seq(seq, 0, path, 0, [&](std::size_t pos) { return pos == path.size(); });
}

// ---- Generators ----

std::string random_glob(std::mt19937& rng, int depth) {
    static const std::vector<std::string> kAtoms{"a",  "b",    "/",    ".",     "?", "*",
                                                 "**", "[ab]", "[^a]", "\\141", "/", "/"};
    std::uniform_int_distribution<int> len(1, depth == 0 ? 6 : 3);
    std::uniform_int_distribution<std::size_t> atom(0, kAtoms.size());
    std::string g;
    const int n = len(rng);
    for (int k = 0; k < n; ++k) {
        const std::size_t a = atom(rng);
        if (a == kAtoms.size() && depth < 2) {
            std::uniform_int_distribution<int> branches(2, 3);
            g += '{';
            const int b = branches(rng);
            for (int j = 0; j < b; ++j) {
                if (j != 0) g += ',';
                if (rng() % 4 != 0) g += random_glob(rng, depth + 1);
            }
            g += '}';
        } else {
            g += kAtoms[a % kAtoms.size()];
        }
    }
    return g;
}

std::vector<std::string> all_paths(std::size_t max_len) {
    static const std::string kAlphabet = "ab/.";
    std::vector<std::string> out{""};
    std::vector<std::string> frontier{""};
    for (std::size_t len = 1; len <= max_len; ++len) {
        std::vector<std::string> grown;
        for (const auto& p : frontier) {
            for (const char c : kAlphabet)
                grown.push_back(p + c);
        }
        out.insert(out.end(), grown.begin(), grown.end());
        frontier = std::move(grown);
    }
    return out;
}

}  // namespace aalayer::test
