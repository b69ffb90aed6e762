// The service logic, without a bus: who may do what to which layer, and
// what happens then. Every side effect goes through the injected ports, so
// this is tested with fakes and a private directory, and aalayerd puts a
// D-Bus face on it (service/bus/).
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "policy/engine/compose.h"
#include "policy/engine/one_run.h"
#include "service/core/catalog.h"
#include "service/core/composition_cache.h"
#include "service/core/denial_keeper.h"
#include "service/core/denials.h"
#include "service/core/keyed_locks.h"
#include "service/core/layer_inputs.h"
#include "service/core/ports.h"
#include "service/core/profile_snapshot.h"
#include "service/core/start_loads.h"
#include "service/core/start_records.h"

namespace aalayer::service {

struct ServiceLimits {
    std::size_t max_layers_per_user = 32;
    // One-run layers (RunLayer) alive at once per uid, outside the quota above.
    std::size_t max_runs_per_user = 4;
    std::size_t max_text_bytes = 64U * 1024U;
    // Apply/Remove per uid: each may run apparmor_parser. Everything else is
    // bounded by its CPU cost (CostLimiter, at the D-Bus edge).
    std::size_t rate_limit_per_minute = 60;
    // Check per uid, counted apart from Apply's: a panel checks as its user
    // types. Its CPU is still charged to the user's CostLimiter bucket.
    std::size_t check_rate_limit_per_minute = 600;
    policy::LayerLimits layer;
    DenialLimits denials;
    friend bool operator==(const ServiceLimits&, const ServiceLimits&) = default;
};

// Review: an admin's change would widen the layer; the kernel holds it to
// what its owner accepted until they accept (docs/layer-algebra.md).
enum class LayerState : std::uint8_t { Active, Compiled, Invalid, Failed, Stale, Review };
const char* to_string(LayerState state);

// What the bus shows of a layer (findings only to the owner and root).
// Origin: "admin" (the admin's default, as the admin wrote it), "user", or
// "replaced" (the user's version of an admin's default).
struct LayerView {
    std::uint32_t uid = 0;
    std::string base;
    std::string name;
    std::string kernel_name;
    LayerState state = LayerState::Invalid;
    std::vector<policy::Finding> findings;
    std::uint64_t updated_at = 0;
    bool complain = false;
    std::string origin = "user";
};

struct ApplyOptions {
    bool interactive = false;
    bool strict = false;
    // Complain mode; none: the layer's present mode (enforce for a new layer).
    std::optional<bool> complain;
};

struct CheckResult {
    std::string child_profile;  // empty when a finding is an error
    std::vector<policy::Finding> findings;
};

struct ExplainResult {
    std::string perms;                                         // "owner=rw other=r"
    std::string owner;                                         // "rw": the owner half of perms
    std::string other;                                         // "r"
    std::vector<std::pair<std::string, std::string>> reasons;  // (source, "FILE:LINE:COL: rule")
};

// One place where two layers differ: a path that shows it, and what each
// layer allows there ("owner=rw other=r").
struct DiffRow {
    std::string example;
    std::string perms_a;
    std::string perms_b;
};

// A denial as its owner reads it: the record, with its origin resolved
// (Layer or Base), and what could allow it.
struct DenialView {
    Denial denial;
    // A layer rule that would allow it ("owner /home/u/x r,"); empty when
    // no layer rule can (not a file access, or beyond the base or grant).
    std::string rule;
    // "layer": `rule` in the layer would allow it; "admin": only the admin
    // can (outside the grant, or beyond what the base or grant allow);
    // "": not a file access, so the engine cannot say.
    std::string allow;
    std::string note;  // one sentence for people saying the same
};

// Layer1.ProposeRules: rules learned from the layer's records
// (policy/engine/learn.h), checked as Apply checks the text they make.
struct ProposedRule {
    std::string rule;  // one line of layer text
    std::string why;   // "4 paths under @{HOME}/.mozilla/firefox/x/"
    std::vector<std::string>
        accesses;  // what it allows that was asked: "/path rw", "signal send signal=term"
};
struct UnproposedRecord {
    std::string access;  // as in ProposedRule::accesses
    std::string allow;   // "admin", "layer" or ""
    std::string note;
};
struct LearnOutcome {
    std::vector<ProposedRule> proposals;
    std::vector<UnproposedRecord> unproposed;
    std::string text;      // the layer's text now
    std::string new_text;  // with every proposal added (== text when there is none)
    std::uint64_t dropped = 0;
};

// Manager1.ListGrantRules: one path of a grant's rule, for the caller.
struct GrantRuleRow {
    std::string base;
    std::string kind;   // "allow" or "exclude"
    std::string path;   // expanded for the caller
    std::string owner;  // "owner" or ""
    std::string perms;  // letters as in the grant ("rw", "rix"); "" for exclude
    policy::Location where;
};

// Manager1.ListBases: one base profile.
struct BaseRow {
    std::string name;
    std::string attachment;    // "" when the profile attaches to nothing
    bool granted = false;      // a grant lets the caller layer on it
    std::uint32_t layers = 0;  // the caller's layers on it
};

// RunLayer: a layer for one run of a program, from literal paths
// (policy/engine/one_run.h) after the caller's own layer text.
struct RunRequest {
    std::string base;
    std::vector<policy::OneRunPath> allows;
    std::vector<std::string> denies;
    std::string text;  // layer text put before the paths' rules (aalayer run --layer FILE)
    bool interactive = false;
    bool strict = false;  // refuse on any finding
};
struct RunLayer {
    std::string name;   // "run.<serial>": Explain answers for it, to its owner only
    std::string label;  // what the program changes to on exec: "BASE//&BASE//aalayer.<uid>.run.<serial>"
    std::string text;   // the layer's whole text, which findings' lines refer to
    std::vector<policy::Finding> findings;
};

enum class LayerEvent : std::uint8_t { Added, Changed, Removed };

// The polkit actions (docs/security-model.md, "polkit: who may change layers").
inline constexpr const char* kActionManageOwn = "org.aalayer.manage-own";
inline constexpr const char* kActionManageAny = "org.aalayer.manage-any";
inline constexpr const char* kActionReload = "org.aalayer.reload";

struct Ports {
    const policy::SourceReader& reader;
    LayerStore& store;
    KernelLoader& kernel;
    Authorizer& authorizer;
    const UserDb& users;
    const Clock& clock;
    Executor& executor;
};

// Concurrency: requests run on many threads. Checks and queries never wait
// for a compile. Everything that writes one layer (apply, remove, the
// recompute after a reload) holds that layer's own lock, so two writes of one
// layer are ordered and writes of different layers run in parallel. Each
// request composes with the catalog current when it starts; a reload swaps
// in a new catalog, then recomputes every layer computed with an older one,
// including those an apply was still writing when the reload came.
class LayerManager {
public:
    // Where the manager reports what it found reading grants and bases and
    // recomputing layers, one message a call; aalayerd logs them as
    // warnings. (The bus objects' PriorityLog also takes a syslog priority.)
    using MessageLog = std::function<void(const std::string&)>;

