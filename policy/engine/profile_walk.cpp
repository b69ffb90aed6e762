#include "policy/engine/profile_walk.h"

#include <set>

#include "policy/engine/file_permissions.h"

namespace aalayer::policy {

namespace {

class Walker {
public:
    Walker(const Loader& loader, const LoadedPolicy& policy,
           const std::function<Status(const WalkedItem&)>& visit)
        : loader_(loader), policy_(policy), visit_(visit) {}

    Status walk(const std::vector<Item>& items, const Qualifiers& outer, bool included) {
        for (const auto& item : items) {
            if (const auto* inc = std::get_if<Include>(&item.node)) {
                AA_ASSIGN(std::vector<std::string> files, loader_.resolver().resolve(*inc, item.where));
                for (const auto& file : files) {
                    if (!seen_.insert(file).second) continue;
                    const auto doc = policy_.documents.find(file);
                    if (doc == policy_.documents.end()) {
                        return make_error(ErrorKind::Include, item.where,
                                          "include '" + file + "' was not loaded");
                    }
                    AA_TRY(walk(doc->second.items, outer, true));
                }
            } else if (const auto* block = std::get_if<Box<QualifierBlock>>(&item.node)) {
                AA_TRY(walk((*block)->items, merge_qualifiers(outer, (*block)->qualifiers), included));
            } else if (std::holds_alternative<Box<Conditional>>(item.node)) {
                // The loader keeps only the branch taken; an 'if' here was never decided.
                return make_error(ErrorKind::Invalid, item.where,
                                  "internal error: an 'if' block reached the engine undecided");
            } else {
                AA_TRY(visit_(WalkedItem{item, outer, included}));
            }
        }
        return {};
    }

private:
    const Loader& loader_;
    const LoadedPolicy& policy_;
    const std::function<Status(const WalkedItem&)>& visit_;
    std::set<std::string> seen_;
};

}  // namespace

Status walk_profile(const Loader& loader, const LoadedPolicy& policy, const std::vector<Item>& items,
                    const std::function<Status(const WalkedItem&)>& visit) {
    Walker walker(loader, policy, visit);
    return walker.walk(items, Qualifiers{}, false);
}

}  // namespace aalayer::policy
