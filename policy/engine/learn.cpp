// The generaliser of learn.h: records classified by the composition's
// bounds, files clustered by directory the way a person writes rules, other
// classes written as the rule of their class. Bounded by max_records: one
// bounds lookup per record and one small glob automaton per subtree proposed.
#include "policy/engine/learn.h"

#include <algorithm>
#include <map>
#include <set>

#include "policy/automaton/paths.h"

namespace aalayer::policy {

namespace {

// A directory ends with '/'; a file's directory is its path up to the last
// '/', a directory's is itself.
std::string dir_of(const std::string& path) {
    return path.substr(0, path.rfind('/') + 1);
}

// Where a grant glob starts: its literal directory before any glob character.
std::string literal_root(const std::string& glob) {
    std::size_t end = glob.find_first_of("*?[]{}\\");
    const std::string literal = glob.substr(0, end);
    return literal.substr(0, literal.rfind('/') + 1);
}

std::string escaped(const std::string& path) {
    std::string out;
    for (const char c : path)
        out += glob_literal(static_cast<unsigned char>(c));
    return out;
}

bool has_blank(const std::string& s) {
    return s.find_first_of(" \t") != std::string::npos;
}

// The glob as written in the layer: the home as @{HOME}, quoted when it has blanks.
std::string shown(const std::string& glob, const UserIdentity& user) {
    std::string out = glob;
    for (const std::string* home : {&user.home, &user.resolved_home}) {
        if (home->empty()) continue;
        const std::string prefix = escaped(*home) + "/";
        if (out.starts_with(prefix)) {
            out = "@{HOME}" + out.substr(prefix.size() - 1);
            break;
        }
    }
    return has_blank(out) ? "\"" + out + "\"" : out;
}

// One path with what was asked there.
struct Entry {
    std::string path;
    PermBits bits = 0;
    bool owner = true;  // every record of it saw the user's own file
    std::vector<std::size_t> indices;
};

class Clusterer {
public:
    Clusterer(const Composition& current, const UserIdentity& user, const LearnOptions& options,
              std::vector<Proposal>& out)
        : current_(current), user_(user), options_(options), out_(out) {}

    // Entries that all lie below `root`, the directory their grant rule starts from.
    void cluster(const std::string& root, const std::vector<const Entry*>& entries) {
        if (entries.size() == 1) return literal(*entries.front());
        // The deepest directory they all are in.
        std::string common = dir_of(entries.front()->path);
        for (const Entry* e : entries) {
            const std::string d = dir_of(e->path);
            std::size_t n = 0;
            while (n < common.size() && n < d.size() && common[n] == d[n])
                ++n;
            common = common.substr(0, common.substr(0, n).rfind('/') + 1);
        }
        // A subtree only strictly below the root: never the whole of a grant rule.
        if (common.size() > root.size() && common.starts_with(root)) {
            // `DIR/**` does not match DIR/ itself: `DIR/{,**}` when it was read too.
            const bool self = std::any_of(entries.begin(), entries.end(),
                                          [&](const Entry* e) { return e->path == common; });
            const std::string glob = escaped(common) + (self ? "{,**}" : "**");
            auto inside = current_.within_grant(glob, options_.limits);
            if (inside && *inside) return subtree(common, glob, entries);
        }
        // Otherwise each entry directly here on its own, each directory below clustered.
        std::map<std::string, std::vector<const Entry*>> below;
        for (const Entry* e : entries) {
            const std::string d = dir_of(e->path);
            if (d == common) {
                literal(*e);
            } else {
                below[d.substr(0, d.find('/', common.size()) + 1)].push_back(e);
            }
        }
        for (const auto& [dir, group] : below)
            cluster(root, group);
    }

private:
    void literal(const Entry& e) {
        Proposal p;
        p.glob = escaped(e.path);
        p.rule = file_rule(shown(p.glob, user_), e.bits, e.owner);
        p.covers = e.indices;
        p.why = e.path.ends_with('/') ? "the directory itself" : "one file";
        out_.push_back(std::move(p));
    }

    void subtree(const std::string& dir, const std::string& glob, const std::vector<const Entry*>& entries) {
        Proposal p;
        p.glob = glob;
        PermBits bits = 0;
        bool owner = true;
        for (const Entry* e : entries) {
            bits |= e->bits;
            owner = owner && e->owner;
            p.covers.insert(p.covers.end(), e->indices.begin(), e->indices.end());
        }
        std::sort(p.covers.begin(), p.covers.end());
        p.rule = file_rule(shown(glob, user_), bits, owner);
        p.why = std::to_string(entries.size()) + " paths under " + shown(escaped(dir), user_);
        out_.push_back(std::move(p));
    }

