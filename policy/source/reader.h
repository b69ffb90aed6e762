// The only way the policy engine touches the outside world: reading policy
// sources. The service and the CLI inject a filesystem reader; tests inject
// an in-memory one.
#pragma once

#include <string>
#include <vector>

#include "policy/common/result.h"

namespace aalayer::policy {

enum class EntryType : std::uint8_t { Missing, File, Directory };

class SourceReader {
public:
    SourceReader() = default;
    SourceReader(const SourceReader&) = delete;
    SourceReader& operator=(const SourceReader&) = delete;
    virtual ~SourceReader() = default;

    [[nodiscard]] virtual EntryType stat(const std::string& path) const = 0;
    // Whole file contents; an Io error if it cannot be read or exceeds max_bytes.
    [[nodiscard]] virtual Result<std::string> read(const std::string& path, std::size_t max_bytes) const = 0;
    // Names (not paths) of the entries of a directory, sorted.
    [[nodiscard]] virtual Result<std::vector<std::string>> list(const std::string& path) const = 0;
};

}  // namespace aalayer::policy
