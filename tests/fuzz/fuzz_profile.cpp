// Any AppArmor profile text: parse, emit, and the emitted text must parse
// and emit to itself (the emitter's fixed point).
#include <cstdint>
#include <string>

#include "policy/syntax/emitter.h"
#include "policy/syntax/parser.h"
#include "tests/support/default_limits.h"

using aalayer::test::kParseLimits;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace aalayer::policy;
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto first = parse_document(text, "fuzz", kParseLimits);
    if (!first) return 0;
    const std::string once = emit_document(first->document);
    auto second = parse_document(once, "fuzz", kParseLimits);
    if (!second) __builtin_trap();  // our own output must parse
    if (emit_document(second->document) != once) __builtin_trap();
    return 0;
}
