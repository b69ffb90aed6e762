// AALAYER_CONFDIR/aalayerd.conf (<sysconfdir>/aalayer: /etc/aalayer with
// prefix /usr): `key = value` lines, `#` comments. Unknown keys and bad
// values are errors that name the line: a typo in a security setting must
// not be ignored silently.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "service/core/layer_manager.h"
#include "service/install_paths.h"
#include "service/system/denial_sources.h"  // generated in the build directory: AALAYER_CONFDIR

namespace aalayer::service {

struct DaemonConfig {
    std::string state_dir = "/var/lib/aalayer";
    std::string cache_dir = "/var/cache/aalayer";
    std::string grants_dir = AALAYER_CONFDIR "/grants.d";
    std::string profiles_dir = "/etc/apparmor.d";
    std::optional<Backend> backend;  // none: auto (apparmor where the kernel has it)
    std::string features;            // -M for apparmor_parser; compile-only default: /etc/apparmor.d/abi/3.0
    std::string parser = "apparmor_parser";
    ServiceLimits limits;
    // Users' bounds a catalog keeps, and layers' compositions kept for queries (CatalogConfig).
    std::size_t bounds_cache_size = 4;
    std::size_t workers = 4;
    std::size_t max_queued = 64;
    std::size_t max_queued_per_user = 16;
    // Per user, CPU time (CostLimiter): a burst, then a share of one core.
    std::size_t user_cpu_burst_ms = 10'000;
    std::size_t user_cpu_percent = 10;
    std::chrono::seconds parser_timeout{60};
    std::chrono::seconds polkit_timeout{30};
    DenialSourceConfig denial_source;
    std::size_t max_denial_subscriptions_per_user = 8;
    // Denial records saved under state_dir and loaded at start (off: memory only).
    bool keep_denials = false;
    friend bool operator==(const DaemonConfig&, const DaemonConfig&) = default;
};

// Reads the file over `config`; an error message on failure.
std::optional<std::string> read_config(const std::string& path, DaemonConfig& config);

// Applies one `key = value` (from the file or from --set on the command line).
std::optional<std::string> set_config(DaemonConfig& config, const std::string& key, const std::string& value);

}  // namespace aalayer::service
