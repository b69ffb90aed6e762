// The AppArmor audit record parser on records as the kernel, auditd,
// journald and dbus-daemon write them, and on hostile ones.
#include "service/core/audit_record.h"

#include <gtest/gtest.h>

namespace aalayer::service {
namespace {

// /dev/kmsg, Debian 12's kernel (no auditd): prefix, then the printk'd record.
constexpr const char* kKmsg =
    "5,1234,567890123,-;audit: type=1400 audit(1700000000.123:45): apparmor=\"DENIED\" operation=\"open\" "
    "class=\"file\" profile=\"demo//aalayer.1000.bank\" name=\"/home/u/docs/other\" pid=321 comm=\"aaprobe\" "
    "requested_mask=\"r\" denied_mask=\"r\" fsuid=1000 ouid=1000";

TEST(AuditRecord, KernelLogRecord) {
    const auto r = parse_audit_record(kKmsg);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->time_usec, 1700000000123000U);
    EXPECT_FALSE(r->complain);
    EXPECT_EQ(r->operation, "open");
    EXPECT_EQ(r->klass, "file");
    EXPECT_EQ(r->profile, "demo//aalayer.1000.bank");
    EXPECT_EQ(r->name, "/home/u/docs/other");
    EXPECT_EQ(r->pid, 321U);
    EXPECT_EQ(r->comm, "aaprobe");
    EXPECT_EQ(r->requested, "r");
    EXPECT_EQ(r->denied, "r");
    EXPECT_EQ(r->fsuid, 1000U);
    EXPECT_EQ(r->ouid, 1000U);
}

TEST(AuditRecord, RecordsTheQemuGuestsKernelWrote) {
    // Debian 12's kernel (tests/kernel/service_test.sh): no class= field; the base's own denial.
    const auto w = parse_audit_record(
        "audit: type=1400 audit(1796269095.435:4): apparmor=\"DENIED\" operation=\"open\" "
        "profile=\"demo//aalayer.1000.bank\" name=\"/home/u/docs/bank/stmt\" pid=204 comm=\"aaprobe\" "
        "requested_mask=\"wc\" denied_mask=\"wc\" fsuid=1000 ouid=1000");
    ASSERT_TRUE(w);
    EXPECT_EQ(w->klass, "");
    EXPECT_EQ(w->denied, "wc");
    EXPECT_EQ(w->time_usec, 1796269095435000U);
    const auto b = parse_audit_record(
        "audit: type=1400 audit(1796269096.683:6): apparmor=\"DENIED\" operation=\"open\" profile=\"demo\" "
        "name=\"/srv/x\" pid=234 comm=\"aaprobe\" requested_mask=\"r\" denied_mask=\"r\" fsuid=1000 ouid=0");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->profile, "demo");
    EXPECT_EQ(b->pid, 234U);
}

TEST(AuditRecord, AuditdLineInComplainModeWithEnrichedFields) {
    const auto r = parse_audit_record(
        "type=AVC msg=audit(1700000001.500:77): apparmor=\"ALLOWED\" operation=\"mknod\" class=\"file\" "
        "profile=\"demo//aalayer.1000.bank\" name=\"/home/u/docs/bank/new\" pid=400 comm=\"aaprobe\" "
        "requested_mask=\"c\" denied_mask=\"c\" fsuid=1000 ouid=1000\x1d"
        "FSUID=\"u\" OUID=\"u\"");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->complain);
    EXPECT_EQ(r->time_usec, 1700000001500000U);
    EXPECT_EQ(r->operation, "mknod");
    EXPECT_EQ(r->denied, "c");
    EXPECT_EQ(r->ouid, 1000U);
}

TEST(AuditRecord, HexValuesAreDecoded) {
    // audit_log_untrustedstring: a path with a blank, a command with a quote.
    const auto r = parse_audit_record(
        "audit: type=1400 audit(1700000002.000:1): apparmor=\"DENIED\" operation=\"open\" class=\"file\" "
        "profile=\"demo//aalayer.1000.bank\" name=2F686F6D652F752F6120622F63 pid=5 comm=6122622062 "
        "requested_mask=\"r\" denied_mask=\"r\" fsuid=1000 ouid=0");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, "/home/u/a b/c");
    EXPECT_EQ(r->comm, "a\"b b");
    EXPECT_EQ(r->ouid, 0U);
}

