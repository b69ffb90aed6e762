// One glob: compile to an automaton, and write its complement back as globs,
// which must then match exactly what the automaton says (render_globs checks
// itself; a mismatch is an error value, a crash is a finding).
#include <cstdint>
#include <string>

#include "policy/automaton/paths.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace aalayer::policy;
    if (size > 512) return 0;
    const std::string glob(reinterpret_cast<const char*>(data), size);
    GlobLimits glob_limits;
    glob_limits.max_nfa_states = 20000;
    DfaLimits dfa_limits;
    dfa_limits.max_states = 5000;
    auto set = compile_globs({glob}, Location{}, glob_limits, dfa_limits);
    if (!set) return 0;
    GlobRenderLimits render;
    render.max_globs = 128;
    (void)render_globs(*set, Location{}, render, dfa_limits);
    (void)render_globs(set_complement(*set), Location{}, render, dfa_limits);
    return 0;
}
