// compile_base(): a base profile's file rules compiled (compose.h).
#include <algorithm>

#include "policy/engine/compose.h"

namespace aalayer::policy {

Result<BasePolicy> compile_base(const Loader& loader, const std::string& file, const std::string& profile,
                                const PermissionLimits& limits, BaseUse use) {
    AA_ASSIGN(LoadedPolicy policy, loader.load_file(file));
    const Profile* found = nullptr;
    Location found_at;
    std::vector<std::string> names;
    for (const auto& item : policy.root_document().items) {
        const auto* p = std::get_if<Box<Profile>>(&item.node);
        if (p == nullptr || (*p)->hat) continue;
        names.push_back((*p)->name.text);
        if (profile.empty() ? found == nullptr : (*p)->name.text == profile) {
            found = &**p;
            found_at = item.where;
        }
    }
    if (found == nullptr || (profile.empty() && names.size() > 1)) {
        std::string list;
        for (const auto& n : names)
            list += (list.empty() ? "" : ", ") + n;
        return make_error(
            ErrorKind::Invalid, Location{file, 0, 0},
            (profile.empty() ? std::string("name the base profile") : "no profile '" + profile + "'") +
                " in this file (it has: " + (list.empty() ? "none" : list) + ")");
    }
    BasePolicy base;
    base.name = found->name.text;
    base.file = file;
    base.flags = found->flags;
    AA_ASSIGN(std::vector<FileRuleInfo> rules, collect_file_rules(loader, policy, *found));
    AA_TRY(walk_profile(loader, policy, found->items, [&](const WalkedItem& w) {
        add_class_allow(base.classes, w);
        return Status{};
    }));
    if (std::ranges::find(found->flags, "unconfined") != found->flags.end()) {
        // AppArmor 4's flags=(unconfined) (Debian 13's firefox, for one): the
        // kernel mediates nothing for the profile, whatever its rules say, so
        // the base allows every path; only the layer's child restricts.
        FileRuleInfo all;
        all.where = found_at;
        all.text = "flags=(unconfined): the base allows everything";
        all.bits = perm::kAll;
        all.globs = {"/**"};
        rules.push_back(std::move(all));
        base.classes.everything = true;
    }
    if (use == BaseUse::kept) {
        // Built and minimised already, the rule automaton gives the
        // effective one for less than building it apart would cost.
        AA_ASSIGN(PermissionAutomaton files, PermissionAutomaton::build(std::move(rules), limits));
        AA_ASSIGN(base.effective, files.effective_dfa(limits.dfa));
        base.files = std::move(files);
    } else {
        AA_ASSIGN(base.effective, effective_dfa_of(rules, limits));
        base.files = BaseRules::later(std::move(rules), limits);
    }
    return base;
}

}  // namespace aalayer::policy
