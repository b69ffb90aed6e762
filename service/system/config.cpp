#include "service/system/config.h"

#include <charconv>
#include <fstream>

namespace aalayer::service {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
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

}  // namespace

std::optional<std::string> set_config(DaemonConfig& c, const std::string& key, const std::string& value) {
    auto count = [&](auto& target, std::size_t min) -> std::optional<std::string> {
        const auto n = number(value);
        if (!n || *n < min) return key + " must be a whole number of at least " + std::to_string(min);
        target = static_cast<std::remove_reference_t<decltype(target)>>(*n);
        return std::nullopt;
    };
    if (key == "state_dir") {
        c.state_dir = value;
    } else if (key == "cache_dir") {
        c.cache_dir = value;
    } else if (key == "grants_dir") {
        c.grants_dir = value;
    } else if (key == "profiles_dir") {
        c.profiles_dir = value;
    } else if (key == "backend") {
        if (value != "auto" && value != "apparmor" && value != "compile-only") {
            return "backend must be auto, apparmor or compile-only";
        }
        c.backend = value;
    } else if (key == "features") {
        c.features = value;
    } else if (key == "parser") {
        c.parser = value;
    } else if (key == "max_layers_per_user") {
        return count(c.limits.max_layers_per_user, 1);
    } else if (key == "max_text_bytes") {
        return count(c.limits.max_text_bytes, 1);
    } else if (key == "max_compose_work") {
        return count(c.limits.layer.max_compose_work, 1000);
    } else if (key == "rate_limit_per_minute") {
        return count(c.limits.rate_limit_per_minute, 1);
    } else if (key == "workers" || key == "max_concurrent_compiles") {
        // Compiles run on the workers: one setting bounds both.
        return count(c.workers, 1);
    } else if (key == "max_queued") {
        return count(c.max_queued, 1);
    } else if (key == "max_queued_per_user") {
        return count(c.max_queued_per_user, 1);
    } else if (key == "user_cpu_burst_ms") {
        return count(c.user_cpu_burst_ms, 1);
    } else if (key == "user_cpu_percent") {
        return count(c.user_cpu_percent, 1);
    } else if (key == "parser_timeout_seconds") {
        std::size_t s = 0;
        if (auto e = count(s, 1)) return e;
        c.parser_timeout = std::chrono::seconds(s);
    } else if (key == "polkit_timeout_seconds") {
        std::size_t s = 0;
        if (auto e = count(s, 1)) return e;
        c.polkit_timeout = std::chrono::seconds(s);
    } else {
        return "unknown setting '" + key + "'";
    }
    return std::nullopt;
}

std::optional<std::string> read_config(const std::string& path, DaemonConfig& config) {
    std::ifstream in(path);
    if (!in) return std::nullopt;  // no file: the defaults
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
    return std::nullopt;
}

}  // namespace aalayer::service