    LayerManager(Ports ports, CatalogConfig catalog, ServiceLimits limits);

    // Grants, bases, stored layers; recompute and load each. Problems (a bad
    // grant file, a layer whose base is gone) are logged through `log` (kept
    // for later recomputes) and leave the layer in a failed or invalid state,
    // never drop it.
    void start(const MessageLog& log);
    // The children start() compiled together and loaded together
    // (docs/service.md, "Start"): how many, in how many parser runs.
    [[nodiscard]] StartLoadStats start_loads() const;
    // Children start() compiles, and loads, in one parser run at most.
    static constexpr std::size_t kStartBatch = 200;
    // Before start(): take layers from `store`'s records where their inputs
    // are unchanged instead of composing them (docs/service.md, "Start"),
    // and keep them there (save_start_records).
    void keep_start_records(StartRecordStore& store);
    // Writes every layer that composed to the store given to
    // keep_start_records (start() and each reload do; aalayerd again at stop).
    void save_start_records(const MessageLog& log);
    // How many layers the last start() took from their records.
    [[nodiscard]] std::size_t started_from_records() const { return from_records_; }

    // The checks that need neither the caller nor the engine (names, and the
    // size of a text or path): the D-Bus edge runs them before queueing.
    static ServiceStatus valid_request(const std::string& base, const std::string& name,
                                       const std::string& text, const ServiceLimits& limits);
    // A path Explain may be asked about: absolute, no NUL, at most 4096 bytes.
    static ServiceStatus valid_path(const std::string& path);
    [[nodiscard]] const ServiceLimits& limits() const { return limits_; }

