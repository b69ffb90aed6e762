#include "policy/syntax/keywords.h"

#include <algorithm>
#include <array>

namespace aalayer::policy {

namespace {

using namespace std::string_view_literals;

constexpr std::array kSignalAccess{"r"sv, "w"sv, "rw"sv, "wr"sv, "read"sv, "write"sv, "send"sv, "receive"sv};
constexpr std::array kPtraceAccess{"r"sv,     "w"sv,     "rw"sv,     "wr"sv,      "read"sv,
                                   "write"sv, "trace"sv, "readby"sv, "tracedby"sv};
constexpr std::array kSocketAccess{"r"sv,       "w"sv,        "rw"sv,      "wr"sv,      "read"sv,
                                   "write"sv,   "create"sv,   "bind"sv,    "listen"sv,  "accept"sv,
                                   "connect"sv, "shutdown"sv, "getattr"sv, "setattr"sv, "getopt"sv,
                                   "setopt"sv,  "send"sv,     "receive"sv};
constexpr std::array kDbusAccess{"r"sv,     "w"sv,    "rw"sv,      "wr"sv,   "read"sv,
                                 "write"sv, "send"sv, "receive"sv, "bind"sv, "eavesdrop"sv};
constexpr std::array kMqueueAccess{"r"sv,      "w"sv,    "rw"sv,     "wr"sv,      "read"sv,   "write"sv,
                                   "create"sv, "open"sv, "delete"sv, "getattr"sv, "setattr"sv};
constexpr std::array kUsernsAccess{"create"sv};
constexpr std::array kIoUringAccess{"override_creds"sv, "sqpoll"sv};
constexpr std::array<std::string_view, 0> kNone{};

constexpr std::array kSignalConds{"set"sv, "peer"sv};
constexpr std::array kPeerConds{"peer"sv};
constexpr std::array kUnixConds{"type"sv, "protocol"sv, "addr"sv, "label"sv, "attr"sv, "opt"sv, "peer"sv};
constexpr std::array kDbusConds{"bus"sv, "path"sv, "interface"sv, "member"sv, "name"sv, "peer"sv};
constexpr std::array kMountConds{"fstype"sv, "vfstype"sv, "options"sv, "option"sv};
constexpr std::array kPivotConds{"oldroot"sv};
constexpr std::array kNetworkConds{"ip"sv, "port"sv, "peer"sv};
constexpr std::array kLabelConds{"label"sv};
constexpr std::array kMqueueConds{"type"sv, "label"sv};

// Address families, socket types and protocols apparmor_parser knows (its
// af_names.h and network_mappings), and the bare access words of AppArmor 4.
constexpr std::array kNetworkFamilies{
    "unspec"sv,     "unix"sv,    "inet"sv,      "ax25"sv,    "ipx"sv,    "appletalk"sv, "netrom"sv,
    "bridge"sv,     "atmpvc"sv,  "x25"sv,       "inet6"sv,   "rose"sv,   "netbeui"sv,   "security"sv,
    "key"sv,        "netlink"sv, "packet"sv,    "ash"sv,     "econet"sv, "atmsvc"sv,    "rds"sv,
    "sna"sv,        "irda"sv,    "pppox"sv,     "wanpipe"sv, "llc"sv,    "ib"sv,        "mpls"sv,
    "can"sv,        "tipc"sv,    "bluetooth"sv, "iucv"sv,    "rxrpc"sv,  "isdn"sv,      "phonet"sv,
    "ieee802154"sv, "caif"sv,    "alg"sv,       "nfc"sv,     "vsock"sv,  "kcm"sv,       "qipcrtr"sv,
    "smc"sv,        "xdp"sv,     "mctp"sv};
constexpr std::array kNetworkTypes{"stream"sv, "dgram"sv, "seqpacket"sv, "rdm"sv, "raw"sv, "packet"sv};
constexpr std::array kNetworkProtocols{"tcp"sv, "udp"sv, "icmp"sv};
constexpr std::array kNetworkAccess{"create"sv,   "bind"sv,    "listen"sv,  "accept"sv, "connect"sv,
                                    "shutdown"sv, "getattr"sv, "setattr"sv, "getopt"sv, "setopt"sv,
                                    "send"sv,     "receive"sv, "r"sv,       "w"sv,      "rw"sv,
                                    "read"sv,     "write"sv};

template <std::size_t... N>
constexpr auto concat(const std::array<std::string_view, N>&... parts) {
    std::array<std::string_view, (N + ...)> out{};
    std::size_t i = 0;
    ((std::copy(parts.begin(), parts.end(), out.begin() + static_cast<std::ptrdiff_t>(i)), i += N), ...);
    return out;
}
constexpr auto kNetworkWords = concat(kNetworkFamilies, kNetworkTypes, kNetworkProtocols, kNetworkAccess);

// A row of kGrammars; the keyword is the class's own (kRuleClasses, model.h).
constexpr RuleGrammar grammar_row(RuleClass cls, std::span<const std::string_view> access,
                                  std::span<const std::string_view> conditions,
                                  std::span<const std::string_view> words, bool any_word, bool arrow) {
    return RuleGrammar{cls, rule_class_info(cls).keyword, access, conditions, words, any_word, arrow};
}

constexpr std::array kGrammars{
    grammar_row(RuleClass::Network, kNetworkAccess, kNetworkConds, kNetworkWords, false, false),
    grammar_row(RuleClass::Signal, kSignalAccess, kSignalConds, kNone, false, false),
    grammar_row(RuleClass::Ptrace, kPtraceAccess, kPeerConds, kNone, false, false),
    grammar_row(RuleClass::Unix, kSocketAccess, kUnixConds, kNone, false, false),
    grammar_row(RuleClass::Dbus, kDbusAccess, kDbusConds, kNone, false, false),
    grammar_row(RuleClass::Mount, kNone, kMountConds, kNone, true, true),
    grammar_row(RuleClass::Remount, kNone, kMountConds, kNone, true, false),
    grammar_row(RuleClass::Umount, kNone, kMountConds, kNone, true, false),
    grammar_row(RuleClass::PivotRoot, kNone, kPivotConds, kNone, true, true),
    grammar_row(RuleClass::Userns, kUsernsAccess, kNone, kNone, false, false),
    grammar_row(RuleClass::IoUring, kIoUringAccess, kLabelConds, kNone, false, false),
    grammar_row(RuleClass::Mqueue, kMqueueAccess, kMqueueConds, kNone, true, false),
};
// Every class with a grammar has its own row in kRuleClasses.
static_assert(std::all_of(kGrammars.begin(), kGrammars.end(),
                          [](const RuleGrammar& g) { return rule_class_info(g.cls).cls == g.cls; }));

constexpr std::array kCapabilities{"chown"sv,
                                   "dac_override"sv,
                                   "dac_read_search"sv,
                                   "fowner"sv,
                                   "fsetid"sv,
                                   "kill"sv,
                                   "setgid"sv,
                                   "setuid"sv,
                                   "setpcap"sv,
                                   "linux_immutable"sv,
                                   "net_bind_service"sv,
                                   "net_broadcast"sv,
                                   "net_admin"sv,
                                   "net_raw"sv,
                                   "ipc_lock"sv,
                                   "ipc_owner"sv,
                                   "sys_module"sv,
                                   "sys_rawio"sv,
                                   "sys_chroot"sv,
                                   "sys_ptrace"sv,
                                   "sys_pacct"sv,
                                   "sys_admin"sv,
                                   "sys_boot"sv,
                                   "sys_nice"sv,
                                   "sys_resource"sv,
                                   "sys_time"sv,
                                   "sys_tty_config"sv,
                                   "mknod"sv,
                                   "lease"sv,
                                   "audit_write"sv,
                                   "audit_control"sv,
                                   "setfcap"sv,
                                   "mac_override"sv,
                                   "mac_admin"sv,
                                   "syslog"sv,
                                   "wake_alarm"sv,
                                   "block_suspend"sv,
                                   "audit_read"sv,
                                   "perfmon"sv,
                                   "bpf"sv,
                                   "checkpoint_restore"sv};

constexpr std::array kRlimits{"cpu"sv,        "fsize"sv,    "data"sv, "stack"sv,  "core"sv,    "rss"sv,
                              "nofile"sv,     "ofile"sv,    "as"sv,   "nproc"sv,  "memlock"sv, "locks"sv,
                              "sigpending"sv, "msgqueue"sv, "nice"sv, "rtprio"sv, "rttime"sv};

constexpr std::array kProfileFlags{"complain"sv,
                                   "enforce"sv,
                                   "kill"sv,
                                   "unconfined"sv,
                                   "prompt"sv,
                                   "audit"sv,
                                   "mediate_deleted"sv,
                                   "delegate_deleted"sv,
                                   "attach_disconnected"sv,
                                   "no_attach_disconnected"sv,
                                   "chroot_relative"sv,
                                   "namespace_relative"sv,
                                   "chroot_attach"sv,
                                   "chroot_no_attach"sv,
                                   "debug"sv,
                                   "interruptible"sv,
                                   "default_allow"sv};
constexpr std::array kProfileFlagKeys{"attach_disconnected.path"sv, "error"sv, "kill.signal"sv};

constexpr std::array kReserved{
    "audit"sv,   "allow"sv,    "deny"sv,       "owner"sv,   "other"sv,          "priority"sv,
    "file"sv,    "link"sv,     "capability"sv, "network"sv, "signal"sv,         "ptrace"sv,
    "unix"sv,    "dbus"sv,     "mount"sv,      "remount"sv, "umount"sv,         "pivot_root"sv,
    "userns"sv,  "io_uring"sv, "mqueue"sv,     "set"sv,     "change_profile"sv, "all"sv,
    "profile"sv, "hat"sv,      "include"sv,    "abi"sv,     "alias"sv};

template <typename Array>
bool contains(const Array& set, std::string_view word) {
    return std::find(set.begin(), set.end(), word) != set.end();
}

}  // namespace

const RuleGrammar& grammar(RuleClass cls) {
    for (const auto& g : kGrammars) {
        if (g.cls == cls) return g;
    }
    return kGrammars.front();  // unreachable: every class has a row
}

bool is_capability(std::string_view name) {
    return contains(kCapabilities, name);
}
bool is_rlimit(std::string_view name) {
    return contains(kRlimits, name);
}
bool is_reserved_word(std::string_view word) {
    return contains(kReserved, word);
}

bool is_network_access(std::string_view word) {
    return contains(kNetworkAccess, word);
}

bool is_network_entry(std::string_view first, std::string_view second) {
    if (second.empty()) {
        return contains(kNetworkFamilies, first) || contains(kNetworkTypes, first) ||
               contains(kNetworkProtocols, first);
    }
    if (!contains(kNetworkFamilies, first)) return false;
    if (contains(kNetworkTypes, second)) return true;
    // The protocols map to types of inet and inet6 only; icmp has no inet6 mapping.
    if (second == "icmp") return first == "inet";
    return contains(kNetworkProtocols, second) && (first == "inet" || first == "inet6");
}

bool is_profile_flag(std::string_view flag) {
    if (contains(kProfileFlags, flag)) return true;
    const auto eq = flag.find('=');
    return eq != std::string_view::npos && eq + 1 < flag.size() &&
           contains(kProfileFlagKeys, flag.substr(0, eq));
}

}  // namespace aalayer::policy
