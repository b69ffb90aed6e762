// Deterministic automata over bytes whose states carry a label: an opaque
// number whose meaning the caller defines (a set of rule ids, a permission
// pair, a boolean). Label 0 is the "nothing" label of the dead state.
// States are indexed by StateId in vectors; a Dfa is a value.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/automaton/nfa.h"
#include "policy/automaton/work.h"

namespace aalayer::policy {

using Label = std::uint32_t;

struct DfaLimits {
    std::size_t max_states = 200'000;  // past this, construction fails with ErrorKind::Limit
    // When set, every construction and search given these limits charges
    // its steps here and fails with ErrorKind::Limit once it is spent.
    WorkMeter* work = nullptr;
};

class Dfa {
public:
    // Bytes are grouped in classes that no transition distinguishes.
    std::array<std::uint16_t, 256> byte_class{};
    std::uint16_t class_count = 1;
    std::vector<StateId> next;  // next[state * class_count + class]
    std::vector<Label> label;   // per state
    StateId start = 0;

    [[nodiscard]] std::size_t state_count() const { return label.size(); }
    // The state after `s` on a byte of class `cls`.
    [[nodiscard]] StateId next_state(StateId s, std::size_t cls) const {
        return next[static_cast<std::size_t>(s) * class_count + cls];
    }
    [[nodiscard]] StateId step(StateId s, unsigned char byte) const {
        return next_state(s, byte_class[byte]);
    }
    [[nodiscard]] StateId run(std::string_view input) const;
    [[nodiscard]] Label label_of(std::string_view input) const { return label[run(input)]; }

    // One automaton accepting nothing / everything (label 1 on every path).
    static Dfa empty();
    static Dfa everything();
};

// A DFA from an NFA; each state's label numbers the set of NFA tags it
// accepts. tag_sets[label] is that set (sorted); tag_sets[0] is empty.
struct TaggedDfa {
    Dfa dfa;
    std::vector<std::vector<std::uint32_t>> tag_sets;
};

Result<TaggedDfa> determinize(const Nfa& nfa, const DfaLimits& limits, const Location& where = {});

// The smallest DFA with the same label on every path (Hopcroft's partition refinement).
Dfa minimize(const Dfa& dfa);
// The same, charging its steps to limits.work.
Result<Dfa> minimize(const Dfa& dfa, const DfaLimits& limits);
// minimize(map_labels(dfa, fn), limits), without copying dfa's table first.
Result<Dfa> minimize_relabelled(const Dfa& dfa, const std::function<Label(Label)>& fn,
                                const DfaLimits& limits);

// The product automaton: each state labelled combine(label_a, label_b).
// Only states reachable from the start are built.
// A dead state: label 0, and every byte leads back to it.
enum class DeadSide {
    neither,
    a,       // combine(x, y) is 0 whenever a's state is dead, whatever b's
    b,       // ... whenever b's state is dead
    either,  // ... whenever either is
};
Result<Dfa> product(const Dfa& a, const Dfa& b, const std::function<Label(Label, Label)>& combine,
                    const DfaLimits& limits, const Location& where = {});
// The same, where `dead` says which side's dead states make a pair dead:
// all such pairs are one state instead of a copy of the other side behind
// each (a product with a small automaton then stays about its size). Not
// minimal either way; the minimal automaton is the same.
Result<Dfa> product(const Dfa& a, const Dfa& b, const std::function<Label(Label, Label)>& combine,
                    DeadSide dead, const DfaLimits& limits, const Location& where = {});

// Relabels every state.
Dfa map_labels(const Dfa& dfa, const std::function<Label(Label)>& fn);

// The shortest path (fewest bytes; among equals the one with the smallest
// printable bytes) to a state whose label satisfies the predicate. Paths
// that are well-formed UTF-8 come first: only when none reaches such a
// state is the answer any path (it may then hold a lone byte of a
// character; print it with printable()). Witnesses end up in messages and
// D-Bus answers, which must be UTF-8 and should name whole characters.
std::optional<std::string> shortest_witness(const Dfa& dfa, const std::function<bool(Label)>& accept);
// The same, charging its steps to limits.work.
Result<std::optional<std::string>> shortest_witness(const Dfa& dfa, const std::function<bool(Label)>& accept,
                                                    const DfaLimits& limits);

// The order of bytes in witnesses, smallest first: lower-case letters,
// digits, upper-case letters, then . _ - / ~ + = @ % : , and then the
// rest by value. Among the shortest paths of a set, a witness is the least
// in this order; that depends on the set alone, not on its automaton.
int witness_rank(unsigned char byte);

// UTF-8 well-formedness (RFC 3629) as a small automaton over bytes, for the
// witness searches: kUtf8Ready between characters, kUtf8Dead after a byte
// no well-formed text can hold there.
inline constexpr std::uint8_t kUtf8Ready = 0;
inline constexpr std::uint8_t kUtf8Dead = 8;
inline constexpr std::uint8_t kUtf8States = 9;
std::uint8_t utf8_step(std::uint8_t state, unsigned char byte);
// Bytes that utf8_step treats alike in every state share a kind (14 kinds).
std::uint8_t utf8_kind(unsigned char byte);

// Path-set algebra on DFAs read as sets: a path is in the set when its label is non-zero.
Result<Dfa> set_intersection(const Dfa& a, const Dfa& b, const DfaLimits& limits);
Result<Dfa> set_union(const Dfa& a, const Dfa& b, const DfaLimits& limits);
Result<Dfa> set_difference(const Dfa& a, const Dfa& b, const DfaLimits& limits);
Dfa set_complement(const Dfa& a);
bool set_is_empty(const Dfa& a);
Result<bool> set_is_subset(const Dfa& a, const Dfa& b, const DfaLimits& limits);
// How two sets meet, found on their product without building it (and
// stopping once all three are known).
struct SetRelation {
    bool both = false;    // a path in a and in b
    bool only_a = false;  // a path in a and not in b
    bool only_b = false;  // a path in b and not in a
};
Result<SetRelation> set_relation(const Dfa& a, const Dfa& b, const DfaLimits& limits);
// A path in a and not in b, if any.
Result<std::optional<std::string>> set_difference_witness(const Dfa& a, const Dfa& b,
                                                          const DfaLimits& limits);

// The set of paths matching any of the globs (already expanded), as a minimal DFA.
Result<Dfa> compile_globs(const std::vector<std::string>& globs, const Location& where,
                          const GlobLimits& glob_limits, const DfaLimits& dfa_limits);

}  // namespace aalayer::policy
