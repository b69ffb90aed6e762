#include "service/store/start_record_file.h"

#include <unordered_map>

#include "service/store/file_store.h"
#include "service/store/length_fields.h"
#include "service/store/record_file.h"
#include "service/store/whole_file.h"

namespace aalayer::service {

namespace {

constexpr std::string_view kMagic = "aalayer-start-records 1";
constexpr std::uint64_t kMax32 = UINT32_MAX;
// Far above any real set (1,000 layers take a few MiB), so a stray huge
// file is not read into memory at start.
constexpr std::uintmax_t kMaxFileBytes = 512ULL << 20U;

void put_record(std::string& out, const SourceRecord& record) {
    put_number(out, record.answers.size());
    for (const auto& [key, sum] : record.answers) {
        const auto& [kind, path, max_bytes] = key;
        put_number(out, static_cast<std::uint64_t>(kind));
        put_string(out, path);
        put_number(out, max_bytes);
        put_number(out, sum);
    }
}

bool read_source_record(FieldReader& in, SourceRecord& record) {
    std::uint64_t n = 0;
    if (!in.count(n, 8)) return false;
    for (std::uint64_t i = 0; i < n; ++i) {
        SourceRecord::Kind kind{};
        std::string path;
        std::uint64_t max_bytes = 0;
        std::uint64_t sum = 0;
        if (!in.bounded(kind, static_cast<std::uint64_t>(SourceRecord::Kind::List)) || !in.string(path) ||
            !in.number(max_bytes) || !in.number(sum))
            return false;
        record.answers.emplace(SourceRecord::Key{kind, std::move(path), max_bytes}, sum);
    }
    return true;
}

void put_layer(std::string& out, const LayerKey& key, const StartRecord& record,
               const std::unordered_map<const SourceRecord*, std::size_t>& index) {
    put_number(out, key.uid);
    put_string(out, key.base);
    put_string(out, key.name);
    put_number(out, record.stored_sum);
    put_number(out, record.review ? 1 : 0);
    put_string(out, record.loaded_text);
    put_number(out, record.child_sum);
    const LayerInputs& in = *record.inputs;
    put_string(out, in.base_file);
    put_string(out, in.grant_file);
    put_string(out, in.default_path);
    put_number(out, in.identity.uid);
    put_string(out, in.identity.name);
    put_string(out, in.identity.home);
    put_string(out, in.identity.resolved_home);
    put_number(out, in.settings);
    put_number(out, in.sources.size());
    for (const auto& s : in.sources)
        put_number(out, s ? index.at(s.get()) + 1 : 0);  // 0: none
    put_number(out, record.findings.size());
    for (const auto& f : record.findings) {
        put_number(out, static_cast<std::uint64_t>(f.severity));
        put_string(out, f.where.file);
        put_number(out, f.where.line);
        put_number(out, f.where.column);
        put_string(out, f.message);
    }
}

bool read_layer(FieldReader& in, const std::vector<std::shared_ptr<const SourceRecord>>& shared,
                LayerKey& key, StartRecord& record) {
    auto inputs = std::make_shared<LayerInputs>();
    int review = 0;
    std::uint32_t user = 0;
    std::string name;
    std::string home;
    std::string resolved_home;
    if (!in.bounded(key.uid, kMax32) || !in.string(key.base) || !in.string(key.name) ||
        !in.number(record.stored_sum) || !in.bounded(review, 1) || !in.string(record.loaded_text) ||
        !in.number(record.child_sum) || !in.string(inputs->base_file) || !in.string(inputs->grant_file) ||
        !in.string(inputs->default_path) || !in.bounded(user, kMax32) || !in.string(name) ||
        !in.string(home) || !in.string(resolved_home) || !in.number(inputs->settings))
        return false;
    record.review = review == 1;
    inputs->identity = policy::UserIdentity(user, std::move(name), std::move(home), std::move(resolved_home));
    std::uint64_t n = 0;
    if (!in.count(n, 2)) return false;
    for (std::uint64_t i = 0; i < n; ++i) {
        std::size_t at = 0;
        if (!in.bounded(at, shared.size())) return false;
        inputs->sources.push_back(at == 0 ? nullptr : shared[at - 1]);
    }
    if (!in.count(n, 12)) return false;
    for (std::uint64_t i = 0; i < n; ++i) {
        policy::Finding f;
        if (!in.bounded(f.severity, static_cast<std::uint64_t>(policy::Severity::Note)) ||
            !in.string(f.where.file) || !in.bounded(f.where.line, kMax32) ||
            !in.bounded(f.where.column, kMax32) || !in.string(f.message))
            return false;
        record.findings.push_back(std::move(f));
    }
    record.inputs = std::move(inputs);
    return true;
}

}  // namespace

std::string serialize_start_records(const StartRecords& records) {
    std::vector<const SourceRecord*> shared;
    std::unordered_map<const SourceRecord*, std::size_t> index;
    for (const auto& [key, record] : records) {
        for (const auto& s : record.inputs->sources) {
            if (s && index.emplace(s.get(), shared.size()).second) shared.push_back(s.get());
        }
    }
    std::string out;
    put_number(out, shared.size());
    for (const auto* s : shared)
        put_record(out, *s);
    put_number(out, records.size());
    for (const auto& [key, record] : records)
        put_layer(out, key, record, index);
    return out;
}

Outcome<StartRecords> parse_start_records(std::string_view body) {
    FieldReader in(body);
    const auto malformed = [&in](const std::string& what) {
        return fail(ServiceErrorKind::Internal,
                    "malformed " + what + " at byte " + std::to_string(in.offset()));
    };
    std::uint64_t n = 0;
    if (!in.count(n, 2)) return malformed("source record count");
    std::vector<std::shared_ptr<const SourceRecord>> shared;
    shared.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
        SourceRecord record;
        if (!read_source_record(in, record)) return malformed("source record");
        shared.push_back(std::make_shared<const SourceRecord>(std::move(record)));
    }
    if (!in.count(n, 40)) return malformed("layer count");
    StartRecords out;
    for (std::uint64_t i = 0; i < n; ++i) {
        LayerKey key;
        StartRecord record;
        if (!read_layer(in, shared, key, record)) return malformed("layer record");
        out.insert_or_assign(std::move(key), std::move(record));
    }
    if (!in.done()) return malformed("end");
    return out;
}

