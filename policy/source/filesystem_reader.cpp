#include "policy/source/filesystem_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace aalayer::policy {

namespace fs = std::filesystem;

EntryType FilesystemReader::stat(const std::string& path) const {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec) return EntryType::Missing;
    if (fs::is_directory(status)) return EntryType::Directory;
    if (fs::exists(status)) return EntryType::File;
    return EntryType::Missing;
}

Result<std::string> FilesystemReader::read(const std::string& path, std::size_t max_bytes) const {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error(ErrorKind::Io, Location{path, 0, 0},
                          std::string("cannot open: ") + std::strerror(errno));
    }
    std::string data;
    constexpr std::size_t kChunk = 64 * 1024;
    std::string chunk(kChunk, '\0');
    while (in) {
        in.read(chunk.data(), static_cast<std::streamsize>(kChunk));
        data.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
        if (data.size() > max_bytes) {
            return make_error(ErrorKind::Limit, Location{path, 0, 0},
                              "file is larger than the limit of " + std::to_string(max_bytes) + " bytes");
        }
    }
    if (in.bad()) {
        return make_error(ErrorKind::Io, Location{path, 0, 0}, "read error");
    }
    return data;
}

Result<std::vector<std::string>> FilesystemReader::list(const std::string& path) const {
    std::error_code ec;
    std::vector<std::string> names;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        names.push_back(it->path().filename().string());
    }
    if (ec) {
        return make_error(ErrorKind::Io, Location{path, 0, 0}, "cannot list directory: " + ec.message());
    }
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace aalayer::policy
