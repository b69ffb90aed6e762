#include "policy/engine/identity.h"

#include "policy/automaton/paths.h"
#include "policy/common/utf8.h"

namespace aalayer::policy {

Status validate_identity(const UserIdentity& user) {
    const Location nowhere{"<user>", 0, 0};
    if (user.name.empty() || user.name.size() > 256) {
        return make_error(ErrorKind::Invalid, nowhere, "user name must be 1-256 bytes");
    }
    for (const char c : user.name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u == 0x7f || c == '/' || c == ',' || c == '"' || c == '\\') {
            return make_error(ErrorKind::Invalid, nowhere,
                              "user name '" + user.name + "' has a byte that cannot be used in a path");
        }
    }
    for (const std::string* home : {&user.home, &user.resolved_home}) {
        if (home == &user.resolved_home && home->empty()) continue;
        if (home->empty() || home->front() != '/' || home->size() > 4096) {
            return make_error(ErrorKind::Invalid, nowhere,
                              "home directory '" + printable(*home) + "' is not an absolute path");
        }
        for (const char c : *home) {
            const auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u == 0x7f) {
                return make_error(ErrorKind::Invalid, nowhere, "home directory has a control byte");
            }
        }
    }
    return {};
}

Result<VariableTable> load_tunables(const Loader& loader) {
    const std::string text = "include <tunables/global>\n";
    AA_ASSIGN(LoadedPolicy policy, loader.load_text(text, "<tunables>"));
    return std::move(policy.variables);
}

namespace {

std::string home_glob(const std::string& path) {
    std::string home;
    for (const char c : path)
        home += glob_literal(static_cast<unsigned char>(c));
    while (home.size() > 1 && home.back() == '/')
        home.pop_back();
    return home;
}

}  // namespace

VariableTable user_variables(VariableTable tunables, const UserIdentity& user) {
    std::vector<std::string> homes{home_glob(user.home)};
    if (!user.resolved_home.empty() && home_glob(user.resolved_home) != homes.front())
        homes.push_back(home_glob(user.resolved_home));
    tunables.set("HOME", homes);
    tunables.set("USER", {user.name});
    tunables.set("UID", {std::to_string(user.uid)});
    return tunables;
}

}  // namespace aalayer::policy