    Outcome<CheckResult> check(const Caller& caller, const std::string& base, const std::string& name,
                               const std::string& text);
    // `for_uid`: ApplyFor (admin). Returns the layer's findings (warnings, notes).
    Outcome<std::vector<policy::Finding>> apply(const Caller& caller, std::optional<std::uint32_t> for_uid,
                                                const std::string& base, const std::string& name,
                                                const std::string& text, const ApplyOptions& options);
    ServiceStatus remove(const Caller& caller, std::optional<std::uint32_t> for_uid, const std::string& base,
                         const std::string& name, bool interactive, bool force);
    Outcome<std::vector<std::pair<std::string, std::string>>> list_grants(const Caller& caller);
    // The same grants as rows with their source locations.
    Outcome<std::vector<GrantRuleRow>> grant_rules(const Caller& caller);
    Outcome<std::vector<BaseRow>> list_bases(const Caller& caller);
    Outcome<ExplainResult> explain(const Caller& caller, std::uint32_t uid, const std::string& base,
                                   const std::string& name, const std::string& path);
    // Where the caller's layer differs from its base alone (a: the base, b: the layer).
    Outcome<std::vector<DiffRow>> diff_with_base(const Caller& caller, const std::string& base,
                                                 const std::string& name);
    // Where two of the caller's layers differ.
    Outcome<std::vector<DiffRow>> diff(const Caller& caller, const std::string& base,
                                       const std::string& name_a, const std::string& name_b);
    Outcome<std::string> source(const Caller& caller, std::uint32_t uid, const std::string& base,
                                const std::string& name);
    ServiceStatus reload(const Caller& caller, bool interactive, const MessageLog& log);
    // Switches the layer between enforce and complain mode: its stored text
    // composed and loaded again with the other mode (the caller sends no text).
    ServiceStatus set_mode(const Caller& caller, std::optional<std::uint32_t> for_uid,
                           const std::string& base, const std::string& name, bool complain, bool interactive);
    // Accepts what an admin's change made the layer mean (state Review): its
    // stored text applied again, which takes the new child as accepted.
    ServiceStatus accept(const Caller& caller, std::optional<std::uint32_t> for_uid, const std::string& base,
                         const std::string& name, bool interactive);
    // Puts the admin's default layer BASE/NAME back for the caller (or, for
    // an admin, `for_uid`): their version or their removal is forgotten and
    // the admin's text is applied. NoSuchLayer when the base has no such default.
    ServiceStatus reset(const Caller& caller, std::optional<std::uint32_t> for_uid, const std::string& base,
                        const std::string& name, bool interactive);
    // Gives `uid` the admin's default layers it does not have yet (and did
    // not remove): at its first request, for users a directory service does
    // not enumerate. Cheap once done for the uid.
    void ensure_defaults(std::uint32_t uid);
    // The accounts changed (/etc/passwd): people new since start or the last
    // reload get the defaults.
    void people_changed();
    // Whether the caller may read the layer's denials: its owner, root, or
    // manage-any (polkit, never interactive); NoSuchLayer otherwise.
    ServiceStatus may_read_denials(const Caller& caller, const LayerKey& key);
    // The layer's records changed at or after `since_usec` (may_read_denials first).
    Outcome<std::vector<DenialView>> denials(const Caller& caller, const LayerKey& key,
                                             std::uint64_t since_usec, std::uint64_t& dropped);
    // Rules that would allow the layer's records changed at or after
    // `since_usec` (may_read_denials first): generalised, clipped to the
    // grant, and the text they make composed as Apply would compose it.
    Outcome<LearnOutcome> learn(const Caller& caller, const LayerKey& key, std::uint64_t since_usec);
    // The same records, explained, for a caller already allowed (the live notification).
    [[nodiscard]] std::vector<DenialView> explain_denials(const LayerKey& key,
                                                          std::vector<Denial> records) const;
    DenialLog& denial_log() { return denials_; }
    // Before start(): keep denial records in `store` across restarts
    // (keep_denials), or, not keeping, erase what an earlier opt-in saved
    // there. start() loads them; remove() erases the layer's.
    void keep_denials(DenialStore& store, bool keep);
    // Saves the records changed since the last save (keeping only): aalayerd
    // calls it every few seconds and at stop.
    void save_denials();
    // The same without asking polkit: for the service's own file watcher.
    void refresh(const MessageLog& log);

