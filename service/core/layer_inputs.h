// What a layer was computed from, so a reload recomputes only the layers
// whose inputs changed (docs/service.md, "Reload"): the files read to compile
// its base (the profile and everything it includes), its grant file, the
// tunables, the files its own text includes, the user as the user database
// gave them, and the manager's settings that shape a composition.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "policy/engine/identity.h"
#include "policy/source/reader.h"
#include "service/core/ports.h"

namespace aalayer::service {

// The hash the service keeps of a file's content, a child's text and its
// settings: stable across runs and builds, as start records keep them.
std::uint64_t text_sum(std::string_view text);

// Every answer a SourceReader gave, as a fingerprint: a read's content hash
// (or that it failed), a stat's type, a listing's names. Stats and listings
// count because an include that did not resolve, or resolved elsewhere, is
// an input too.
struct SourceRecord {
    enum class Kind : std::uint8_t { Read, Stat, List };
    using Key = std::tuple<Kind, std::string, std::size_t>;  // kind, path, max_bytes (reads)
    std::map<Key, std::uint64_t> answers;
};

// The fingerprint of one answer, as SourceRecord keeps it.
std::uint64_t answer_of(const policy::SourceReader& reader, const SourceRecord::Key& key);

// A reader that answers as `inner` does and records each answer in `record`.
// One compile's: not shared between threads.
class RecordingReader final : public policy::SourceReader {
public:
    RecordingReader(const policy::SourceReader& inner, SourceRecord& record)
        : inner_(inner), record_(record) {}
    [[nodiscard]] policy::EntryType stat(const std::string& path) const override;
    [[nodiscard]] policy::Result<std::string> read(const std::string& path,
                                                   std::size_t max_bytes) const override;
    [[nodiscard]] policy::Result<std::vector<std::string>> list(const std::string& path) const override;

private:
    const policy::SourceReader& inner_;
    SourceRecord& record_;
};

struct LayerInputs {
    // Shared: the tunables' record by every layer of a catalog, the base's by
    // every layer on it; the grant's is per base and user, the layer's own.
    std::vector<std::shared_ptr<const SourceRecord>> sources;
    std::string base_file;     // the file the catalog found the base in
    std::string grant_file;    // the grant file that applies
    std::string default_path;  // an admin's default: the file its text came from
    policy::UserIdentity identity;
    std::uint64_t settings = 0;  // LayerManager's settings fingerprint (abi, limits, directories)
};

// One reload's comparison of layers' inputs with what the reader and the
// user database answer now. Each file is read, each record compared and each
// user looked up at most once per reload, whatever the number of layers.
// Safe to call from many threads.
class InputsCheck {
public:
    InputsCheck(const policy::SourceReader& reader, const UserDb& users, std::uint64_t settings)
        : reader_(reader), users_(users), settings_(settings) {}
    // Whether every input but the catalog's mapping of files (the caller
    // compares base_file and grant_file) is as it was.
    bool unchanged(const LayerInputs& inputs);

private:
    bool record_unchanged(const std::shared_ptr<const SourceRecord>& record);
    std::uint64_t answer(const SourceRecord::Key& key);

    const policy::SourceReader& reader_;
    const UserDb& users_;
    std::uint64_t settings_;
    std::mutex mutex_;
    std::map<SourceRecord::Key, std::uint64_t> answers_;
    // Keeps each record alive for the reload, so no other one takes its address.
    std::map<const SourceRecord*, std::pair<std::shared_ptr<const SourceRecord>, bool>> records_;
    std::map<std::uint32_t, std::optional<policy::UserIdentity>> users_seen_;
};

}  // namespace aalayer::service
