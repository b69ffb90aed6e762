// Layer text, as any user may send it: read, compose, emit, prove. Any
// crash, sanitizer report or failed proof (compose returns an Error only for
// budgets or a failed proof) is a finding. So is a child with a control
// character in its text, and a rule of another class (written into the
// child as the emitter writes it) that does not parse back to itself.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "policy/common/utf8.h"
#include "policy/syntax/emitter.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/support/default_limits.h"
#include "tests/support/same_rule.h"

using aalayer::test::kLayerLimits;
using aalayer::test::kParseLimits;

namespace {

using namespace aalayer::policy;

bool reads_back(const Item& item) {
    auto parsed = parse_document(emit_rule(item.node), "rule", kParseLimits);
    return parsed && parsed->document.items.size() == 1 &&
           aalayer::test::same_rule(parsed->document.items.front().node, item.node);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace aalayer;
    const auto& w = fuzz::world();
    const std::string text(reinterpret_cast<const char*>(data), size);
    const policy::LayerRules rules = policy::read_layer(*w.user, text, "fuzz.layer", kLayerLimits);
    auto c = policy::compose(w.bounds, rules, policy::LayerId{1000, "f"}, fuzz::small_options());
    if (!c && c.error().kind != policy::ErrorKind::Limit) {
        // Only a budget may stop the engine; anything else is a bug (e.g. a failed proof).
        __builtin_trap();
    }
    // Messages go out as D-Bus strings, which must be UTF-8 (sd-bus refuses
    // anything else): whatever bytes the layer held, they are escaped.
    for (const auto& f : rules.findings)
        if (!policy::valid_utf8(f.message)) __builtin_trap();
    if (!c && !policy::valid_utf8(c.error().message)) __builtin_trap();
    if (c) {
        for (const auto& f : c->findings)
            if (!policy::valid_utf8(f.message)) __builtin_trap();
    }
    if (c && c->valid()) {
        // The emitted child is ours: it must parse back.
        if (!policy::parse_document(c->child_text, "child", kParseLimits)) __builtin_trap();
        for (const char ch : c->child_text) {
            const auto u = static_cast<unsigned char>(ch);
            if ((u < 0x20 && ch != '\n') || u == 0x7f) __builtin_trap();  // only line ends
        }
        for (const auto* list : {&rules.allow_rules, &rules.deny_rules})
            for (const auto& item : *list)
                if (!reads_back(item)) __builtin_trap();
        (void)c->explain("/home/alice/docs/a");
    }
    return 0;
}
