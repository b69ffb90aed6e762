// Denial records on disk, when the admin keeps them (keep_denials):
// STATE_DIR/<uid>/<base>/<name>.denials, one file per layer holding its
// whole ring, so a file is bounded as the ring is (max_denials_per_layer
// records). Written as layer files are: a temporary file, synced, renamed.
#pragma once

#include <string>

#include "service/core/ports.h"

namespace aalayer::service {

class DenialFileStore final : public DenialStore {
public:
    explicit DenialFileStore(std::string dir);

    Outcome<std::vector<StoredDenials>> load_all(std::vector<std::string>& problems) override;
    ServiceStatus save(const StoredDenials& denials) override;
    ServiceStatus erase(const LayerKey& key) override;
    Outcome<bool> erase_all() override;

    [[nodiscard]] std::string path_of(const LayerKey& key) const;
    [[nodiscard]] const std::string& dir() const { return dir_; }

private:
    std::string dir_;
};

// The file format, separate so tests can corrupt it precisely.
std::string serialize_denials(const StoredDenials& denials);
// Fails on anything but a complete, self-consistent file (the checksum
// covers header and records), naming what is wrong.
Outcome<StoredDenials> parse_denials(const std::string& content);

}  // namespace aalayer::service
