#include "service/kernel/binary_cache.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include "policy/common/hash.h"
#include "service/store/private_dir.h"
#include "service/store/whole_file.h"

namespace aalayer::service {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMagic = "aalayer-binary-cache 1\n";

// FNV-1a: only names the file; the entry's content decides a hit.
std::string file_name(const std::string& kernel_name) {
    return policy::hex64(policy::fnv1a_bytes(kernel_name)) + ".bin";
}

void put(std::string& out, const std::string& field) {
    out += std::to_string(field.size());
    out += '\n';
    out += field;
}

bool take(std::string_view& in, std::string& field) {
    const auto nl = in.find('\n');
    if (nl == std::string_view::npos || nl == 0 || nl > 12) return false;
    std::size_t n = 0;
    for (const char c : in.substr(0, nl)) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    in.remove_prefix(nl + 1);
    if (n > in.size()) return false;
    field.assign(in.substr(0, n));
    in.remove_prefix(n);
    return true;
}

std::string read_all(const fs::path& path) { return read_whole_file(path).value_or(std::string()); }

}  // namespace

std::string BinaryCache::path_of(const std::string& kernel_name) const {
    return dir_ + "/" + file_name(kernel_name);
}

std::optional<std::string> BinaryCache::find(const std::string& kernel_name, const std::string& text,
                                             const std::string& fingerprint) const {
    if (fingerprint.empty()) return std::nullopt;
    const std::string content = read_all(path_of(kernel_name));
    std::string_view in(content);
    if (!in.starts_with(kMagic)) return std::nullopt;
    in.remove_prefix(std::string_view(kMagic).size());
    std::string name;
    std::string cached_text;
    std::string cached_fingerprint;
    std::string binary;
    if (!take(in, name) || !take(in, cached_text) || !take(in, cached_fingerprint) || !take(in, binary) ||
        !in.empty()) {
        return std::nullopt;
    }
    if (name != kernel_name || cached_text != text || cached_fingerprint != fingerprint || binary.empty())
        return std::nullopt;
    return binary;
}

void BinaryCache::store(const std::string& kernel_name, const std::string& text,
                        const std::string& fingerprint, const std::string& binary) const {
    if (fingerprint.empty()) return;
    if (make_private_directory(dir_)) return;
    std::string content = kMagic;
    put(content, kernel_name);
    put(content, text);
    put(content, fingerprint);
    put(content, binary);
    const std::string path = path_of(kernel_name);
    std::string tmp = path + ".tmp-XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0) return;
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (done != content.size() || ::rename(tmp.c_str(), path.c_str()) != 0) ::unlink(tmp.c_str());
}

std::string compiler_fingerprint(const std::string& parser_version, const std::string& features_dir) {
    std::error_code ec;
    if (fs::is_regular_file(features_dir, ec)) return parser_version + "\n" + read_all(features_dir);
    std::vector<fs::path> files;
    for (fs::recursive_directory_iterator it(features_dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    if (ec || files.empty()) return {};
    std::sort(files.begin(), files.end());
    std::string out = parser_version;
    for (const auto& f : files) {
        out += '\n';
        out += f.lexically_relative(features_dir).string();
        out += '=';
        out += read_all(f);
    }
    return out;
}

}  // namespace aalayer::service
