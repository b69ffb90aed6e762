// The kernel's AppArmor audit records, read from their text: pure code, no
// I/O, fed whatever a record source hands over (a line of auditd's log, a
// journal MESSAGE, a /dev/kmsg record), and fuzzed
// (tests/fuzz/fuzz_audit_record.cpp).
//
// The text is hostile in part: paths, command names and profile names come
// from users. The kernel writes those with audit_log_untrustedstring(): in
// double quotes when every byte is printable ASCII other than '"', as
// uppercase hex without quotes otherwise. So a value can never carry a blank
// or a quote, and no user string can add a field; hex values are decoded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aalayer::service {

// One AppArmor DENIED (enforce mode) or ALLOWED (complain mode) record.
struct AuditRecord {
    std::uint64_t time_usec = 0;  // from audit(SECONDS.MILLIS:SERIAL); 0 when the text has none
    bool complain = false;        // apparmor="ALLOWED"
    std::string operation;        // open, mknod, exec, signal, connect, ...
    std::string klass;            // class=: file, signal, net, ... (may be empty)
    std::string profile;          // profile=: one profile (file records)
    std::string label;            // label=: a label, possibly a stack A//&B
    std::string name;             // name=: the path (file), or the bus name (dbus)
    std::string peer;             // peer= or peer_label=
    std::string requested;        // requested_mask= or requested=
    std::string denied;           // denied_mask= or denied=
    std::string comm;
    std::string info;
    std::string detail;  // other class fields that say what was asked: "signal=term", ...
    std::optional<std::uint32_t> fsuid;
    std::optional<std::uint32_t> ouid;
    std::uint32_t pid = 0;
};

// Longest text and field kept: longer records are refused, longer values cut.
inline constexpr std::size_t kMaxRecordBytes = 64U * 1024U;
inline constexpr std::size_t kMaxFieldBytes = 4096;

// The record in `text`, or nothing when it is not an AppArmor DENIED or
// ALLOWED record. Leading text (a /dev/kmsg prefix, "audit: type=1400",
// auditd's "type=AVC msg=audit(...):") is skipped; a userspace record
// wrapped in msg='...' (dbus-daemon's USER_AVC) is read from inside.
std::optional<AuditRecord> parse_audit_record(std::string_view text);

// A value as audit_log_untrustedstring() wrote it, unquoted: hex decoded
// (nothing when it is not even-length hex).
std::optional<std::string> decode_hex(std::string_view hex);

}  // namespace aalayer::service
