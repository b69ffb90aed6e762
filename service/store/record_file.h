// The checksummed files the service keeps (layers, denial records): a magic
// line, "key value" header lines, "checksum HEX", a blank line, the body. The
// checksum (FNV-1a over header and body) finds a torn or edited file; the
// callers' own length fields find a truncated one first, with a clearer message.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "service/core/outcome.h"

namespace aalayer::service {

using RecordFields = std::vector<std::pair<std::string, std::string>>;

struct RecordFile {
    RecordFields fields;  // in file order, without the checksum
    std::string body;
    bool checksum_matches = false;
};

std::string write_record_file(std::string_view magic, const RecordFields& fields, std::string_view body);

// Fails when the magic is not `magic` (the message names `kind`) or the header
// is malformed; a checksum that does not match is for the caller to report,
// after its own length checks.
Outcome<RecordFile> read_record_file(std::string_view magic, std::string_view kind,
                                     const std::string& content);

// Calls `use` with the path and content of each regular file under `dir`
// whose name ends in `suffix`, and removes the temporary files of writes a
// crash interrupted (their rename never happened: the old file stands).
std::error_code for_each_record_file(
    const std::string& dir, std::string_view suffix,
    const std::function<void(const std::filesystem::path&, const std::string&)>& use);

}  // namespace aalayer::service