    // A one-run layer for the caller: composed as Apply composes, loaded,
    // never stored, tied to the caller's bus name. It goes once the bus name
    // is gone (run_client_gone) and no process runs under it (sweep_runs).
    Outcome<RunLayer> run_layer(const Caller& caller, const RunRequest& request);
    // The bus name left the bus: its one-run layers go when no process runs
    // under them. Whether it had any (then sweep_runs, off the bus thread).
    bool run_client_gone(const std::string& bus_name);
    // Unloads the one-run layers whose client is gone and under which no
    // process runs; how many whose client is gone are still in use.
    std::size_t sweep_runs();
    // One-run layers alive now (for tests and the log).
    [[nodiscard]] std::size_t runs() const;

    [[nodiscard]] std::vector<LayerView> layers() const;
    [[nodiscard]] std::optional<LayerView> layer(const LayerKey& key) const;
    [[nodiscard]] Backend backend() const { return ports_.kernel.backend(); }

    // Called after each change, with no lock held but the changed layer's own:
    // one layer's events arrive in order. It may call layers() and layer().
    void set_listener(std::function<void(LayerEvent, const LayerKey&)> listener);
    // Called at the end of start() and of each refresh, when the previous catalog is gone.
    void set_after_refresh(std::function<void()> hook);
    // Called after a reload or a re-read by the watcher changed grants or
    // bases (once their layers are recomputed), from the thread that re-read.
    // Set before start().
    void set_catalog_listener(std::function<void(const CatalogChanges&)> listener);

private:
    struct Entry {
        StoredLayer stored;
        LayerState state = LayerState::Invalid;
        std::vector<policy::Finding> findings;
        std::string loaded_text;       // what the kernel holds for the layer (empty: nothing)
        std::uint64_t generation = 0;  // of the catalog it was computed with; 0: not yet
        // What its composition was computed from; none when it did not
        // compose (queries then answer InvalidLayer). The composition itself
        // is kept only while asked about (compositions_).
        std::shared_ptr<const LayerInputs> inputs;
        std::uint64_t version = 0;  // changes each time it is computed; compositions_ keys on it
        // A hash of its composition's child text: a composition built again
        // for a query must be the same one (composition_of).
        std::uint64_t child_sum = 0;
    };
    struct CatalogRef {
        std::shared_ptr<const PolicyCatalog> catalog;
        std::uint64_t generation = 0;
    };

    // The layer's composition: kept from a recent query or apply, or
    // composed again from its stored text for the user it was computed for
    // (NoSuchLayer, or InvalidLayer with its findings).
    Outcome<std::shared_ptr<const policy::Composition>> composition_of(const LayerKey& key) const;
    // The composition of the caller's own valid layer (NoSuchLayer, or InvalidLayer with its findings).
    Outcome<std::shared_ptr<const policy::Composition>> own_composition(const Caller& caller,
                                                                        const std::string& base,
                                                                        const std::string& name);
    void refreshed();
    // A copy of the layer's entry (NoSuchLayer, or a bad base or name).
    Outcome<Entry> entry_of(std::uint32_t uid, const std::string& base, const std::string& name) const;
    // What a recompute loads: the new child, or the one held to what the owner accepted.
    struct Settled {
        std::string child;
        bool review = false;
    };
    Settled held_to_accepted(Entry& entry, const policy::Composition& next, const MessageLog& log) const;

