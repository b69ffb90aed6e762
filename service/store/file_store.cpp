#include "service/store/file_store.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service/store/private_dir.h"
#include "service/store/record_file.h"

namespace aalayer::service {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "aalayer-layer 1";

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
    RecordFields fields{{"uid", std::to_string(l.uid)},
                        {"base", escape_element(l.base)},
                        {"name", l.name},
                        {"strict", l.strict ? "1" : "0"},
                        {"complain", l.complain ? "1" : "0"},
                        {"updated", std::to_string(l.updated_at)},
                        {"length", std::to_string(l.text.size())}};
    // The accepted child follows the text; files without it read as before.
    if (!l.accepted_child.empty()) fields.emplace_back("accepted", std::to_string(l.accepted_child.size()));
    // Likewise the origin: a file without it is the user's own layer.
    if (l.origin == LayerOrigin::Admin) fields.emplace_back("origin", "admin");
    if (l.origin == LayerOrigin::Declined) fields.emplace_back("origin", "declined");
    return write_record_file(kMagic, fields, l.text + l.accepted_child);
}

Outcome<StoredLayer> parse_layer(const std::string& content) {
    auto bad = [](const std::string& why) { return fail(ServiceErrorKind::Internal, why); };
    auto file = read_record_file(kMagic, "layer", content);
    if (!file) return file.error();
    StoredLayer l;
    std::size_t length = 0;
    std::size_t accepted = 0;
    for (const auto& [key, value] : file->fields) {
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
            } else {
                return bad("unknown header '" + key + "'");
            }
        } catch (const std::exception&) {
            return bad("malformed value in '" + key + " " + value + "'");
        }
    }
    const std::string& body = file->body;
    if (length > body.size() || body.size() - length != accepted)
        return bad("the text is " + std::to_string(body.size()) + " bytes, the header says " +
                   std::to_string(length) + (accepted != 0 ? " and " + std::to_string(accepted) : "") +
                   " (truncated?)");
    if (!file->checksum_matches) return bad("checksum mismatch (corrupted)");
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
    const auto ec = for_each_record_file(dir_, ".layer", [&](const fs::path& p, const std::string& content) {
        auto parsed = parse_layer(content);
        if (!parsed) {
            problems.push_back(p.string() + ": cannot use this layer file: " + parsed.error().message +
                               "; it is left in place");
        } else if (path_of(parsed->uid, parsed->base, parsed->name) != p.string()) {
            problems.push_back(p.string() +
                               ": the file's header does not match its place; it is left in place");
        } else {
            out.push_back(std::move(parsed.value()));
        }
    });
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
