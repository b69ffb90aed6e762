// The real sources of AppArmor audit records (ports.h, DenialSource), the
// choice among them at start, and the process labels from /proc.
//
//   audit-log  auditd's log (audit_log, /var/log/audit/audit.log), followed
//              with inotify across rotations: where the kernel's records go
//              when auditd runs.
//   journal    the system journal (sd-journal), entries with _TRANSPORT
//              kernel or audit: where they go with journald and no auditd.
//   kmsg       /dev/kmsg: the kernel log itself, when neither runs (the
//              kernel rate-limits audit records it prints there:
//              kernel.printk_ratelimit, docs/service.md).
//   none       nothing is read.
// Each reads from the moment it is made (before the service takes its bus
// name, so nothing written after it answers is missed): nothing older,
// nothing on disk.
#pragma once

#include <memory>
#include <string>

#include "service/core/ports.h"

namespace aalayer::service {

struct DenialSourceConfig {
    std::string source = "auto";  // auto | audit-log | journal | kmsg | none
    std::string audit_log = "/var/log/audit/audit.log";
    friend bool operator==(const DenialSourceConfig&, const DenialSourceConfig&) = default;
};

// Whether `name` is a valid value of the denial_source setting.
bool valid_denial_source(const std::string& name);

// auto: audit-log when auditd runs (its pid file) and its log exists, else
// journal when journald runs (its socket), else kmsg when /dev/kmsg can be
// opened, else none.
std::unique_ptr<DenialSource> make_denial_source(const DenialSourceConfig& config);

class ProcLabels final : public ProcessLabels {
public:
    [[nodiscard]] std::optional<std::string> label_of(std::uint32_t pid) const override;
};

}  // namespace aalayer::service
