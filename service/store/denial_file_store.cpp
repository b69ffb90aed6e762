#include "service/store/denial_file_store.h"

#include <filesystem>

#include "service/store/file_store.h"
#include "service/store/length_fields.h"
#include "service/store/record_file.h"

namespace aalayer::service {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "aalayer-denials 1";
constexpr std::string_view kSuffix = ".denials";

std::string optional_number(const std::optional<std::uint32_t>& n) {
    return n ? std::to_string(*n) : "-";
}

std::string serialize_record(const Denial& d) {
    std::string out = std::to_string(d.first_usec) + ' ' + std::to_string(d.last_usec) + ' ' +
                      std::to_string(d.count) + ' ' + std::to_string(d.pid) + ' ' + optional_number(d.fsuid) +
                      ' ' + optional_number(d.ouid) + ' ' + (d.complain ? '1' : '0') + ' ' +
                      std::to_string(static_cast<int>(d.origin)) + '\n';
    for (const std::string* s :
         {&d.operation, &d.klass, &d.path, &d.peer, &d.detail, &d.requested, &d.denied, &d.comm, &d.info})
        put_string(out, *s);
    return out;
}

bool parse_record(FieldReader& in, Denial& d) {
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
    return write_record_file(kMagic,
                             {{"uid", std::to_string(s.key.uid)},
                              {"base", escape_element(s.key.base)},
                              {"name", s.key.name},
                              {"dropped", std::to_string(s.dropped)},
                              {"records", std::to_string(s.records.size())},
                              {"length", std::to_string(body.size())}},
                             body);
}

Outcome<StoredDenials> parse_denials(const std::string& content) {
    auto bad = [](const std::string& why) { return fail(ServiceErrorKind::Internal, why); };
    auto file = read_record_file(kMagic, "denials", content);
    if (!file) return file.error();
    StoredDenials s;
    std::uint64_t records = 0;
    std::uint64_t length = 0;
    for (const auto& [key, value] : file->fields) {
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
            } else {
                return bad("unknown header '" + key + "'");
            }
        } catch (const std::exception&) {
            return bad("malformed value in '" + key + " " + value + "'");
        }
    }
    const std::string& body = file->body;
    if (body.size() != length)
        return bad("the records are " + std::to_string(body.size()) + " bytes, the header says " +
                   std::to_string(length) + " (truncated?)");
    if (!file->checksum_matches) return bad("checksum mismatch (corrupted)");
    if (s.key.base.empty() || s.key.name.empty()) return bad("base or name missing");
    FieldReader reader(body);
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
    const auto ec = for_each_record_file(dir_, kSuffix, [&](const fs::path& p, const std::string& content) {
        auto parsed = parse_denials(content);
        if (!parsed) {
            problems.push_back(p.string() + ": cannot use these denial records: " + parsed.error().message +
                               "; ignored (the layer's next save replaces the file)");
        } else if (path_of(parsed->key) != p.string()) {
            problems.push_back(p.string() + ": the file's header does not match its place; ignored");
        } else {
            out.push_back(std::move(parsed.value()));
        }
    });
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
