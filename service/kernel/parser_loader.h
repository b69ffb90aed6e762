// The kernel backends (docs/service.md), both through the real apparmor_parser:
//  - apparmor: compiles children to the kernel's binary format (-S, nothing
//    loaded), then loads and replaces them (-r -B, never remove + add;
//    many cached binaries in one run at start);
//    removes them by name; finds processes running under them.
//  - compile-only: compiles every child against an explicit feature set
//    and skips the kernel, so errors surface where no AppArmor is loaded.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "service/core/ports.h"
#include "service/kernel/binary_cache.h"

namespace aalayer::service {

struct ParserConfig {
    std::string parser = "apparmor_parser";
    // Feature ABI or features file (-M). Compile-only always passes one:
    // without it apparmor_parser 3.0 silently drops several rule classes.
    std::string features = "/etc/apparmor.d/abi/3.0";
    std::string cache_dir = "/var/cache/aalayer";  // compiled children (apparmor backend)
    std::string proc_dir = "/proc";
    std::string securityfs = "/sys/kernel/security/apparmor";
    // The parser's abi 4.0 file, which children name as <abi/4.0>.
    std::string parser_abi4 = "/etc/apparmor.d/abi/4.0";
    std::chrono::milliseconds timeout{60'000};
};

class ParserLoader final : public KernelLoader {
public:
    ParserLoader(Backend backend, ParserConfig config);

    [[nodiscard]] Backend backend() const override { return backend_; }
    Outcome<std::unique_ptr<CompiledChild>> compile(const std::string& kernel_name,
                                                    const std::string& profile_text) override;
    TogetherLoad load_together(std::vector<std::unique_ptr<CompiledChild>>& children) override;
    ServiceStatus unload(const std::string& kernel_name) override;
    [[nodiscard]] bool in_use(const std::string& kernel_name) override;
    [[nodiscard]] std::optional<std::unordered_set<std::string>> loaded_profiles() override;
    [[nodiscard]] policy::SystemAbi system_abi() override;

private:
    // The kernel's binary policy for the text, from apparmor_parser -S.
    Outcome<std::string> compile_binary(const std::string& kernel_name, const std::string& profile_text);
    const std::string& fingerprint();
    // -M's argument, or the kernel's features where none is given.
    [[nodiscard]] std::string features() const;

    Backend backend_;
    ParserConfig config_;
    BinaryCache cache_;
    std::once_flag fingerprint_once_;
    std::string fingerprint_;
};

// "apparmor" when the kernel has AppArmor enabled (securityfs), else "compile-only".
Backend detect_backend(const std::string& securityfs = "/sys/kernel/security/apparmor");

}  // namespace aalayer::service
