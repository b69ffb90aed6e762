#include "service/system/config.h"

#include <array>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>

namespace aalayer::service {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

std::optional<std::size_t> number(const std::string& v) {
    std::size_t n = 0;
    const auto* end = v.data() + v.size();
    const auto [p, ec] = std::from_chars(v.data(), end, n);
    if (ec != std::errc() || p != end || v.empty()) return std::nullopt;
    return n;
}

// A whole number from `min` to `max` into `target`; the message without the key.
template <typename T>
std::optional<std::string> whole(const std::string& value, std::size_t min, T& target,
                                 std::size_t max = std::numeric_limits<std::size_t>::max()) {
    const auto n = number(value);
    if (!n || *n < min || *n > max) {
        if (max == std::numeric_limits<std::size_t>::max())
            return "must be a whole number of at least " + std::to_string(min);
        return "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    }
    target = static_cast<T>(*n);
    return std::nullopt;
}

// At most a day: the timeouts are added to clocks counting nanoseconds, and
// a larger count would wrap (to a negative timeout) or overflow the deadline.
constexpr std::size_t kMaxSeconds = 86'400;
// The CPU budget, bounded so the CostLimiter's microsecond sums and its
// 32-bit percentage cannot wrap: a day of CPU, a thousand cores' worth.
constexpr std::size_t kMaxCpuBurstMs = 86'400'000;
constexpr std::size_t kMaxCpuPercent = 100'000;

std::optional<std::string> seconds(const std::string& value, std::chrono::seconds& target) {
    std::size_t s = 0;
    if (auto e = whole(value, 1, s, kMaxSeconds)) return e;
    target = std::chrono::seconds(s);
    return std::nullopt;
}

std::optional<std::string> text(const std::string& value, std::string& target) {
    target = value;
    return std::nullopt;
}

struct Setting {
    std::string_view key;
    std::optional<std::string> (*set)(DaemonConfig&, const std::string& value);
};

// Every key aalayerd.conf (service/data/aalayerd.conf documents each) and
// --set take.
constexpr std::array kSettings{
    Setting{"state_dir", [](DaemonConfig& c, const std::string& v) { return text(v, c.state_dir); }},
    Setting{"cache_dir", [](DaemonConfig& c, const std::string& v) { return text(v, c.cache_dir); }},
    Setting{"grants_dir", [](DaemonConfig& c, const std::string& v) { return text(v, c.grants_dir); }},
    Setting{"profiles_dir", [](DaemonConfig& c, const std::string& v) { return text(v, c.profiles_dir); }},
    Setting{"features", [](DaemonConfig& c, const std::string& v) { return text(v, c.features); }},
    Setting{"parser", [](DaemonConfig& c, const std::string& v) { return text(v, c.parser); }},
    Setting{"backend",
            [](DaemonConfig& c, const std::string& v) -> std::optional<std::string> {
                if (v == "auto") {
                    c.backend.reset();
                } else if (auto b = backend_from_string(v)) {
                    c.backend = *b;
                } else {
                    return "must be auto, apparmor or compile-only";
                }
                return std::nullopt;
            }},
    Setting{"max_layers_per_user",
            [](DaemonConfig& c, const std::string& v) { return whole(v, 1, c.limits.max_layers_per_user); }},
    Setting{"max_runs_per_user",
            [](DaemonConfig& c, const std::string& v) { return whole(v, 1, c.limits.max_runs_per_user); }},
    Setting{"max_text_bytes",
            [](DaemonConfig& c, const std::string& v) { return whole(v, 1, c.limits.max_text_bytes); }},
    Setting{"max_compose_work",
            [](DaemonConfig& c, const std::string& v) {
                return whole(v, 1000, c.limits.layer.max_compose_work);
            }},
    Setting{
        "rate_limit_per_minute",
        [](DaemonConfig& c, const std::string& v) { return whole(v, 1, c.limits.rate_limit_per_minute); }},
    Setting{"check_rate_limit_per_minute",
            [](DaemonConfig& c, const std::string& v) {
                return whole(v, 1, c.limits.check_rate_limit_per_minute);
            }},
    Setting{"bounds_cache_size",
            [](DaemonConfig& c, const std::string& v) { return whole(v, 1, c.bounds_cache_size); }},
    // Compiles run on the workers: one setting bounds both, under two names.
    Setting{"workers", [](DaemonConfig& c, const std::string& v) { return whole(v, 1, c.workers); }},
    Setting{"max_concurrent_compiles",
            [](DaemonConfig& c, const std::string& v) { return whole(v, 1, c.workers); }},
    Setting{"max_queued", [](DaemonConfig& c, const std::string& v) { return whole(v, 1, c.max_queued); }},
    Setting{"max_queued_per_user",
            [](DaemonConfig& c, const std::string& v) { return whole(v, 1, c.max_queued_per_user); }},
    Setting{"user_cpu_burst_ms",
            [](DaemonConfig& c, const std::string& v) {
                return whole(v, 1, c.user_cpu_burst_ms, kMaxCpuBurstMs);
            }},
    Setting{"user_cpu_percent",
            [](DaemonConfig& c, const std::string& v) {
                return whole(v, 1, c.user_cpu_percent, kMaxCpuPercent);
            }},
    Setting{"parser_timeout_seconds",
            [](DaemonConfig& c, const std::string& v) { return seconds(v, c.parser_timeout); }},
    Setting{"polkit_timeout_seconds",
            [](DaemonConfig& c, const std::string& v) { return seconds(v, c.polkit_timeout); }},
    Setting{"denial_source",
            [](DaemonConfig& c, const std::string& v) -> std::optional<std::string> {
                if (!valid_denial_source(v)) return "must be auto, audit-log, journal, kmsg or none";
                c.denial_source.source = v;
                return std::nullopt;
            }},
    Setting{"audit_log",
            [](DaemonConfig& c, const std::string& v) { return text(v, c.denial_source.audit_log); }},
    // A ring of 1 to 65536 records per layer: each at most some 8 KiB.
    Setting{"max_denials_per_layer",
            [](DaemonConfig& c,
               const std::string& v) { return whole(v, 1, c.limits.denials.per_layer, 65'536); }},
    Setting{
        "keep_denials",
        [](DaemonConfig& c, const std::string& v) -> std::
                                                      optional<std::string> {
                                                          if (v != "yes" && v != "no")
                                                              return "must be yes or no";
                                                          c.keep_denials = v == "yes";
                                                          return std::nullopt;
                                                      }},
    Setting{"max_denial_subscriptions_per_user",
            [](DaemonConfig& c,
               const std::string& v) { return whole(v, 1, c.max_denial_subscriptions_per_user, 65'536); }},
};

}  // namespace

std::optional<std::string> set_config(DaemonConfig& config, const std::string& key,
                                      const std::string& value) {
    for (const auto& s : kSettings) {
        if (s.key != key) continue;
        if (auto e = s.set(config, value)) return key + " " + *e;
        return std::nullopt;
    }
    return "unknown setting '" + key + "'";
}

std::optional<std::string> read_config(const std::string& path, DaemonConfig& config) {
    std::ifstream in(path);
    if (!in) {
        // No file: the defaults. One that is there but cannot be opened is an error.
        std::error_code ec;
        if (std::filesystem::symlink_status(path, ec).type() == std::filesystem::file_type::not_found) {
            return std::nullopt;
        }
        return path + ": cannot be read";
    }
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        const auto hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        line = trim(line);
        if (line.empty()) continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos) return path + ":" + std::to_string(n) + ": expected 'key = value'";
        if (auto e = set_config(config, trim(line.substr(0, eq)), trim(line.substr(eq + 1)))) {
            return path + ":" + std::to_string(n) + ": " + *e;
        }
    }
    if (in.bad()) return path + ": cannot be read";  // a directory, an I/O error
    return std::nullopt;
}

}  // namespace aalayer::service
