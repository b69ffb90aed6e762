// Grant files (admin-written, but parsed by a root service): load, read, compile.
#include <cstdint>
#include <string>

#include "policy/engine/grant.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace aalayer;
    const auto& w = fuzz::world();
    const std::string text(reinterpret_cast<const char*>(data), size);
    const policy::Loader loader(w.reader, policy::grant_load_options(w.user->options()));
    auto loaded = loader.load_text(text, "fuzz.conf");
    if (!loaded) return 0;
    auto grants = policy::read_grants(*loaded);
    if (!grants) return 0;
    for (auto& g : *grants) {
        policy::PermissionLimits limits = fuzz::small_options().limits;
        (void)policy::compile_grant(std::move(g), limits);
    }
    return 0;
}
