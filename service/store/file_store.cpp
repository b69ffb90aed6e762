#include "service/store/file_store.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/common/hash.h"
#include "service/store/private_dir.h"

namespace aalayer::service {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMagic = "aalayer-layer 1";

std::string hex(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

ServiceError io_error(const std::string& what, int err) {
    // A full disk is a limit the admin can act on; the rest is internal.
    return fail(err == ENOSPC || err == EDQUOT ? ServiceErrorKind::LimitExceeded : ServiceErrorKind::Internal,
                what + ": " + std::strerror(err));
}

ServiceStatus fsync_dir(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open " + dir, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return io_error("cannot sync " + dir, err);
    return Done{};
}

ServiceStatus make_dirs(const std::string& dir) {
    if (auto e = make_private_directory(dir)) {
        return fail(e->err == ENOSPC || e->err == EDQUOT ? ServiceErrorKind::LimitExceeded
                                                         : ServiceErrorKind::Internal,
                    e->message);
    }
    return Done{};
}

// The temporary file of a staged write, removed unless committed.
class FileStagedWrite final : public StagedWrite {
public:
    FileStagedWrite(std::string tmp, std::string path, std::string dir)
        : tmp_(std::move(tmp)), path_(std::move(path)), dir_(std::move(dir)) {}
    ~FileStagedWrite() override {
        if (!tmp_.empty()) ::unlink(tmp_.c_str());
    }
    FileStagedWrite(const FileStagedWrite&) = delete;
    FileStagedWrite& operator=(const FileStagedWrite&) = delete;
    FileStagedWrite(FileStagedWrite&&) = delete;
    FileStagedWrite& operator=(FileStagedWrite&&) = delete;

    ServiceStatus commit() override {
        if (tmp_.empty()) return fail(ServiceErrorKind::Internal, "a staged write was committed twice");
        if (::rename(tmp_.c_str(), path_.c_str()) != 0) return io_error("cannot replace " + path_, errno);
        tmp_.clear();
        return fsync_dir(dir_);
    }

private:
    std::string tmp_;
    std::string path_;
    std::string dir_;
};

}  // namespace

Outcome<std::unique_ptr<StagedWrite>> stage_file(const std::string& path, const std::string& content) {
    const fs::path target(path);
    const std::string dir = target.parent_path().string();
    if (auto st = make_dirs(dir); !st) return st.error();
    std::string tmp = dir + "/." + target.filename().string() + ".tmp-XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0) return io_error("cannot create a file in " + dir, errno);
    auto staged = std::make_unique<FileStagedWrite>(tmp, path, dir);  // unlinks tmp on every failure below
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            return io_error("cannot write " + path, err);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        return io_error("cannot sync " + path, err);
    }
    ::close(fd);
    return std::unique_ptr<StagedWrite>(std::move(staged));
}

ServiceStatus erase_file(const std::string& path) {
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) return Done{};
        return io_error("cannot remove " + path, errno);
    }
    return fsync_dir(fs::path(path).parent_path().string());
}

std::string escape_element(const std::string& s) {
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' ||
            u == '-' || (u == '.' && !out.empty())) {
            out += c;
        } else {
            static const char* digits = "0123456789ABCDEF";
            out += '%';
            out += digits[u >> 4U];
            out += digits[u & 15U];
        }
    }
    return out;
}

