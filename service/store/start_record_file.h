// The start records (docs/service.md, "Start") in one file in the cache
// directory, replaced whole (temporary file, rename) at each write. The
// header names the build of aalayerd that wrote it: another build may
// compose differently, so its records read as none.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "service/core/start_records.h"

namespace aalayer::service {

// The file's body, separate so tests and the fuzzer reach the format.
// Source records shared by many layers (the tunables', a base's) are
// written once, and come back shared.
std::string serialize_start_records(const StartRecords& records);
// All or nothing: anything malformed fails, naming where.
Outcome<StartRecords> parse_start_records(std::string_view body);

class StartRecordFile final : public StartRecordStore {
public:
    // `build`: what tells this build of aalayerd from others (build_identity()).
    StartRecordFile(std::string path, std::string build) : path_(std::move(path)), build_(std::move(build)) {}

    [[nodiscard]] std::optional<StartRecords> read() override;
    ServiceStatus write(const StartRecords& records) override;
    // Why the last read() gave none (empty: it gave records, or there was no file).
    [[nodiscard]] const std::string& unusable() const { return unusable_; }

private:
    std::string path_;
    std::string build_;
    std::string unusable_;
};

}  // namespace aalayer::service
