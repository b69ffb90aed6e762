// The AppArmor profile language as a value model. A Document is one parsed
// source file; nothing here is resolved (includes) or expanded (variables):
// that is the loader's job. Every Item carries the Location it came from.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "policy/common/result.h"

namespace aalayer::policy {

// A heap-held value with value semantics, so recursive models stay values.
template <typename T>
class Box {
public:
    Box(T value) : p_(std::make_unique<T>(std::move(value))) {}  // NOLINT(google-explicit-constructor)
    Box(const Box& other) : p_(std::make_unique<T>(*other.p_)) {}
    Box(Box&&) noexcept = default;
    Box& operator=(const Box& other) {
        if (this != &other) p_ = std::make_unique<T>(*other.p_);
        return *this;
    }
    Box& operator=(Box&&) noexcept = default;
    ~Box() = default;

    T& operator*() { return *p_; }
    const T& operator*() const { return *p_; }
    T* operator->() { return p_.get(); }
    const T* operator->() const { return p_.get(); }
    friend bool operator==(const Box& a, const Box& b) { return *a.p_ == *b.p_; }

private:
    std::unique_ptr<T> p_;
};

// A word of policy text: an id, path, glob or value. `text` is what stood
// between the quotes (escapes untouched) or the bare word as written.
struct Word {
    std::string text;
    bool quoted = false;
    friend bool operator==(const Word&, const Word&) = default;
};

enum class AccessMode : std::uint8_t { Implicit, Allow, Deny };
enum class OwnerMode : std::uint8_t { Any, Owner, Other };

struct Qualifiers {
    std::optional<std::int64_t> priority;  // AppArmor 4.1+
    bool audit = false;
    AccessMode access = AccessMode::Implicit;
    OwnerMode owner = OwnerMode::Any;

    [[nodiscard]] bool is_deny() const { return access == AccessMode::Deny; }
    [[nodiscard]] bool empty() const {
        return !priority && !audit && access == AccessMode::Implicit && owner == OwnerMode::Any;
    }
    friend bool operator==(const Qualifiers&, const Qualifiers&) = default;
};

// File permissions, with at most one exec transition.
enum class ExecMode : std::uint8_t {
    None,
    Plain,                // bare x: only valid in deny rules
    Inherit,              // ix
    Unconfined,           // ux / Ux
    Profile,              // px / Px
    Child,                // cx / Cx
    ProfileOrInherit,     // pix / Pix
    ChildOrInherit,       // cix / Cix
    ProfileOrUnconfined,  // pux / PUx
    ChildOrUnconfined,    // cux / CUx
};

struct FilePerms {
    enum Bit : std::uint8_t { Read = 1, Write = 2, Append = 4, Link = 8, Lock = 16, Mmap = 32 };
    std::uint8_t bits = 0;
    ExecMode exec = ExecMode::None;
    bool exec_safe = false;  // upper-case transition: scrub the environment

