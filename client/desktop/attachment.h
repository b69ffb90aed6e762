// Which desktop entries start a base: the program an entry's Exec runs
// against the base's attachment, an AppArmor glob (matched by the policy
// engine's own glob automaton, as the kernel attaches profiles by path).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "client/desktop/desktop_entry.h"
#include "policy/automaton/dfa.h"

namespace aalayer::desktop {

// An attachment compiled once, for matching many programs against it.
class AttachmentMatcher {
public:
    // Nothing when the attachment is not a glob the engine compiles.
    static std::optional<AttachmentMatcher> compile(std::string_view attachment);
    [[nodiscard]] bool matches(std::string_view program) const;

private:
    explicit AttachmentMatcher(policy::Dfa dfa) : dfa_(std::move(dfa)) {}
    policy::Dfa dfa_;
};

// Whether `program` (an absolute path, symlinks resolved) matches the glob
// `attachment` ("/usr/lib/firefox{,-esr}/firefox{,-esr}"). Nothing when the
// attachment is not a glob the engine compiles (a variable left in it, a
// limit).
std::optional<bool> program_matches(std::string_view program, std::string_view attachment);

// The program an entry's [Desktop Entry] Exec runs, as written (maybe a name
// to find in PATH); nothing for an entry without a usable Exec.
std::optional<std::string> entry_program(const DesktopFile& entry);

}  // namespace aalayer::desktop
