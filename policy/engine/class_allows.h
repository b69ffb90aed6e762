// What a profile's allow rules of the allow-list classes (network,
// capability, ...) cover, read coarsely, for the note on a layer whose
// allow-list meets nothing the base allows (docs/layer-algebra.md, "What a
// layer takes away"). Coarse on purpose: where a rule is not plain words it
// counts as the whole class, so the note is only given when the two surely
// do not meet.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/engine/layer.h"
#include "policy/engine/profile_walk.h"

namespace aalayer::policy {

struct ClassAllows {
    bool everything = false;  // `all,` or flags=(unconfined)
    // By class keyword: each allow rule's words (empty: the whole class).
    std::map<std::string, std::vector<std::vector<std::string>>> rules;
};

// A rule's words after its keyword, when they are all plain words; an empty
// list (the whole class) otherwise. nullopt for rules of no allow-list class.
std::optional<std::vector<std::string>> class_rule_words(const Node& node);

// Collects a walked item of a base profile (its allow rules only).
void add_class_allow(ClassAllows& allows, const WalkedItem& walked);

// The notes for the layer's allow-list classes none of whose rules meets
// an allow rule of the base, located on the layer's first rule of the class.
void add_class_notes(const ClassAllows& base, const std::string& base_name, const LayerRules& layer,
                     std::vector<Finding>& findings);

}  // namespace aalayer::policy
