// The aalayer client library: typed calls to aalayerd over the generated
// proxies, for the aalayer CLI and for settings panels. Errors come back as
// aalayer::client::CallError with the D-Bus error name (org.aalayer.Error.*).
//
// For a panel author (docs/dbus-api.md has every call's meaning):
//   build   c++ -std=c++20 panel.cpp $(pkg-config --cflags --libs aalayer-client)
//           (libaalayer-client.so.0; docs/examples/panel/panel.cpp is a start)
//   connect Client::connect() opens its own system bus connection; the
//           caller is whoever runs the program (the bus says so, never an argument).
//   calls   block until the service answers (D-Bus's default timeout, 25 s;
//           Apply may wait that long for polkit or apparmor_parser). Call a
//           Client from one thread at a time; a UI calls it off its main loop.
//   callbacks (subscribe, follow_denials, watch_service, watch_admin_changes)
//           run on one thread the library starts at the first of them, one
//           at a time, in the order the bus delivered the signals. Keep them
//           short and do not call the Client from them: hand the news to
//           your UI thread (g_idle_add, QMetaObject::invokeMethod) and call
//           from there. They stop when the Client is destroyed.
//   ABI     the soname changes when this header's types or the Client's
//           virtual methods change; add methods at the end.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace aalayer::client {

struct Finding {
    std::string severity;  // error | warning | note
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    std::string file;
    std::string message;
};

struct Layer {
    std::string object_path;
    std::uint32_t owner = 0;
    std::string base;
    std::string name;
    std::string kernel_name;
    std::string state;  // active | compiled | invalid | failed | stale | review
    std::uint64_t updated_at = 0;
    std::string mode;  // enforce | complain
    // admin (the admin's default) | user | replaced (the user's version of a default)
    std::string origin = "user";
};

struct Reason {
    std::string source;  // base | grant | layer
    std::string rule;    // "FILE:LINE:COL: rule"
};

struct Explanation {
    std::string perms;  // "owner=rw other=r"
    std::vector<Reason> reasons;
    std::string owner;  // "rw": what the owner of the file may do (letters of r w a l k m x)
    std::string other;  // "r": what anyone else may do
};

// One path of the caller's grant on a base (Manager1.ListGrantRules).
struct GrantRule {
    std::string base;
    std::string kind;   // allow | exclude
    std::string path;   // expanded for the caller: /home/alice/Downloads/**
    std::string owner;  // "owner" (only the file's owner) or ""
    std::string perms;  // as the grant writes them: "rw", "rix"; "" for exclude
    std::string file;   // the grant file, and where in it
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

// A base profile (Manager1.ListBases). Match desktop entries against
// `attachment` to find which programs it confines.
struct Base {
    std::string name;
    std::string attachment;    // "" when the profile attaches to nothing
    bool granted = false;      // the caller may layer on it
    std::uint32_t layers = 0;  // the caller's layers on it
};

struct Difference {
    std::string example;
    std::string perms_a;
    std::string perms_b;
};

// One record of what the kernel denied (or logged, in complain mode) a
// program under a layer (Layer1.GetDenials; docs/dbus-api.md).
struct Denial {
    std::uint64_t last = 0;  // microseconds since the epoch
    std::uint64_t first = 0;
    std::uint64_t count = 0;  // times seen
    std::string operation;    // open, mknod, exec, signal ...
    std::string klass;        // file, signal, net ... (may be empty)
    std::string path;
    std::string peer;
    std::string detail;     // "signal=term", "family=inet sock_type=stream" ...
    std::string requested;  // the kernel's mask letters
    std::string denied;
    std::string owner;  // owner | other | "" (not a file)
    std::uint32_t fsuid = UINT32_MAX;
    std::uint32_t ouid = UINT32_MAX;
    std::uint32_t pid = 0;
    std::string comm;
    std::string mode;    // enforce | complain
    std::string origin;  // layer | base
    std::string rule;    // a layer rule that would allow it, or ""
    std::string allow;   // layer | admin | ""
    std::string note;
    std::string info;
};

// Rules learned from a layer's records (Layer1.ProposeRules; docs/dbus-api.md).
struct Proposal {
    std::string rule;  // one line of layer text
    std::string why;   // "4 paths under @{HOME}/.mozilla/firefox/x/"
    std::vector<std::string> accesses;
};
struct Unproposed {
    std::string access;
    std::string allow;  // admin | layer | ""
    std::string note;
};
struct Learned {
    std::vector<Proposal> proposals;
    std::vector<Unproposed> unproposed;
    std::string text;      // the layer's text now
    std::string new_text;  // with every proposal added
    std::uint64_t dropped = 0;
};

struct ApplyOptions {
    bool strict = false;
    // Complain mode; none: keep the layer's mode (enforce for a new one).
    std::optional<bool> complain;
    bool interactive = false;
};

// A one-run layer (Manager1.RunLayer; docs/dbus-api.md): literal paths,
// each matched exactly whatever its name; a path ending in '/' is the
// directory and its subtree. perms: letters of r w a l k m, "" for r.
struct RunPath {
    std::string path;
    std::string perms;
};
struct RunOptions {
    bool strict = false;  // refuse, loading nothing, on any finding
    bool interactive = false;
};
struct OneRun {
    std::string name;   // "run.<serial>": explain() answers for it, to its owner
    std::string label;  // what to exec under: aa_change_onexec(label), then exec
    std::string text;   // the layer's text, which the findings' lines refer to
    std::vector<Finding> findings;
};

class CallError : public std::runtime_error {
public:
    CallError(std::string name, const std::string& message, std::vector<Finding> findings = {})
        : std::runtime_error(message), name_(std::move(name)), findings_(std::move(findings)) {}
    [[nodiscard]] const std::string& name() const { return name_; }
    // The part after "org.aalayer.Error." (or the whole name for other errors).
    [[nodiscard]] std::string short_name() const;
    // InvalidLayer from apply(): the findings that refused the layer, as
    // values (the service sends them so: Apply's option refusal_as_reply).
    // Empty for every other error.
    [[nodiscard]] const std::vector<Finding>& findings() const { return findings_; }

private:
    std::string name_;
    std::vector<Finding> findings_;
};

class Client {
public:
    // The system bus, or `address` when given (tests, private buses).
    static std::unique_ptr<Client> connect(const std::optional<std::string>& address = std::nullopt);
    virtual ~Client() = default;

