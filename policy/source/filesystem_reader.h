#pragma once

#include "policy/source/reader.h"

namespace aalayer::policy {

// Reads sources from the real filesystem, following symlinks.
class FilesystemReader final : public SourceReader {
public:
    [[nodiscard]] EntryType stat(const std::string& path) const override;
    [[nodiscard]] Result<std::string> read(const std::string& path, std::size_t max_bytes) const override;
    [[nodiscard]] Result<std::vector<std::string>> list(const std::string& path) const override;
};

}  // namespace aalayer::policy