    [[nodiscard]] bool has(Bit b) const { return (bits & b) != 0; }
    [[nodiscard]] bool empty() const { return bits == 0 && exec == ExecMode::None; }
    friend bool operator==(const FilePerms&, const FilePerms&) = default;
};

// [qualifiers] [file] PATH PERMS [-> TARGET],  or  [file] PERMS PATH ...,  or bare `file,`.
struct FileRule {
    Qualifiers qualifiers;
    bool file_keyword = false;
    bool perms_first = false;
    std::optional<Word> path;  // absent only for bare `file,`
    FilePerms perms;
    std::optional<Word> target;  // exec target or link target
    friend bool operator==(const FileRule&, const FileRule&) = default;
};

// [qualifiers] link [subset] LINK -> TARGET,
struct LinkRule {
    Qualifiers qualifiers;
    bool subset = false;
    Word link;
    Word target;
    friend bool operator==(const LinkRule&, const LinkRule&) = default;
};

struct CapabilityRule {
    Qualifiers qualifiers;
    std::vector<std::string> capabilities;  // empty: every capability
    friend bool operator==(const CapabilityRule&, const CapabilityRule&) = default;
};

// The rule classes that share AppArmor's access-list + conditional shape.
enum class RuleClass : std::uint8_t {
    Network,
    Signal,
    Ptrace,
    Unix,
    Dbus,
    Mount,
    Remount,
    Umount,
    PivotRoot,
    Userns,
    IoUring,
    Mqueue,
};

// The classes of rules a profile can allow whole or as an allow-list, as
// layers and child profiles see them: the mediation classes above, and
// capability and change_profile, which have rule types of their own. One
// row a class, in the order child profiles list their allow-all rules.
struct RuleClassInfo {
    std::string_view keyword;      // as written in policy: "network", "pivot_root", "change_profile"
    std::optional<RuleClass> cls;  // the MediationRule class; none for capability and change_profile
    // The rule that allows all of the class under abi 3.0, which child
    // profiles are compiled against; empty where abi 3.0 does not mediate
    // the class (the system's AppArmor cannot enforce such rules).
    std::string_view allow_all;
    // A layer may allow rules of the class (they become its allow-list);
    // otherwise it may only deny them (docs/layer-algebra.md, "Layers").
    bool layer_may_allow = false;
    // Mediated from abi 4.0 on (allow_all is that abi's rule): only where the
    // system's AppArmor enforces it (SystemAbi).
    bool abi4 = false;
};

inline constexpr std::array<RuleClassInfo, 14> kRuleClasses{{
    {"capability", std::nullopt, "capability,", true},
    {"network", RuleClass::Network, "network,", true},
    {"signal", RuleClass::Signal, "signal,", true},
    {"ptrace", RuleClass::Ptrace, "ptrace,", true},
    {"unix", RuleClass::Unix, "unix,", true},
    {"dbus", RuleClass::Dbus, "dbus,", true},
    {"mount", RuleClass::Mount, "mount,", false},
    {"remount", RuleClass::Remount, "remount,", false},
    {"umount", RuleClass::Umount, "umount,", false},
    {"pivot_root", RuleClass::PivotRoot, "pivot_root,", false},
    {"userns", RuleClass::Userns, "userns,", false, true},
    {"io_uring", RuleClass::IoUring, "", false},
    {"mqueue", RuleClass::Mqueue, "mqueue,", false, true},
    {"change_profile", std::nullopt, "change_profile -> **,", false},
}};

// What the system's AppArmor enforces beyond abi 3.0: the classes of abi 4.0
// that the parser's abi file and the kernel's features both have. A child
// profile is written against abi 4.0 only when one is enforced, and a layer may
// deny only the classes enforced (docs/layer-algebra.md, "Layers").
struct SystemAbi {
    bool userns = false;  // features: namespaces/mask userns_create
    bool mqueue = false;  // features: ipc/posix_mqueue
    [[nodiscard]] bool enforces(const RuleClassInfo& cls) const {
        if (!cls.abi4) return !cls.allow_all.empty();
        return (cls.keyword == "userns" && userns) || (cls.keyword == "mqueue" && mqueue);
    }
    [[nodiscard]] bool abi4() const { return userns || mqueue; }
    friend bool operator==(const SystemAbi&, const SystemAbi&) = default;
};

// The row of a mediation class (every RuleClass has one).
constexpr const RuleClassInfo& rule_class_info(RuleClass cls) {
    for (const auto& row : kRuleClasses) {
        if (row.cls == cls) return row;
    }
    return kRuleClasses.front();  // unreachable: every class has a row
}
// The row of a class by its keyword; nullptr for a word that names none.
constexpr const RuleClassInfo* rule_class_info(std::string_view keyword) {
    for (const auto& row : kRuleClasses) {
        if (row.keyword == keyword) return &row;
    }
    return nullptr;
}

// The keyword of a mediation class, NUL-terminated.
constexpr const char* keyword(RuleClass cls) {
    return rule_class_info(cls).keyword.data();
}
constexpr std::optional<RuleClass> rule_class_from_keyword(std::string_view word) {
    const RuleClassInfo* row = rule_class_info(word);
    return row != nullptr ? row->cls : std::nullopt;
}

// One element of a mediation rule: a bare word, a parenthesised list, a
// `key=value` / `key=(…)` / `key in (…)` conditional, or `-> target`.
struct Condition;
struct Term {
    enum class Kind : std::uint8_t { Word, List, Condition, Arrow };
    Kind kind = Kind::Word;
    Word word;                          // Word, Arrow (target; may be empty text for bare ->)
    std::vector<Word> list;             // List
    std::vector<Condition> conditions;  // Condition: exactly one element
    friend bool operator==(const Term&, const Term&) = default;
};

struct Condition {
    std::string key;
    bool in_operator = false;       // `key in (…)` instead of `key=…`
    bool parenthesised = false;     // value written as `(…)`
    std::vector<Word> values;       // plain values
    std::vector<Condition> nested;  // for peer=(…) and xattrs=(…)
    friend bool operator==(const Condition&, const Condition&) = default;
};

struct MediationRule {
    Qualifiers qualifiers;
    RuleClass cls = RuleClass::Network;
    std::vector<Term> terms;
    friend bool operator==(const MediationRule&, const MediationRule&) = default;
};

// set rlimit RESOURCE <= VALUE,
struct RlimitRule {
    Qualifiers qualifiers;
    std::string resource;
    std::string value;
    friend bool operator==(const RlimitRule&, const RlimitRule&) = default;
};

// change_profile [safe|unsafe] [EXEC] [-> PROFILE],
struct ChangeProfileRule {
    Qualifiers qualifiers;
    std::string exec_mode;  // "", "safe" or "unsafe"
    std::optional<Word> exec;
    std::optional<Word> target;
    friend bool operator==(const ChangeProfileRule&, const ChangeProfileRule&) = default;
};

struct AllRule {
    Qualifiers qualifiers;
    friend bool operator==(const AllRule&, const AllRule&) = default;
};

// A rule whose class this model does not understand: kept verbatim, never dropped.
struct UnknownRule {
    Qualifiers qualifiers;
    std::string keyword;
    std::string text;  // from the keyword up to, not including, the final comma
    friend bool operator==(const UnknownRule&, const UnknownRule&) = default;
};

// `exclude PATH,` inside a grant block (grant files only): takes PATH out of
// the grant's region, so the base alone decides there.
struct GrantExclusion {
    Word path;
    friend bool operator==(const GrantExclusion&, const GrantExclusion&) = default;
};

struct Include {
    Word path;
    bool magic = false;  // <path>: searched in the include directories
    bool if_exists = false;
    bool hash_form = false;  // written `#include`
    friend bool operator==(const Include&, const Include&) = default;
};

struct Abi {
    Word path;
    bool magic = false;
    friend bool operator==(const Abi&, const Abi&) = default;
};

struct VariableDefinition {
    std::string name;  // without @{ }
    bool append = false;
    std::vector<Word> values;
    friend bool operator==(const VariableDefinition&, const VariableDefinition&) = default;
};

struct BooleanDefinition {
    std::string name;  // without ${ }
    bool value = false;
    friend bool operator==(const BooleanDefinition&, const BooleanDefinition&) = default;
};

struct Alias {
    Word from;
    Word to;
    friend bool operator==(const Alias&, const Alias&) = default;
};

struct Profile;
struct QualifierBlock;
struct Conditional;

using Node = std::variant<Include, Abi, VariableDefinition, BooleanDefinition, Alias, Box<Profile>,
                          Box<QualifierBlock>, Box<Conditional>, FileRule, LinkRule, CapabilityRule,
                          MediationRule, RlimitRule, ChangeProfileRule, AllRule, UnknownRule, GrantExclusion>;

struct Item {
    Location where;
    Node node;
    friend bool operator==(const Item& a, const Item& b) { return a.node == b.node; }
};

struct QualifierBlock {
    Qualifiers qualifiers;
    std::vector<Item> items;
    friend bool operator==(const QualifierBlock&, const QualifierBlock&) = default;
};

// The condition of an `if`: `${B}`, `defined @{V}` or `defined ${B}`, under
// any number of `not`s (apparmor_parser 3.0 knows no other).
struct ConditionExpr {
    enum class Kind : std::uint8_t { Boolean, DefinedSet, DefinedBoolean };
    Kind kind = Kind::Boolean;
    std::string name;      // without @{ } or ${ }
    bool negated = false;  // an odd number of `not`s
    friend bool operator==(const ConditionExpr&, const ConditionExpr&) = default;
};

struct ConditionalBranch {
    Location where;                          // of the condition, or of the final `else`
    std::optional<ConditionExpr> condition;  // none: the final `else`
    std::vector<Item> items;
    friend bool operator==(const ConditionalBranch& a, const ConditionalBranch& b) {
        return a.condition == b.condition && a.items == b.items;
    }
};

// `if C { … } else if C { … } else { … }` inside a profile or block. The
// loader decides it where it stands, as apparmor_parser does, and keeps the
// items of the branch taken in its place (load/conditionals.h): a loaded
// document holds no Conditional.
struct Conditional {
    std::vector<ConditionalBranch> branches;
    friend bool operator==(const Conditional&, const Conditional&) = default;
};

struct Profile {
    bool hat = false;      // ^name or `hat name`
    bool keyword = false;  // written with `profile` / `hat`
    bool grant = false;    // `grant BASE {` in a grant file (Dialect::Grant)
    Word name;
    std::optional<Word> attachment;
    std::vector<Condition> xattrs;
    std::vector<std::string> flags;
    std::vector<Item> items;
    friend bool operator==(const Profile&, const Profile&) = default;
};

// One parsed source file.
struct Document {
    std::string path;
    std::vector<Item> items;
};

// Something the parser noticed that is not an error (e.g. a rule kept verbatim).
struct Note {
    Location where;
    std::string message;
};

}  // namespace aalayer::policy
