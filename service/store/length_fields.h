// The field encoding of the service's record bodies (denial records, start
// records): numbers as decimal digits and a separator, strings as
// "<length>:<bytes>\n", so a string may hold any byte, a newline too, and a
// length read back is checked against what is left before anything is copied.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aalayer::service {

inline void put_string(std::string& out, std::string_view s) {
    out += std::to_string(s.size());
    out += ':';
    out += s;
    out += '\n';
}

inline void put_number(std::string& out, std::uint64_t n, char end = ' ') {
    out += std::to_string(n);
    out += end;
}

// Reads what put_string() and put_number() wrote; fails (false) at the
// first thing that is not there.
class FieldReader {
public:
    explicit FieldReader(std::string_view text) : all_(text), rest_(text) {}
    bool number(std::uint64_t& n, char end = ' ') {
        const auto* last = rest_.data() + rest_.size();
        const auto [p, ec] = std::from_chars(rest_.data(), last, n);
        if (ec != std::errc() || p == rest_.data() || p == last || *p != end) return false;
        rest_.remove_prefix(static_cast<std::size_t>(p - rest_.data()) + 1);
        return true;
    }
    // A number no larger than `max`.
    template <typename T>
    bool bounded(T& out, std::uint64_t max, char end = ' ') {
        std::uint64_t v = 0;
        if (!number(v, end) || v > max) return false;
        out = static_cast<T>(v);
        return true;
    }
    bool optional(std::optional<std::uint32_t>& n, char end) {
        if (rest_.size() >= 2 && rest_[0] == '-' && rest_[1] == end) {
            n.reset();
            rest_.remove_prefix(2);
            return true;
        }
        std::uint32_t v = 0;
        if (!bounded(v, UINT32_MAX, end)) return false;
        n = v;
        return true;
    }
    bool string(std::string& s) {
        std::uint64_t size = 0;
        if (!number(size, ':') || size >= rest_.size() || rest_[size] != '\n') return false;
        s.assign(rest_.substr(0, size));
        rest_.remove_prefix(size + 1);
        return true;
    }
    // A count of items of at least `min_bytes` each: one that could not fit
    // in what is left is malformed, and must not size a container.
    bool count(std::uint64_t& n, std::size_t min_bytes) { return number(n) && n <= rest_.size() / min_bytes; }
    [[nodiscard]] bool done() const { return rest_.empty(); }
    [[nodiscard]] std::size_t offset() const { return all_.size() - rest_.size(); }

private:
    std::string_view all_;
    std::string_view rest_;
};

}  // namespace aalayer::service