std::string unescape_element(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string serialize_layer(const StoredLayer& l) {
    std::string header = std::string(kMagic) + "\nuid " + std::to_string(l.uid) + "\nbase " +
                         escape_element(l.base) + "\nname " + l.name + "\nstrict " + (l.strict ? "1" : "0") +
                         "\ncomplain " + (l.complain ? "1" : "0") + "\nupdated " +
                         std::to_string(l.updated_at) + "\nlength " + std::to_string(l.text.size()) + "\n";
    // The accepted child follows the text; files without it read as before.
    if (!l.accepted_child.empty()) header += "accepted " + std::to_string(l.accepted_child.size()) + "\n";
    // Likewise the origin: a file without it is the user's own layer.
    if (l.origin == LayerOrigin::Admin) header += "origin admin\n";
    if (l.origin == LayerOrigin::Declined) header += "origin declined\n";
    const std::string body = l.text + l.accepted_child;
    return header + "checksum " + hex(policy::fnv1a_bytes(header + body)) + "\n\n" + body;
}

Outcome<StoredLayer> parse_layer(const std::string& content) {
    auto bad = [](const std::string& why) { return fail(ServiceErrorKind::Internal, why); };
    const auto blank = content.find("\n\n");
    if (blank == std::string::npos) return bad("no header (truncated?)");
    std::istringstream in(content.substr(0, blank + 1));
    std::string line;
    if (!std::getline(in, line) || line != kMagic) return bad("not an aalayer layer file");
    StoredLayer l;
    std::size_t length = 0;
    std::size_t accepted = 0;
    std::string checksum;
    std::string header = line + "\n";
    while (std::getline(in, line)) {
        const auto space = line.find(' ');
        if (space == std::string::npos) return bad("malformed header line '" + line + "'");
        const std::string key = line.substr(0, space);
        const std::string value = line.substr(space + 1);
        if (key != "checksum") header += line + "\n";
        try {
            if (key == "uid") {
                l.uid = static_cast<std::uint32_t>(std::stoul(value));
            } else if (key == "base") {
                l.base = unescape_element(value);
            } else if (key == "name") {
                l.name = value;
            } else if (key == "strict") {
                l.strict = value == "1";
            } else if (key == "complain") {
                l.complain = value == "1";
            } else if (key == "updated") {
                l.updated_at = std::stoull(value);
            } else if (key == "length") {
                length = std::stoull(value);
            } else if (key == "accepted") {
                accepted = std::stoull(value);
            } else if (key == "origin") {
                if (value != "admin" && value != "declined") return bad("unknown origin '" + value + "'");
                l.origin = value == "admin" ? LayerOrigin::Admin : LayerOrigin::Declined;
            } else if (key == "checksum") {
                checksum = value;
            } else {
                return bad("unknown header '" + key + "'");
            }
        } catch (const std::exception&) {
            return bad("malformed value in '" + line + "'");
        }
    }
    const std::string body = content.substr(blank + 2);
    if (length > body.size() || body.size() - length != accepted)
        return bad("the text is " + std::to_string(body.size()) + " bytes, the header says " +
                   std::to_string(length) + (accepted != 0 ? " and " + std::to_string(accepted) : "") +
                   " (truncated?)");
    if (checksum != hex(policy::fnv1a_bytes(header + body))) return bad("checksum mismatch (corrupted)");
    l.text = body.substr(0, length);
    l.accepted_child = body.substr(length);
    if (l.base.empty() || l.name.empty()) return bad("base or name missing");
    return l;
}

FileStore::FileStore(std::string state_dir) : dir_(std::move(state_dir)) {}

std::string FileStore::path_of(std::uint32_t uid, const std::string& base, const std::string& name) const {
    return dir_ + "/" + std::to_string(uid) + "/" + escape_element(base) + "/" + name + ".layer";
}

Outcome<std::vector<StoredLayer>> FileStore::load_all(std::vector<std::string>& problems) {
    std::vector<StoredLayer> out;
    std::error_code ec;
    if (!fs::exists(dir_, ec)) return out;
    for (fs::recursive_directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        if (!it->is_regular_file()) continue;
        const std::string file = p.filename().string();
        if (file.starts_with(".") && file.find(".tmp-") != std::string::npos) {
            // A write a crash interrupted: the rename never happened, the old file stands.
            fs::remove(p, ec);
            continue;
        }
        if (!file.ends_with(".layer")) continue;
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        auto parsed = parse_layer(ss.str());
        if (!parsed) {
            problems.push_back(p.string() + ": cannot use this layer file: " + parsed.error().message +
                               "; it is left in place");
            continue;
        }
        if (path_of(parsed->uid, parsed->base, parsed->name) != p.string()) {
            problems.push_back(p.string() +
                               ": the file's header does not match its place; it is left in place");
            continue;
        }
        out.push_back(std::move(parsed.value()));
    }
    if (ec) return io_error("cannot list " + dir_, ec.value());
    return out;
}

Outcome<std::unique_ptr<StagedWrite>> FileStore::stage(const StoredLayer& layer) {
    return stage_file(path_of(layer.uid, layer.base, layer.name), serialize_layer(layer));
}

ServiceStatus FileStore::erase(std::uint32_t uid, const std::string& base, const std::string& name) {
    return erase_file(path_of(uid, base, name));
}

}  // namespace aalayer::service