std::optional<StartRecords> StartRecordFile::read() {
    unusable_.clear();
    std::error_code ec;
    const auto size = std::filesystem::file_size(path_, ec);
    if (ec) return std::nullopt;  // none yet: nothing to say
    if (size > kMaxFileBytes) {
        unusable_ = "larger than " + std::to_string(kMaxFileBytes) + " bytes";
        return std::nullopt;
    }
    const auto content = read_whole_file(path_);
    if (!content) {
        unusable_ = "could not be read";
        return std::nullopt;
    }
    auto parsed = read_record_file(kMagic, "start records", *content);
    if (!parsed) {
        unusable_ = parsed.error().message;
        return std::nullopt;
    }
    std::string build;
    for (const auto& [key, value] : parsed->fields)
        if (key == "build") build = value;
    if (build != build_) {
        unusable_ = "written by another build of aalayerd";
        return std::nullopt;
    }
    if (!parsed->checksum_matches) {
        unusable_ = "checksum mismatch (torn or edited)";
        return std::nullopt;
    }
    auto records = parse_start_records(parsed->body);
    if (!records) {
        unusable_ = records.error().message;
        return std::nullopt;
    }
    return std::move(records.value());
}

ServiceStatus StartRecordFile::write(const StartRecords& records) {
    auto staged =
        stage_file(path_, write_record_file(kMagic, {{"build", build_}}, serialize_start_records(records)));
    if (!staged) return staged.error();
    return staged.value()->commit();
}

}  // namespace aalayer::service
