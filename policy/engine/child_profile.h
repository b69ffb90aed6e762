// The child profile of a layer, built as a model and emitted by the
// canonical emitter: no user text is ever pasted into it. Outside the
// grant region it allows everything (the base decides); inside, each layer
// allow rule meets each grant rule; deny rules apply everywhere.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "policy/engine/compose.h"

namespace aalayer::policy {

class ChildProfileBuilder {
public:
    ChildProfileBuilder(const BasePolicy& base, const CompiledGrant& grant, const LayerId& id,
                        const ComposeOptions& options);

    // `paths`: the rule's canonical paths. Fails when an overlap with a grant
    // rule cannot be written as globs.
    Status add_allow(const FileRuleInfo& rule, const Dfa& paths);
    // The same, knowing how the rule meets each grant rule (set_relation of
    // its paths with CompiledGrant::rule_regions[j]), when it meets none
    // partly: no overlap to render, so no automaton needed.
    Status add_allow(const FileRuleInfo& rule, const std::vector<SetRelation>& meets);
    void add_deny(const FileRuleInfo& rule);
    // Other rule classes: the layer's allow-lists, allow-all for the rest;
    // the child's abi is the one the layer was read for.
    void add_other_rules(const LayerRules& layer);

    [[nodiscard]] std::string text() const;

private:
    // Grant rule j's share of an allow rule; `paths` only for a partial meet.
    Status add_meeting(const FileRuleInfo& rule, std::size_t j, const SetRelation& meet, const Dfa* paths);
    void add_file(std::vector<Item>& section, const std::string& glob, PermPair perms, bool audit, bool deny);

    const BasePolicy& base_;
    const CompiledGrant& grant_;
    const LayerId& id_;
    const ComposeOptions& options_;
    std::vector<Item> outside_;
    std::vector<Item> inside_;
    std::vector<Item> deny_;
    std::vector<Item> other_;
    std::set<std::string> seen_;  // emitted rule texts, to drop repeats
    SystemAbi abi_;
};

// A glob as a policy word, quoted when it holds bytes a bare word cannot.
Word glob_word(const std::string& glob);

// Engine permission bits as a child rule's permissions: 'w' stands for
// write and append together; exec is 'ix' in an allow rule, 'x' in a deny.
FilePerms child_file_perms(PermBits bits, bool deny);

}  // namespace aalayer::policy