    // With mutex_ held (it reads the catalog for the origin).
    [[nodiscard]] LayerView view_of(const Entry& e) const;
    // With mutex_ held: the admin's defaults made entries for `uids` that
    // have neither it nor its removal, admin entries' texts set to the
    // catalog's. The keys added, and the admin entries whose default is gone.
    struct DefaultsPlan {
        std::set<LayerKey> added;
        std::set<LayerKey> gone;
    };
    DefaultsPlan plan_defaults(const std::vector<std::uint32_t>& uids);
    // Unloads and forgets admin entries whose default the admin took away.
    void drop_gone_defaults(const std::set<LayerKey>& keys, const MessageLog& log);
    // The uids the user database knows (looked up without mutex_ held).
    [[nodiscard]] std::vector<std::uint32_t> known_people(std::vector<std::uint32_t> uids) const;
    // Adds the defaults of `uids` and recomputes the new entries; drops
    // admin entries whose default is gone.
    void apply_defaults(const std::vector<std::uint32_t>& uids, const MessageLog& log);
    // Whether the key's name is one of the admin's defaults for its base:
    // such a layer is outside the user's quota, and removing it is remembered.
    [[nodiscard]] bool is_default(const PolicyCatalog& catalog, const LayerKey& key) const;
    // What a layer whose child went to the backend is: Active in the kernel,
    // Compiled where nothing is loaded.
    [[nodiscard]] LayerState loaded_state() const {
        return backend() == Backend::AppArmor ? LayerState::Active : LayerState::Compiled;
    }
    struct Run {
        std::string bus_name;
        std::string kernel_name;
        bool client_gone = false;
        std::shared_ptr<const policy::Composition> composition;
    };
    // At start: one-run layers a previous aalayerd left in the kernel.
    void adopt_leftover_runs(const MessageLog& log);
    // `retry`: what a caller polkit wants to authenticate can do, for the
    // message (a method without options cannot be called interactively).
    ServiceStatus authorize(
        const Caller& caller, const char* action, bool interactive,
        const char* retry = "call again with interactive=true from a session with a polkit agent");
    ServiceStatus rate_limit(std::uint32_t uid);
    ServiceStatus check_rate_limit(std::uint32_t uid);
    // With `recent` one of recent_ and recent_checks_: counts the request, or refuses it.
    ServiceStatus counted(std::map<std::uint32_t, std::deque<std::uint64_t>>& recent, std::size_t limit,
                          std::uint32_t uid, const char* what);
    Outcome<policy::UserIdentity> user(std::uint32_t uid) const;
    [[nodiscard]] CatalogRef current() const;
    // The base has a grant, and the uid has room for the layer (counting the
    // layers being created now when `reserve`, which then adds this one).
    ServiceStatus admissible(const CatalogRef& catalog, const LayerKey& key, bool reserve);
    // The composition keeps its findings even when it is invalid. `inputs`,
    // when given, gets what it was computed from.
    Outcome<policy::Composition> compose(const PolicyCatalog& catalog, const StoredLayer& layer,
                                         const policy::UserIdentity& identity,
                                         LayerInputs* inputs = nullptr) const;
    // A layer computed afresh: composed and loaded, or its denies alone loaded.
    Entry computed(const PolicyCatalog& catalog, Entry entry, ProfileSnapshot& loaded, const MessageLog& log);
    // Compiles and loads the child; during start() it goes to start_loads_
    // instead, to be compiled and loaded with others, and a refusal comes in
    // finish_start_loads().
    ServiceStatus load_child(const LayerKey& key, const std::string& kernel_name, const std::string& text);
    // After start's recomputes: the children left to compile and load
    // together, and the layers whose child the parser or the kernel refused.
    void finish_start_loads(StartLoads& loads, const MessageLog& log);
    void load_denies_only(const PolicyCatalog& catalog, Entry& entry, const policy::UserIdentity& identity,
                          const MessageLog& log);
    enum class Recomputed : std::uint8_t {
        Current,    // computed with the current catalog already (or gone)
        Skipped,    // nothing it was computed from changed: only marked current
        Unchanged,  // recomputed; what the bus shows of it is the same
        Changed,    // recomputed; what the bus shows of it changed
    };
    // With the layer's lock held: recomputes it if the catalog is newer than
    // the one it was computed with, unless `check` finds its inputs unchanged.
    Recomputed recompute(const LayerKey& key, ProfileSnapshot& loaded, InputsCheck* check,
                         const MessageLog& log);
    // Whether a layer may keep what it was computed with under `catalog`:
    // it composed, the kernel still holds its child, and `check` finds its inputs as they were.
    bool still_current(const PolicyCatalog& catalog, const Entry& entry, ProfileSnapshot& loaded,
                       InputsCheck& check) const;
    // still_current() but for the kernel's list.
    bool inputs_current(const PolicyCatalog& catalog, const Entry& entry, InputsCheck& check) const;
    // During start(): the entry as its start record has it, its recorded
    // child loaded, when the record is for this stored layer and its inputs
    // are unchanged; false (nothing changed) otherwise.
    bool from_start_record(const PolicyCatalog& catalog, Entry& entry);
    // recompute() for each key, several at a time (on the Executor); `done`
    // runs under the key's lock, so one layer's events stay in order. With
    // `check`, layers whose inputs did not change are skipped.
    void recompute_all(const std::vector<LayerKey>& keys, InputsCheck* check, const MessageLog& log,
                       const std::function<void(const LayerKey&, Recomputed)>& done);
    // An apply that polkit allowed, ready to go in: compiled for the kernel
    // and staged on disk, nothing changed yet.
    struct Prepared {
        StoredLayer stored;
        policy::Composition composed;
        std::unique_ptr<CompiledChild> child;
        std::unique_ptr<StagedWrite> staged;
        std::uint64_t generation = 0;  // of the catalog it was composed with
        std::shared_ptr<const LayerInputs> inputs;
    };
    Outcome<Prepared> prepare(StoredLayer stored, policy::Composition composed, std::uint64_t generation,
                              LayerInputs inputs);
    // Under the layer's lock: quota again, load, commit the file, publish.
    Outcome<std::vector<policy::Finding>> commit(const LayerKey& key, Prepared prepared);
    // Puts the kernel back as it was before a failed apply.
    void restore_kernel(const std::string& kernel_name, const std::string& previous_text,
                        const MessageLog& log);
    void notify(LayerEvent event, const LayerKey& key);

