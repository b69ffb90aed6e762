#include "policy/engine/one_run.h"

#include <algorithm>
#include <functional>

#include "policy/automaton/paths.h"
#include "policy/common/utf8.h"
#include "policy/engine/bounds.h"

namespace aalayer::policy {

namespace {

Error refused(const std::string& path, const std::string& why) {
    return make_error(ErrorKind::Invalid, Location{}, "'" + printable(path) + "' " + why);
}

bool has_dot_component(const std::string& path) {
    std::size_t start = 1;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        const std::string_view part(path.data() + start, end - start);
        if (part == "." || part == "..") return true;
        start = end + 1;
    }
    return false;
}

}  // namespace

namespace {

// The escaped path without quotes.
Result<std::string> literal_body(const std::string& path) {
    if (path.empty() || path.front() != '/') return refused(path, "is not an absolute path");
    if (path.size() > 4096) return refused(path, "is longer than 4096 bytes");
    if (!valid_utf8(path)) return refused(path, "is not UTF-8: such a name cannot be sent over D-Bus");
    if (std::any_of(path.begin(), path.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u < 0x20 || u == 0x7f;
        }))
        return refused(path, "holds a control character, which layers cannot name");
    if (has_dot_component(path)) return refused(path, "has a '.' or '..' component: give the path itself");
    std::string out;
    for (std::size_t i = 0; i < path.size();) {
        const std::size_t n = utf8_char_length(std::string_view(path).substr(i));
        if (n > 1) {  // a whole multi-byte character, as it is (inside quotes)
            out.append(path, i, n);
            i += n;
            continue;
        }
        const auto c = static_cast<unsigned char>(path[i]);
        // glob_literal escapes the glob metacharacters and '"'; '@' stays,
        // since its '{' is escaped and `@\{` is no variable.
        out += glob_literal(c);
        ++i;
    }
    return out;
}

}  // namespace

Result<std::string> literal_path_word(const std::string& path) {
    AA_ASSIGN(std::string body, literal_body(path));
    return "\"" + body + "\"";
}

Result<std::string> one_run_perms(const std::string& letters) {
    if (letters.empty()) return std::string("r");
    std::string out;
    for (const char c : std::string("rwalkm")) {
        const auto n = std::count(letters.begin(), letters.end(), c);
        if (n > 1)
            return make_error(ErrorKind::Invalid, Location{},
                              "permission '" + std::string(1, c) + "' given twice");
        if (n == 1) out += c;
    }
    if (out.size() != letters.size()) {
        return make_error(ErrorKind::Invalid, Location{},
                          "permissions '" + printable(letters) + "' must be letters of r w a l k m");
    }
    if (out.find('w') != std::string::npos && out.find('a') != std::string::npos)
        return make_error(ErrorKind::Invalid, Location{}, "give w or a, not both: w includes appending");
    return out;
}

namespace {

PermBits bits_of(const std::string& letters) {
    PermBits bits = 0;
    for (const char c : letters) {
        switch (c) {
            case 'r': bits |= perm::kRead; break;
            case 'w': bits |= perm::kWrite | perm::kAppend; break;
            case 'a': bits |= perm::kAppend; break;
            case 'l': bits |= perm::kLink; break;
            case 'k': bits |= perm::kLock; break;
            case 'm': bits |= perm::kMmap; break;
            default: break;
        }
    }
    return bits;
}

// `owner_only`: whether an allow rule's path needs `owner` for what it asks.
Result<std::string> rules(const std::vector<OneRunPath>& allows, const std::vector<std::string>& denies,
                          const std::function<bool(const std::string&, PermBits)>& owner_only) {
    if (allows.size() + denies.size() > kMaxOneRunPaths) {
        return make_error(ErrorKind::Limit, Location{},
                          "a run may name at most " + std::to_string(kMaxOneRunPaths) + " paths");
    }
    // A directory's word is its path, then `{,**}`: the directory itself
    // and everything under it (globs keep their meaning inside quotes).
    const auto word = [](const std::string& path) -> Result<std::string> {
        if (path.empty() || path.back() != '/' || path.size() == 1) return literal_path_word(path);
        AA_ASSIGN(std::string body, literal_body(path.substr(0, path.size() - 1)));
        return "\"" + body + "/{,**}\"";
    };
    std::string text;
    for (const auto& a : allows) {
        AA_ASSIGN(std::string w, word(a.path));
        AA_ASSIGN(std::string letters, one_run_perms(a.perms));
        const bool owner = owner_only && owner_only(a.path, bits_of(letters));
        text += std::string(owner ? "owner " : "") + w + " " + letters + ",\n";
    }
    for (const auto& d : denies) {
        AA_ASSIGN(std::string w, word(d));
        text += "deny " + w + " rwlkm,\n";
    }
    return text;
}

}  // namespace

Result<std::string> one_run_rules(const std::vector<OneRunPath>& allows,
                                  const std::vector<std::string>& denies) {
    return rules(allows, denies, {});
}

Result<std::string> one_run_rules(const std::vector<OneRunPath>& allows,
                                  const std::vector<std::string>& denies, const Bounds& bounds) {
    return rules(allows, denies, [&bounds](const std::string& path, PermBits asked) {
        const Bounds::Cell& cell = bounds.cells[bounds.product.label_of(path)];
        return cell.in_region && (cell.grant.other & asked) != asked && (cell.grant.owner & asked) == asked;
    });
}

}  // namespace aalayer::policy