    const Composition& current_;
    const UserIdentity& user_;
    const LearnOptions& options_;
    std::vector<Proposal>& out_;
};

// A word the kernel reported that can stand in a rule as it is.
bool plain_word(std::string_view s) {
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-' || c == '.' || c == ':' || c == '/';
    });
}

std::map<std::string, std::string> fields_of(const std::string& detail) {
    std::map<std::string, std::string> out;
    std::size_t at = 0;
    while (at < detail.size()) {
        std::size_t end = detail.find(' ', at);
        if (end == std::string::npos) end = detail.size();
        const std::string field = detail.substr(at, end - at);
        if (const auto eq = field.find('='); eq != std::string::npos)
            out.emplace(field.substr(0, eq), field.substr(eq + 1));
        at = end + 1;
    }
    return out;
}

// "(send, receive)" from the kernel's "send receive"; empty when a word is not plain.
std::string access_list(const std::string& mask) {
    std::string out;
    std::size_t at = 0;
    while (at < mask.size()) {
        std::size_t end = mask.find(' ', at);
        if (end == std::string::npos) end = mask.size();
        const std::string word = mask.substr(at, end - at);
        if (!word.empty()) {
            if (!plain_word(word)) return {};
            out += (out.empty() ? "" : ", ") + word;
        }
        at = end + 1;
    }
    return out.empty() ? out : "(" + out + ")";
}

struct OtherRule {
    std::string keyword;  // the class's, as kRuleClasses lists it
    std::string rule;     // empty: none can be written from the record
};

// The rule of the record's class that allows what it asked, as narrow as its fields say.
OtherRule other_rule(const Observed& o) {
    const auto f = fields_of(o.detail);
    const auto get = [&](const char* key) {
        const auto it = f.find(key);
        return it == f.end() ? std::string{} : it->second;
    };
    const std::string peer = plain_word(o.peer) ? " peer=" + o.peer : std::string{};
    const bool peer_ok = o.peer.empty() || plain_word(o.peer);
    if (o.klass == "signal" || !get("signal").empty()) {
        const std::string sig = get("signal");
        const std::string acc = access_list(o.mask);
        if (!plain_word(sig) || acc.empty() || !peer_ok) return {"signal", ""};
        return {"signal", "signal " + acc + " set=(" + sig + ")" + peer + ","};
    }
    if (o.klass == "ptrace") {
        const std::string acc = access_list(o.mask);
        if (acc.empty() || !peer_ok) return {"ptrace", ""};
        return {"ptrace", "ptrace " + acc + peer + ","};
    }
    if (o.klass == "cap" || o.klass == "capability" || !get("capname").empty()) {
        const std::string name = get("capname");
        if (!plain_word(name)) return {"capability", ""};
        return {"capability", "capability " + name + ","};
    }
    if (o.klass == "unix" || get("family") == "unix") {
        const std::string type = get("sock_type");
        const std::string acc = access_list(o.mask);
        if (!plain_word(type) || acc.empty()) return {"unix", ""};
        return {"unix", "unix " + acc + " type=" + type + ","};
    }
    if (o.klass == "net" || o.klass == "network" || !get("family").empty()) {
        const std::string family = get("family");
        const std::string type = get("sock_type");
        if (!plain_word(family)) return {"network", ""};
        return {"network", "network " + family + (plain_word(type) ? " " + type : std::string{}) + ","};
    }
    if (o.klass == "dbus" || !get("bus").empty()) {
        const std::string acc = access_list(o.mask);
        std::string rule = "dbus " + acc;
        for (const char* key : {"bus", "path", "interface", "member"}) {
            const std::string v = get(key);
            if (v.empty()) continue;
            if (!plain_word(v)) return {"dbus", ""};
            rule += std::string(" ") + key + "=" + v;
        }
        if (acc.empty()) return {"dbus", ""};
        return {"dbus", rule + ","};
    }
    return {o.klass, ""};
}

}  // namespace

std::string literal_glob(const std::string& path) {
    const std::string out = escaped(path);
    return has_blank(path) ? "\"" + out + "\"" : out;
}

std::string file_rule(const std::string& glob, PermBits bits, bool owner) {
    std::string letters = perm_letters(static_cast<PermBits>(bits & ~perm::kExec));
    if ((bits & perm::kExec) != 0) letters += "ix";
    return std::string(owner ? "owner " : "") + glob + " " + letters + ",";
}

