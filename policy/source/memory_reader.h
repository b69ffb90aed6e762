#pragma once

#include <map>

#include "policy/source/reader.h"

namespace aalayer::policy {

// Sources held in memory, keyed by absolute path. Directories are implied by
// the files below them. Used by tests and by callers that already hold text.
class MemoryReader final : public SourceReader {
public:
    void add(std::string path, std::string contents);
    void remove(const std::string& path) { files_.erase(path); }

    [[nodiscard]] EntryType stat(const std::string& path) const override;
    [[nodiscard]] Result<std::string> read(const std::string& path, std::size_t max_bytes) const override;
    [[nodiscard]] Result<std::vector<std::string>> list(const std::string& path) const override;

private:
    std::map<std::string, std::string> files_;
};

}  // namespace aalayer::policy