    Ports ports_;
    ServiceLimits limits_;
    CatalogConfig catalog_config_;
    // A fingerprint of the settings above that shape a composition (the abi
    // included): a layer computed under others is recomputed.
    std::uint64_t settings_ = 0;
    KeyedLocks<LayerKey> layer_locks_;
    std::mutex refresh_mutex_;  // one reload at a time
    MessageLog log_ = [](const std::string&) {};
    mutable std::mutex mutex_;  // guards everything below; never held across a compose or a parser run
    CatalogRef catalog_;
    std::map<LayerKey, Entry> layers_;
    std::uint64_t next_version_ = 1;
    mutable CompositionCache compositions_;
    std::map<LayerKey, std::size_t> creating_;            // new layers being applied now
    std::set<LayerKey> declined_;                         // admin's defaults their users removed
    std::set<std::uint32_t> defaults_given_;              // uids given the defaults of the current catalog
    std::map<LayerKey, Run> runs_;                        // one-run layers, by (uid, base, run.<serial>)
    std::map<std::uint32_t, std::size_t> starting_runs_;  // per uid: being composed and loaded now
    std::deque<std::string> gone_clients_;  // recent bus names gone, for a run that loads meanwhile
    std::uint64_t next_run_ = 1;
    std::map<std::uint32_t, std::deque<std::uint64_t>> recent_;         // per uid: times of recent requests
    std::map<std::uint32_t, std::deque<std::uint64_t>> recent_checks_;  // per uid: times of recent Checks
    std::function<void(LayerEvent, const LayerKey&)> listener_;
    std::function<void()> after_refresh_;
    std::function<void(const CatalogChanges&)> catalog_listener_;
    DenialLog denials_;                     // its own lock; asks layers_ (under mutex_) which layers exist
    std::unique_ptr<DenialKeeper> keeper_;  // set before start(); its own lock
    // Set only while start() recomputes (before the bus or the watcher can
    // call in); its own lock.
    StartLoads* start_loads_ = nullptr;
    const StartRecords* start_records_ = nullptr;  // what start() read, while it recomputes
    InputsCheck* start_check_ = nullptr;           // the same
    StartRecordStore* record_store_ = nullptr;     // set before start()
    std::atomic<std::size_t> from_records_{0};
    std::mutex record_write_mutex_;  // one write of the records at a time
    StartLoadStats start_stats_;     // written by start() alone
};

// Findings of a layer as text, one per line, for error messages.
std::string format_findings(const std::vector<policy::Finding>& findings);

// The name findings use for a layer's own text: "<name>.layer".
std::string layer_source_name(const std::string& name);

inline LayerKey key_of(const StoredLayer& s) {
    return {s.uid, s.base, s.name};
}

// The child's kernel name: BASE//aalayer.<uid>.<name>.
inline std::string kernel_name_of(const StoredLayer& s) {
    return s.base + "//" + policy::child_name(policy::LayerId{s.uid, s.name});
}

}  // namespace aalayer::service
