#include "service/core/audit_record.h"

#include <array>
#include <charconv>

namespace aalayer::service {

namespace {

bool is_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Blanks, and the group separator auditd puts before its enriched fields.
bool is_separator(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\x1d';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::optional<std::uint32_t> number(std::string_view text) {
    std::uint32_t value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

// The time in "audit(1700000000.123:45)", anywhere in the text before the
// record's fields.
std::uint64_t audit_time(std::string_view text) {
    // Only before the fields: a quoted path may spell "audit(...)" too.
    text = text.substr(0, text.find("apparmor="));
    const auto at = text.find("audit(");
    if (at == std::string_view::npos) return 0;
    std::string_view rest = text.substr(at + 6);
    const auto dot = rest.find('.');
    const auto colon = rest.find(':');
    if (dot == std::string_view::npos || colon == std::string_view::npos || dot > colon) return 0;
    std::uint64_t seconds = 0;
    std::uint64_t millis = 0;
    const auto* s_end = rest.data() + dot;
    const auto* m_end = rest.data() + colon;
    if (std::from_chars(rest.data(), s_end, seconds).ptr != s_end) return 0;
    if (std::from_chars(s_end + 1, m_end, millis).ptr != m_end || colon - dot != 4) return 0;
    if (seconds > 1'000'000'000'000ULL) return 0;  // past year 30000: not a time
    return seconds * 1'000'000U + millis * 1000U;
}

// Fields whose values come from users: quoted, or hex.
constexpr std::array<std::string_view, 11> kUntrusted{
    "name", "comm", "profile", "label", "peer", "peer_label", "target", "srcname", "exe", "path", "fstype"};

bool untrusted(std::string_view key) {
    for (auto k : kUntrusted)
        if (k == key) return true;
    return false;
}

std::string cut(std::string_view value) {
    return std::string(value.substr(0, kMaxFieldBytes));
}

struct Field {
    std::string_view key;
    std::string value;
};

class Reader {
public:
    explicit Reader(std::string_view text) : text_(text) {}

    // The next key=value, skipping words that are not one. nullopt at the end.
    // `restart` is set when the value opens a msg='...' wrapper.
    std::optional<Field> next(bool& restart) {
        restart = false;
        while (pos_ < text_.size()) {
            while (pos_ < text_.size() && is_separator(text_[pos_]))
                ++pos_;
            const std::size_t start = pos_;
            while (pos_ < text_.size() && is_key_char(text_[pos_]))
                ++pos_;
            if (pos_ == start || pos_ >= text_.size() || text_[pos_] != '=') {
                skip_word();
                continue;
            }
            const std::string_view key = text_.substr(start, pos_ - start);
            ++pos_;  // '='
            if (key == "msg" && pos_ < text_.size() && text_[pos_] == '\'') {
                ++pos_;
                restart = true;
                return Field{key, {}};
            }
            return Field{key, value(key)};
        }
        return std::nullopt;
    }

private:
    void skip_word() {
        while (pos_ < text_.size() && !is_separator(text_[pos_]))
            ++pos_;
    }

    std::string value(std::string_view key) {
        if (pos_ < text_.size() && text_[pos_] == '"') {
            const std::size_t start = ++pos_;
            const auto end = text_.find('"', start);
            const std::size_t stop = end == std::string_view::npos ? text_.size() : end;
            pos_ = end == std::string_view::npos ? text_.size() : end + 1;
            return cut(text_.substr(start, stop - start));
        }
        const std::size_t start = pos_;
        skip_word();
        std::string_view raw = text_.substr(start, pos_ - start);
        // The closing quote of a msg='...' wrapper.
        if (!raw.empty() && raw.back() == '\'') raw.remove_suffix(1);
        if (untrusted(key)) {
            if (auto decoded = decode_hex(raw.substr(0, 2 * kMaxFieldBytes))) return cut(*decoded);
        }
        return cut(raw);
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

// Class fields that say what was asked beyond the path: kept as "key=value".
constexpr std::array<std::string_view, 12> kDetail{"signal",  "family",    "sock_type", "protocol",
                                                   "capname", "interface", "member",    "bus",
                                                   "target",  "srcname",   "fstype",    "flags"};

bool is_detail(std::string_view key) {
    for (auto k : kDetail)
        if (k == key) return true;
    return false;
}

}  // namespace

std::optional<std::string> decode_hex(std::string_view hex) {
    if (hex.empty() || hex.size() % 2 != 0) return std::nullopt;
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_value(hex[i]);
        const int lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>((hi << 4) | lo);
    }
    return out;
}

std::optional<AuditRecord> parse_audit_record(std::string_view text) {
    if (text.size() > kMaxRecordBytes) return std::nullopt;
    if (text.find("apparmor=") == std::string_view::npos) return std::nullopt;
    AuditRecord r;
    std::optional<std::string> verdict;
    // Each key once (the first); a msg='...' wrapper starts the record afresh.
    std::array<bool, 32> seen{};
    const auto first = [&](std::size_t slot) {
        if (seen.at(slot)) return false;
        seen.at(slot) = true;
        return true;
    };
    Reader reader(text);
    bool restart = false;
    for (auto f = reader.next(restart); f; f = reader.next(restart)) {
        if (restart) {
            r = AuditRecord{};
            verdict.reset();
            seen = {};
            continue;
        }
        const std::string_view k = f->key;
        std::string& v = f->value;
        if (k == "apparmor") {
            if (first(0)) verdict = std::move(v);
        } else if (k == "operation") {
            if (first(1)) r.operation = std::move(v);
        } else if (k == "class") {
            if (first(2)) r.klass = std::move(v);
        } else if (k == "profile") {
            if (first(3)) r.profile = std::move(v);
        } else if (k == "label") {
            if (first(4)) r.label = std::move(v);
        } else if (k == "name") {
            if (first(5)) r.name = std::move(v);
        } else if (k == "peer" || k == "peer_label") {
            if (first(6)) r.peer = std::move(v);
        } else if (k == "requested_mask" || k == "requested" || k == "mask") {
            if (first(7)) r.requested = std::move(v);
        } else if (k == "denied_mask" || k == "denied") {
            if (first(8)) r.denied = std::move(v);
        } else if (k == "comm") {
            if (first(9)) r.comm = std::move(v);
        } else if (k == "info") {
            if (first(10)) r.info = std::move(v);
        } else if (k == "fsuid") {
            if (first(11)) r.fsuid = number(v);
        } else if (k == "ouid") {
            if (first(12)) r.ouid = number(v);
        } else if (k == "pid") {
            if (first(13)) r.pid = number(v).value_or(0);
        } else if (k == "path") {  // dbus: the object path
            if (first(14)) r.detail += (r.detail.empty() ? "" : " ") + std::string("path=") + v;
        } else if (is_detail(k) && r.detail.size() < kMaxFieldBytes) {
            r.detail += (r.detail.empty() ? "" : " ") + std::string(k) + "=" + v;
        }
    }
    if (!verdict || (*verdict != "DENIED" && *verdict != "ALLOWED")) return std::nullopt;
    if (r.profile.empty() && r.label.empty()) return std::nullopt;
    r.complain = *verdict == "ALLOWED";
    if (r.denied.empty() && !r.complain) r.denied = r.requested;
    r.time_usec = audit_time(text);
    return r;
}

}  // namespace aalayer::service