    // (base, the grant's rules as text) for every base the caller may layer on.
    virtual std::vector<std::pair<std::string, std::string>> grants() = 0;
    // The same grants as rows, with where each rule is written.
    virtual std::vector<GrantRule> grant_rules() = 0;
    // Every base profile, granted or not.
    virtual std::vector<Base> bases() = 0;
    virtual std::pair<std::string, std::vector<Finding>> check(const std::string& base,
                                                               const std::string& name,
                                                               const std::string& text) = 0;
    // The layer's object path and its findings (warnings, notes). A layer
    // with errors is refused with a CallError named InvalidLayer whose
    // findings() hold them.
    virtual std::pair<std::string, std::vector<Finding>> apply(const std::string& base,
                                                               const std::string& name,
                                                               const std::string& text,
                                                               const ApplyOptions& o) = 0;
    virtual void remove(const std::string& base, const std::string& name, bool force, bool interactive) = 0;
    // Puts the admin's default layer back (forgets the caller's version or removal of it).
    virtual void reset(const std::string& base, const std::string& name, bool interactive) = 0;
    // The admin's Reload: grants, default layers and base profiles read
    // again, the layers recomputed. Returns once the layers are.
    virtual void reload() = 0;
    virtual Explanation explain(const std::string& base, const std::string& name,
                                const std::string& path) = 0;
    // Loads a layer for one run of a program: it stays while this Client's
    // bus connection does, and after that while a process runs under its
    // label; then the service unloads it. Keep the Client until the program
    // has started (exec'd under the label).
    virtual OneRun run_layer(const std::string& base, const std::vector<RunPath>& allow,
                             const std::vector<std::string>& deny, const std::string& text,
                             const RunOptions& o) = 0;
    virtual std::vector<Difference> diff(const std::string& base, const std::string& a,
                                         const std::string& b) = 0;
    // Where the layer differs from its base alone: perms_a the base's, perms_b the layer's.
    virtual std::vector<Difference> diff_with_base(const std::string& base, const std::string& name) = 0;
    // Every layer object the service publishes (other users' too: names only).
    virtual std::vector<Layer> layers() = 0;
    virtual std::string source(const std::string& object_path) = 0;
    virtual std::vector<Finding> findings(const std::string& object_path) = 0;
    virtual std::string backend() = 0;
    // Where aalayerd reads denials: audit-log | journal | kmsg | none.
    virtual std::string denial_source() = 0;
    // "enforce" or "complain", without sending the text again.
    virtual void set_mode(const std::string& object_path, const std::string& mode) = 0;
    // Accepts what an admin's change made the layer mean (its State is "review").
    virtual void accept(const std::string& object_path, bool interactive) = 0;
    // The layer's records changed at or after `since` (microseconds since
    // the epoch), and how many distinct records its ring has dropped.
    virtual std::pair<std::vector<Denial>, std::uint64_t> denials(const std::string& object_path,
                                                                  std::uint64_t since) = 0;
    // Rules that would allow the records denials(object_path, since) returns.
    virtual Learned propose_rules(const std::string& object_path, std::uint64_t since) = 0;
    // Subscribes to the layer's denials: `on_denials` gets each batch the
    // service sends this client alone, from a thread of the library's own,
    // until unfollow_denials or the Client goes. Several layers may be
    // followed at once; following one again subscribes again (as after the
    // service restarted) and replaces its callback.
    virtual void follow_denials(const std::string& object_path,
                                std::function<void(const std::vector<Denial>&)> on_denials) = 0;
    // Ends following the layer (UnsubscribeDenials, when the service still has it).
    virtual void unfollow_denials(const std::string& object_path) = 0;

    // Calls `on_change(object_path)` whenever a layer is added, removed or
    // changes state, from a thread of the library's own, until the Client goes.
    virtual void subscribe(std::function<void(const std::string& object_path)> on_change) = 0;

    // Calls `on_owner(true)` when the service (re)appears on the bus and
    // `on_owner(false)` when it leaves, from a thread of the library's own,
    // until the Client goes. A service that restarted has forgotten every
    // subscription: follow the layers again.
    virtual void watch_service(std::function<void(bool running)> on_owner) = 0;

    // Calls `on_change("grants", bases)` when the admin's grants for those
    // bases changed, and `on_change("bases", bases)` when base profiles did
    // (Manager1 GrantsChanged, BasesChanged: after a Reload or an edit the
    // service saw), from a thread of the library's own, until the Client
    // goes. Ask grant_rules() or bases() again then.
    virtual void watch_admin_changes(
        std::function<void(const std::string& what, const std::vector<std::string>& bases)> on_change) = 0;
};

}  // namespace aalayer::client
