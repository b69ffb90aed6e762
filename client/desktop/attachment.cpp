#include "client/desktop/attachment.h"

#include "policy/automaton/dfa.h"
#include "policy/automaton/nfa.h"

namespace aalayer::desktop {

std::optional<AttachmentMatcher> AttachmentMatcher::compile(std::string_view attachment) {
    auto dfa = policy::compile_globs({std::string(attachment)}, policy::Location{"attachment", 0, 0},
                                     policy::GlobLimits{}, policy::DfaLimits{});
    if (!dfa) return std::nullopt;
    return AttachmentMatcher(std::move(dfa).value());
}

bool AttachmentMatcher::matches(std::string_view program) const {
    return dfa_.label_of(program) != 0;
}

std::optional<bool> program_matches(std::string_view program, std::string_view attachment) {
    const auto matcher = AttachmentMatcher::compile(attachment);
    if (!matcher) return std::nullopt;
    return matcher->matches(program);
}

std::optional<std::string> entry_program(const DesktopFile& entry) {
    const Group* g = entry.group("Desktop Entry");
    const std::string* exec = g != nullptr ? g->get("Exec") : nullptr;
    if (exec == nullptr) return std::nullopt;
    const auto unescaped = unescape(*exec);
    if (!unescaped) return std::nullopt;
    return exec_program(*unescaped);
}

}  // namespace aalayer::desktop
