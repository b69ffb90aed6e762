// The kernel backends (docs/service.md), both through the real apparmor_parser:
//  - apparmor: compiles children to the kernel's binary format (-S, nothing
//    loaded), then loads and replaces them (-r -B, never remove + add);
//    at start, many children are compiled in one run and their binaries
//    loaded in one run;
//    removes them by name; finds processes running under them.
//  - compile-only: compiles every child against an explicit feature set
//    and skips the kernel, so errors surface where no AppArmor is loaded
//    (at start, many in one run).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

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
    TogetherCompile compile_together(const std::vector<ChildText>& children) override;
    TogetherLoad load_together(std::vector<std::unique_ptr<CompiledChild>>& children) override;
    ServiceStatus unload(const std::string& kernel_name) override;
    [[nodiscard]] bool in_use(const std::string& kernel_name) override;
    [[nodiscard]] std::optional<std::unordered_set<std::string>> loaded_profiles() override;
    [[nodiscard]] policy::SystemAbi system_abi() override;

private:
    // The kernel's binary policy for the text, from apparmor_parser -S.
    Outcome<std::string> compile_binary(const std::string& kernel_name, const std::string& profile_text);
    // The children compiled in one apparmor_parser run, from files in a
    // private temporary directory: compiled[i] is child i's binary (empty
    // with compile-only), or nothing where the run did not compile it.
    std::vector<std::optional<std::string>> compile_in_one_run(const std::vector<const ChildText*>& children);
    // A binary as the apparmor backend's child: once the kernel took a fresh
    // one it goes into the cache; a cached one the kernel refuses is
    // compiled afresh.
    std::unique_ptr<CompiledChild> binary_child(const std::string& kernel_name,
                                                const std::string& profile_text, std::string binary,
                                                bool from_cache);
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
