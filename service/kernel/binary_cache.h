// Compiled children kept between runs (apparmor backend), so a restart or a
// reload loads unchanged children without compiling them again.
// apparmor_parser's own cache cannot serve: it refuses to cache profiles
// read from stdin, and the service writes policy text to files only for a
// start's batched compiles, in a temporary directory removed after the run.
//
// One file per child in the cache directory, holding the child's kernel
// name, its text, the fingerprint of what compiled it (apparmor_parser's
// version and the kernel's feature set) and the binary. A lookup returns the
// binary only when all three match exactly, so a stale or foreign entry is
// a miss, never a wrong load. Entries are written after a successful load,
// atomically (temporary file, rename); losing one costs only a compile.
#pragma once

#include <optional>
#include <string>

namespace aalayer::service {

class BinaryCache {
public:
    explicit BinaryCache(std::string dir) : dir_(std::move(dir)) {}

    [[nodiscard]] std::optional<std::string> find(const std::string& kernel_name, const std::string& text,
                                                  const std::string& fingerprint) const;
    // Best effort: a cache that cannot be written is only slower.
    void store(const std::string& kernel_name, const std::string& text, const std::string& fingerprint,
               const std::string& binary) const;

    [[nodiscard]] std::string path_of(const std::string& kernel_name) const;

private:
    std::string dir_;
};

// What the binary policy depends on besides the text: the parser's version
// line and every file of the kernel's features directory (or the features
// file given to -M). Empty when the features cannot be read (then nothing
// is cached).
std::string compiler_fingerprint(const std::string& parser_version, const std::string& features_dir);

}  // namespace aalayer::service
