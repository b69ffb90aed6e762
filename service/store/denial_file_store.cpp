#include "service/store/denial_file_store.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "policy/common/hash.h"
#include "service/store/file_store.h"

namespace aalayer::service {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "aalayer-denials 1";
constexpr std::string_view kSuffix = ".denials";

std::string hex(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

// Strings as "<length>:<bytes>\n": a path may hold any byte, a newline too.
void put(std::string& out, const std::string& s) {
    out += std::to_string(s.size());
    out += ':';
    out += s;
    out += '\n';
}

std::string optional_number(const std::optional<std::uint32_t>& n) {
    return n ? std::to_string(*n) : "-";
}

// Reads what put() and the number lines wrote; fails (false) at the first
// thing that is not there.
class Reader {
public:
    explicit Reader(std::string_view text) : rest_(text) {}
    bool number(std::uint64_t& n, char end) {
        const auto* last = rest_.data() + rest_.size();
        const auto [p, ec] = std::from_chars(rest_.data(), last, n);
        if (ec != std::errc() || p == rest_.data() || p == last || *p != end) return false;
        rest_.remove_prefix(static_cast<std::size_t>(p - rest_.data()) + 1);
        return true;
    }
    bool optional(std::optional<std::uint32_t>& n, char end) {
        if (rest_.size() >= 2 && rest_[0] == '-' && rest_[1] == end) {
            n.reset();
            rest_.remove_prefix(2);
            return true;
        }
        std::uint64_t v = 0;
        if (!number(v, end) || v > UINT32_MAX) return false;
        n = static_cast<std::uint32_t>(v);
        return true;
    }
    bool string(std::string& s) {
        std::uint64_t size = 0;
        if (!number(size, ':') || size >= rest_.size() || rest_[size] != '\n') return false;
        s.assign(rest_.substr(0, size));
        rest_.remove_prefix(size + 1);
        return true;
    }
    [[nodiscard]] bool done() const { return rest_.empty(); }

private:
    std::string_view rest_;
};

std::string serialize_record(const Denial& d) {
    std::string out = std::to_string(d.first_usec) + ' ' + std::to_string(d.last_usec) + ' ' +
                      std::to_string(d.count) + ' ' + std::to_string(d.pid) + ' ' + optional_number(d.fsuid) +
                      ' ' + optional_number(d.ouid) + ' ' + (d.complain ? '1' : '0') + ' ' +
                      std::to_string(static_cast<int>(d.origin)) + '\n';
    for (const std::string* s :
         {&d.operation, &d.klass, &d.path, &d.peer, &d.detail, &d.requested, &d.denied, &d.comm, &d.info})
        put(out, *s);
    return out;
}

bool parse_record(Reader& in, Denial& d) {
    std::uint64_t pid = 0;
    std::uint64_t complain = 0;
    std::uint64_t origin = 0;
    if (!in.number(d.first_usec, ' ') || !in.number(d.last_usec, ' ') || !in.number(d.count, ' ') ||
        !in.number(pid, ' ') || !in.optional(d.fsuid, ' ') || !in.optional(d.ouid, ' ') ||
        !in.number(complain, ' ') || !in.number(origin, '\n'))
        return false;
    if (pid > UINT32_MAX || complain > 1 || origin > static_cast<int>(DenialOrigin::Stack) || d.count == 0)
        return false;
    d.pid = static_cast<std::uint32_t>(pid);
    d.complain = complain == 1;
    d.origin = static_cast<DenialOrigin>(origin);
    for (std::string* s :
         {&d.operation, &d.klass, &d.path, &d.peer, &d.detail, &d.requested, &d.denied, &d.comm, &d.info})
        if (!in.string(*s)) return false;
    return true;
}

}  // namespace

std::string serialize_denials(const StoredDenials& s) {
    std::string body;
    for (const auto& d : s.records)
        body += serialize_record(d);
    const std::string header = std::string(kMagic) + "\nuid " + std::to_string(s.key.uid) + "\nbase " +
                               escape_element(s.key.base) + "\nname " + s.key.name + "\ndropped " +
                               std::to_string(s.dropped) + "\nrecords " + std::to_string(s.records.size()) +
                               "\nlength " + std::to_string(body.size()) + "\n";
    return header + "checksum " + hex(policy::fnv1a_bytes(header + body)) + "\n\n" + body;
}

Outcome<StoredDenials> parse_denials(const std::string& content) {
    auto bad = [](const std::string& why) { return fail(ServiceErrorKind::Internal, why); };
    const auto blank = content.find("\n\n");
    if (blank == std::string::npos) return bad("no header (truncated?)");
    std::istringstream in(content.substr(0, blank + 1));
    std::string line;
    if (!std::getline(in, line) || line != kMagic) return bad("not an aalayer denials file");
    StoredDenials s;
    std::uint64_t records = 0;
    std::uint64_t length = 0;
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
                s.key.uid = static_cast<std::uint32_t>(std::stoul(value));
            } else if (key == "base") {
                s.key.base = unescape_element(value);
            } else if (key == "name") {
                s.key.name = value;
            } else if (key == "dropped") {
                s.dropped = std::stoull(value);
            } else if (key == "records") {
                records = std::stoull(value);
            } else if (key == "length") {
                length = std::stoull(value);
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
    if (body.size() != length)
        return bad("the records are " + std::to_string(body.size()) + " bytes, the header says " +
                   std::to_string(length) + " (truncated?)");
    if (checksum != hex(policy::fnv1a_bytes(header + body))) return bad("checksum mismatch (corrupted)");
    if (s.key.base.empty() || s.key.name.empty()) return bad("base or name missing");
    Reader reader(body);
    while (!reader.done()) {
        Denial d;
        if (!parse_record(reader, d))
            return bad("record " + std::to_string(s.records.size() + 1) + " is malformed");
        s.records.push_back(std::move(d));
    }
    if (s.records.size() != records)
        return bad(std::to_string(s.records.size()) + " records, the header says " + std::to_string(records));
    return s;
}

DenialFileStore::DenialFileStore(std::string dir) : dir_(std::move(dir)) {}

std::string DenialFileStore::path_of(const LayerKey& key) const {
    return dir_ + "/" + std::to_string(key.uid) + "/" + escape_element(key.base) + "/" + key.name +
           std::string(kSuffix);
}

Outcome<std::vector<StoredDenials>> DenialFileStore::load_all(std::vector<std::string>& problems) {
    std::vector<StoredDenials> out;
    std::error_code ec;
    if (!fs::exists(dir_, ec)) return out;
    for (fs::recursive_directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        if (!it->is_regular_file()) continue;
        const std::string file = p.filename().string();
        if (file.starts_with(".") && file.find(".tmp-") != std::string::npos) {
            fs::remove(p, ec);  // a save a crash interrupted: the old file stands
            continue;
        }
        if (!file.ends_with(kSuffix)) continue;
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        auto parsed = parse_denials(ss.str());
        if (!parsed) {
            problems.push_back(p.string() + ": cannot use these denial records: " + parsed.error().message +
                               "; ignored (the layer's next save replaces the file)");
            continue;
        }
        if (path_of(parsed->key) != p.string()) {
            problems.push_back(p.string() + ": the file's header does not match its place; ignored");
            continue;
        }
        out.push_back(std::move(parsed.value()));
    }
    if (ec) return fail(ServiceErrorKind::Internal, "cannot list " + dir_ + ": " + ec.message());
    return out;
}

ServiceStatus DenialFileStore::save(const StoredDenials& denials) {
    auto staged = stage_file(path_of(denials.key), serialize_denials(denials));
    if (!staged) return staged.error();
    return staged.value()->commit();
}

ServiceStatus DenialFileStore::erase(const LayerKey& key) {
    return erase_file(path_of(key));
}

Outcome<bool> DenialFileStore::erase_all() {
    std::error_code ec;
    if (!fs::exists(dir_, ec)) return false;
    fs::remove_all(dir_, ec);
    if (ec) return fail(ServiceErrorKind::Internal, "cannot remove " + dir_ + ": " + ec.message());
    return true;
}

}  // namespace aalayer::service