LearnResult propose_rules(const std::vector<Observed>& observed, const Composition& current,
                          const UserIdentity& user, const LearnOptions& options) {
    LearnResult result;
    std::map<std::string, Entry> files;  // by path: sorted, so the order is the records' set's
    std::map<std::string, Proposal> others;
    for (std::size_t i = 0; i < observed.size(); ++i) {
        const Observed& o = observed[i];
        if (i >= options.max_records) {
            result.unproposed.push_back(
                {i, "", "not considered: more than " + std::to_string(options.max_records) + " records"});
            continue;
        }
        const bool file = (o.klass.empty() || o.klass == "file") && o.path.starts_with('/');
        if (file) {
            if (o.bits == 0) {
                result.unproposed.push_back({i, "", "the record names no file permission"});
                continue;
            }
            const PathBounds b = current.bounds_at(o.path);
            const PermBits base = o.owner ? b.base.owner : b.base.other;
            const PermBits grant = o.owner ? b.grant.owner : b.grant.other;
            const PermPair now = current.perms(o.path);
            if ((o.bits & ~base) != 0) {
                result.unproposed.push_back(
                    {i, "admin", "the base profile denies this: only the admin can allow it"});
            } else if (!b.in_grant) {
                result.unproposed.push_back({i, "admin", "outside the grant: only the admin can allow this"});
            } else if ((o.bits & ~grant) != 0) {
                result.unproposed.push_back({i, "admin",
                                             "beyond what the grant allows here (" + perm_letters(grant) +
                                                 "): only the admin can allow this"});
            } else if ((o.bits & ~(o.owner ? now.owner : now.other)) == 0) {
                result.unproposed.push_back({i, "layer", "your layer allows this already"});
            } else {
                Entry& e = files[o.path];
                e.path = o.path;
                e.bits |= o.bits;
                e.owner = e.owner && o.owner;
                e.indices.push_back(i);
            }
            continue;
        }
        const OtherRule r = other_rule(o);
        const RuleClassInfo* cls = rule_class_info(r.keyword);
        if (cls == nullptr) {
            result.unproposed.push_back({i, "", "no layer rule is proposed for class '" + o.klass + "'"});
        } else if (!cls->layer_may_allow) {
            result.unproposed.push_back(
                {i, "admin", "layers may only deny " + r.keyword + " rules: only the admin can allow this"});
        } else if (r.rule.empty()) {
            result.unproposed.push_back(
                {i, "layer",
                 "the record does not say enough for a " + r.keyword + " rule: write one by hand"});
        } else {
            Proposal& p = others[r.rule];
            p.rule = r.rule;
            p.covers.push_back(i);
        }
    }

    // Files, by the grant rule they fall under (the deepest root that is a prefix).
    std::vector<std::string> roots;
    for (const auto& g : current.grant_globs())
        roots.push_back(literal_root(g));
    std::sort(roots.begin(), roots.end());
    roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
    std::map<std::string, std::vector<const Entry*>> by_root;
    for (const auto& [path, e] : files) {
        std::string root = dir_of(path);  // none found: no subtree at all
        std::size_t best = 0;
        for (const auto& r : roots) {
            if (!r.empty() && path.starts_with(r) && r.size() > best) {
                best = r.size();
                root = r;
            }
        }
        by_root[root].push_back(&e);
    }
    Clusterer clusterer(current, user, options, result.proposals);
    for (const auto& [root, group] : by_root)
        clusterer.cluster(root, group);

    for (auto& [rule, p] : others) {
        p.why = std::to_string(p.covers.size()) + (p.covers.size() == 1 ? " record" : " records");
        result.proposals.push_back(std::move(p));
    }
    std::sort(result.proposals.begin(), result.proposals.end(),
              [](const Proposal& a, const Proposal& b) { return a.rule < b.rule; });
    std::sort(result.unproposed.begin(), result.unproposed.end(),
              [](const Unproposed& a, const Unproposed& b) { return a.index < b.index; });
    return result;
}

std::vector<std::size_t> verify_proposals(const LearnResult& result, const std::vector<Observed>& observed,
                                          const Composition& next) {
    std::vector<std::size_t> short_of;
    for (std::size_t i = 0; i < result.proposals.size(); ++i) {
        const Proposal& p = result.proposals[i];
        if (p.glob.empty()) continue;  // other classes: the engine models files only
        for (const std::size_t at : p.covers) {
            const Observed& o = observed.at(at);
            const PermPair now = next.perms(o.path);
            if ((o.bits & ~(o.owner ? now.owner : now.other)) != 0) {
                short_of.push_back(i);
                break;
            }
        }
    }
    return short_of;
}

}  // namespace aalayer::policy