TEST(AuditRecord, AUserStringCannotAddAField) {
    // A path spelling more fields is hex in the record: decoded, it stays the path.
    std::string hostile = "/tmp/x\" profile=\"other//aalayer.0.root\" pid=1";
    std::string hex;
    for (const unsigned char c : hostile) {
        const char* digits = "0123456789ABCDEF";
        hex += digits[c >> 4U];
        hex += digits[c & 15U];
    }
    const auto r = parse_audit_record(
        "apparmor=\"DENIED\" operation=\"open\" profile=\"demo//aalayer.1000.b\" name=" + hex +
        " pid=9 requested_mask=\"r\" denied_mask=\"r\"");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, hostile);
    EXPECT_EQ(r->profile, "demo//aalayer.1000.b");
    EXPECT_EQ(r->pid, 9U);
    // A quoted path that spells audit(...) does not set the time.
    const auto t = parse_audit_record(
        "apparmor=\"DENIED\" operation=\"open\" profile=\"p\" name=\"/tmp/audit(1.000:1)\" "
        "requested_mask=\"r\"");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->time_usec, 0U);
    // The first of a repeated key counts.
    const auto d = parse_audit_record("apparmor=\"DENIED\" profile=\"a\" profile=\"b\"");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->profile, "a");
}

TEST(AuditRecord, DbusDaemonUserRecordIsReadFromInsideItsMessage) {
    const auto r = parse_audit_record(
        "type=USER_AVC msg=audit(1700000003.000:80): pid=700 uid=101 auid=4294967295 ses=4294967295 "
        "subj=unconfined msg='apparmor=\"DENIED\" operation=\"dbus_method_call\"  bus=\"system\" "
        "path=\"/org/freedesktop/DBus\" interface=\"org.freedesktop.DBus\" member=\"Hello\" mask=\"send\" "
        "name=\"org.freedesktop.DBus\" pid=900 label=\"demo//&demo//aalayer.1000.bank\" "
        "peer_label=\"unconfined\" "
        "exe=\"/usr/bin/dbus-daemon\" sauid=101 hostname=? addr=? terminal=?'");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->pid, 900U);
    EXPECT_EQ(r->label, "demo//&demo//aalayer.1000.bank");
    EXPECT_EQ(r->peer, "unconfined");
    EXPECT_EQ(r->requested, "send");
    EXPECT_EQ(r->denied, "send");
    EXPECT_EQ(r->detail, "bus=system path=/org/freedesktop/DBus interface=org.freedesktop.DBus member=Hello");
    EXPECT_EQ(r->time_usec, 1700000003000000U);
}

TEST(AuditRecord, JournalMessageAndSignal) {
    const auto j = parse_audit_record(
        "apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"demo\" name=\"/srv/x\" pid=55 "
        "comm=\"cat\" requested_mask=\"r\" denied_mask=\"r\" fsuid=1000 ouid=0");
    ASSERT_TRUE(j);
    EXPECT_EQ(j->time_usec, 0U);  // the journal's own time is used
    EXPECT_EQ(j->profile, "demo");
    const auto s = parse_audit_record(
        "audit: type=1400 audit(1700000004.000:9): apparmor=\"DENIED\" operation=\"signal\" class=\"signal\" "
        "profile=\"demo//aalayer.1000.bank\" pid=1 comm=\"kill\" requested_mask=\"send\" "
        "denied_mask=\"send\" "
        "signal=term peer=\"unconfined\"");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->peer, "unconfined");
    EXPECT_EQ(s->detail, "signal=term");
    EXPECT_FALSE(s->fsuid);
}

TEST(AuditRecord, OtherTextIsNotARecord) {
    EXPECT_FALSE(parse_audit_record(""));
    EXPECT_FALSE(parse_audit_record("usb 1-1: new high-speed USB device"));
    EXPECT_FALSE(
        parse_audit_record("audit: type=1400 audit(1.000:1): apparmor=\"STATUS\" operation=\"profile_load\" "
                           "profile=\"unconfined\" "
                           "name=\"demo\" pid=1 comm=\"apparmor_parser\""));
    EXPECT_FALSE(parse_audit_record("apparmor=\"DENIED\" operation=\"open\""));  // whose?
    EXPECT_FALSE(
        parse_audit_record(std::string(kMaxRecordBytes + 1, 'a') + " apparmor=\"DENIED\" profile=\"p\""));
    // Unterminated, odd hex, junk: no crash, no overread.
    const auto r = parse_audit_record("apparmor=\"DENIED\" profile=\"p name=ABC comm=");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->profile, "p name=ABC comm=");
    EXPECT_EQ(decode_hex("ABC"), std::nullopt);
    EXPECT_EQ(decode_hex("4g"), std::nullopt);
    EXPECT_EQ(decode_hex("41"), "A");
}

}  // namespace
}  // namespace aalayer::service
