// Layers on disk: STATE_DIR/<uid>/<base>/<name>.layer, one file per layer,
// each written atomically (temporary file, fsync; then on commit rename and
// fsync of the directory), so a crash leaves the old version or the new one, whole.
#pragma once

#include <string>

#include "service/core/ports.h"

namespace aalayer::service {

class FileStore final : public LayerStore {
public:
    explicit FileStore(std::string state_dir);

    Outcome<std::vector<StoredLayer>> load_all(std::vector<std::string>& problems) override;
    Outcome<std::unique_ptr<StagedWrite>> stage(const StoredLayer& layer) override;
    ServiceStatus erase(std::uint32_t uid, const std::string& base, const std::string& name) override;

    [[nodiscard]] std::string path_of(std::uint32_t uid, const std::string& base,
                                      const std::string& name) const;

private:
    std::string dir_;
};

// The file format, separate so tests can corrupt it precisely.
std::string serialize_layer(const StoredLayer& layer);
// Fails on anything but a complete, self-consistent file (the checksum
// covers header and text), naming what is wrong.
Outcome<StoredLayer> parse_layer(const std::string& content);

// A file replaced atomically: `content` written to a temporary file beside
// `path` (its directories made private) and synced; commit() renames it.
Outcome<std::unique_ptr<StagedWrite>> stage_file(const std::string& path, const std::string& content);
// Removes the file (none there is done) and syncs its directory.
ServiceStatus erase_file(const std::string& path);

// A base name as one path element: [A-Za-z0-9._-] kept, the rest %XX.
std::string escape_element(const std::string& s);
std::string unescape_element(const std::string& s);

}  // namespace aalayer::service
