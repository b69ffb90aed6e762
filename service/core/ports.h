// The side effects the service logic needs, each behind a small interface
// injected at start: persistence, the kernel (apparmor_parser), polkit, the
// user database and the clock. Tests inject fakes; aalayerd the real ones.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "policy/engine/identity.h"
#include "policy/syntax/model.h"
#include "service/core/denial_record.h"
#include "service/core/layer_key.h"
#include "service/core/outcome.h"

namespace aalayer::service {

// Who called: the uid the bus authenticated, and the sender's unique name
// (the polkit subject). Never taken from arguments.
struct Caller {
    std::uint32_t uid = 0;
    std::string bus_name;
};

// Whose a layer is (docs/admin-guide.md, "Default layers"). Admin: one of
// the admin's default layers, as the admin wrote it; it follows the admin's
// edits. User: the user's own, or their version of a default. Declined: the
// user removed a default; stored so it does not come back, never loaded.
enum class LayerOrigin : std::uint8_t { User, Admin, Declined };

// One layer as persisted: enough to recompute it from scratch.
struct StoredLayer {
    std::uint32_t uid = 0;
    std::string base;
    std::string name;
    std::string text;
    bool strict = false;
    bool complain = false;
    std::uint64_t updated_at = 0;  // microseconds since the epoch
    // The child its owner last accepted (apply, accept), so an admin's change
    // that would widen the layer is held back (docs/layer-algebra.md); empty
    // in files written before it was kept.
    std::string accepted_child;
    LayerOrigin origin = LayerOrigin::User;
    friend bool operator==(const StoredLayer&, const StoredLayer&) = default;
};

// A layer's new version, written and synced but not yet in force: commit()
// puts it in place atomically; dropped uncommitted, it leaves the old version.
// Staging is the slow part (the data's fsync), so it can overlap other work.
class StagedWrite {
public:
    virtual ~StagedWrite() = default;
    virtual ServiceStatus commit() = 0;
};

class LayerStore {
public:
    virtual ~LayerStore() = default;
    // Every stored layer; files that cannot be read are reported in `problems`
    // (and left in place for the admin), never silently dropped.
    virtual Outcome<std::vector<StoredLayer>> load_all(std::vector<std::string>& problems) = 0;
    virtual Outcome<std::unique_ptr<StagedWrite>> stage(const StoredLayer& layer) = 0;
    // Stage and commit. Atomic: after a crash the old or the new version is there, whole.
    ServiceStatus save(const StoredLayer& layer) {
        auto staged = stage(layer);
        if (!staged) return staged.error();
        return staged.value()->commit();
    }
    virtual ServiceStatus erase(std::uint32_t uid, const std::string& base, const std::string& name) = 0;
};

// One layer's denial records as saved when the admin keeps them across
// restarts (keep_denials, docs/service.md "Denials"): the ring, least
// recently changed first, and how many it had dropped.
struct StoredDenials {
    LayerKey key;
    std::uint64_t dropped = 0;
    std::vector<Denial> records;
};

class DenialStore {
public:
    virtual ~DenialStore() = default;
    // Every saved layer's records; files that cannot be read are reported in
    // `problems` and skipped (saving that layer again replaces them).
    virtual Outcome<std::vector<StoredDenials>> load_all(std::vector<std::string>& problems) = 0;
    // Atomic: after a crash the old or the new version is there, whole.
    virtual ServiceStatus save(const StoredDenials& denials) = 0;
    virtual ServiceStatus erase(const LayerKey& key) = 0;
    // Everything saved (the admin turned keeping off); whether there was anything.
    virtual Outcome<bool> erase_all() = 0;
};

// A child compiled for the kernel and not yet loaded. Compiling is the slow
// part (apparmor_parser builds the automaton) and changes nothing on the
// system, so it may run while the caller is being authorized.
class CompiledChild {
public:
    virtual ~CompiledChild() = default;
    // Loads or replaces the child (never remove + add): on failure the old
    // version stays loaded. KernelRefused with apparmor_parser's message.
    virtual ServiceStatus load() = 0;
    // Whether its binary came from the service's cache: then loading it is
    // the parser run alone (and one the kernel refuses is compiled afresh).
    [[nodiscard]] virtual bool cached() const { return false; }
    // Whether it can go to the kernel in one run with others (a binary, from
    // the cache or freshly compiled): start() loads such children together.
    [[nodiscard]] virtual bool loads_together() const { return cached(); }
};

// What load_together did: one status per child, in order, and how many
// apparmor_parser load runs it took (a cached binary the kernel refused and
// compiled afresh counts as one).
struct TogetherLoad {
    std::vector<ServiceStatus> results;
    std::size_t parser_runs = 0;
    // Why each run of several children failed before they went one by one:
    // the children's own errors say what each was refused for, this what the
    // run as a whole was told (the admin's one line about a slow start).
    std::vector<std::string> failed_runs;
};

// Where children go: the kernel, or nowhere (compile-only: apparmor_parser
// checks and compiles them, nothing is loaded, as in tests and the demo).
enum class Backend : std::uint8_t { AppArmor, CompileOnly };
// "apparmor" or "compile-only": the Backend property and the config value.
inline const char* to_string(Backend backend) {
    return backend == Backend::AppArmor ? "apparmor" : "compile-only";
}
inline std::optional<Backend> backend_from_string(std::string_view text) {
    if (text == "apparmor") return Backend::AppArmor;
    if (text == "compile-only") return Backend::CompileOnly;
    return std::nullopt;
}

// A child's kernel name and text, as compile() takes them.
struct ChildText {
    std::string kernel_name;
    std::string text;
};

// What compile_together did: one result per child, in order; how many
// children it compiled (the rest came from a binary cache) in how many
// apparmor_parser runs.
struct TogetherCompile {
    std::vector<Outcome<std::unique_ptr<CompiledChild>>> results;
    std::size_t compiled = 0;
    std::size_t parser_runs = 0;
};

class KernelLoader {
public:
    virtual ~KernelLoader() = default;
    [[nodiscard]] virtual Backend backend() const = 0;
    // KernelRefused with apparmor_parser's message when the text does not compile.
    virtual Outcome<std::unique_ptr<CompiledChild>> compile(const std::string& kernel_name,
                                                            const std::string& profile_text) = 0;
    // Compile and load.
    ServiceStatus load(const std::string& kernel_name, const std::string& profile_text) {
        auto compiled = compile(kernel_name, profile_text);
        if (!compiled) return compiled.error();
        return compiled.value()->load();
    }
    // compile() for each child, in as few apparmor_parser runs as it can
    // (start compiles a few hundred in one). Each result is what compile()
    // alone would have returned: a child the run could not compile is
    // compiled alone, for its own message.
    virtual TogetherCompile compile_together(const std::vector<ChildText>& children) {
        TogetherCompile out;
        for (const auto& child : children) {
            out.results.push_back(compile(child.kernel_name, child.text));
            ++out.compiled;
            ++out.parser_runs;
        }
        return out;
    }
    // Loads children compile() returned, in as few apparmor_parser runs as it
    // can (one for a few hundred cached binaries). All or nothing per run:
    // when a run fails, each of its children is loaded alone, so one bad
    // entry cannot keep the others out, and each result is exactly what that
    // child's load() would have returned.
    virtual TogetherLoad load_together(std::vector<std::unique_ptr<CompiledChild>>& children) {
        return load_each(children);
    }
    virtual ServiceStatus unload(const std::string& kernel_name) = 0;
    // Whether processes run under the profile now.
    [[nodiscard]] virtual bool in_use(const std::string& kernel_name) = 0;
    // The profiles the kernel holds now (nothing where there is no kernel:
    // then every child counts as held). Read once per start or reload: a
    // reload skips children whose text has not changed, unless something
    // else removed them meanwhile.
    [[nodiscard]] virtual std::optional<std::unordered_set<std::string>> loaded_profiles() = 0;
    // The abi 4.0 classes the children are compiled and enforced with (the
    // parser's abi file and the features it compiles for); none, abi 3.0,
    // where that is not known.
    [[nodiscard]] virtual policy::SystemAbi system_abi() { return {}; }

protected:
    // Each child's load() in turn (no batch): a run per child.
    static TogetherLoad load_each(std::vector<std::unique_ptr<CompiledChild>>& children) {
        TogetherLoad out;
        for (auto& child : children) {
            out.results.push_back(child->load());
            ++out.parser_runs;
        }
        return out;
    }
};

enum class Decision : std::uint8_t { Allowed, Denied, Challenge, Unavailable };

class Authorizer {
public:
    virtual ~Authorizer() = default;
    // Blocks (on a worker thread) until polkit answers; Unavailable when it
    // cannot be asked. The service denies everything but Allowed.
    virtual Decision check(const Caller& caller, const std::string& action, bool interactive) = 0;
};

class UserDb {
public:
    virtual ~UserDb() = default;
    [[nodiscard]] virtual std::optional<policy::UserIdentity> lookup(std::uint32_t uid) const = 0;
    // The people with an account here (uids UID_MIN..UID_MAX of login.defs),
    // who get the admin's default layers without asking. Users a directory
    // service does not enumerate get them at their first request.
    [[nodiscard]] virtual std::vector<std::uint32_t> people() const = 0;
    // Whether the uid is in that range (it may not be enumerable).
    [[nodiscard]] virtual bool is_person(std::uint32_t uid) const = 0;
};

class Clock {
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual std::uint64_t now_usec() const = 0;
};

// Where the kernel's AppArmor audit records come from (docs/service.md,
// "Denials"): auditd's log, the journal or /dev/kmsg. aalayerd runs one on a
// thread of its own, never on the bus thread; tests feed records by hand.
class DenialSource {
public:
    virtual ~DenialSource() = default;
    // "audit-log", "journal", "kmsg" or "none": the DenialSource property.
    [[nodiscard]] virtual std::string name() const = 0;
    // Each record's text, with the time the source stamped it
    // (microseconds since the epoch; 0 when it has none).
    using Sink = std::function<void(std::string_view text, std::uint64_t time_usec)>;
    // Reads the records written since the source was made, until stop(); an
    // error message if it cannot read at all.
    virtual std::optional<std::string> run(const Sink& sink) = 0;
    virtual void stop() = 0;  // any thread; run() returns soon after
};

// The label a running process is confined by: to place a record that names
// only the base profile (the base denied on its own) under the process's layer.
class ProcessLabels {
public:
    virtual ~ProcessLabels() = default;
    // "A//&A//child", without the mode; nothing when the process is gone.
    [[nodiscard]] virtual std::optional<std::string> label_of(std::uint32_t pid) const = 0;
};

// Runs independent pieces of one job side by side (the recompute of every
// layer at start and after a reload). aalayerd lends it the WorkerPool's
// threads, so the service starts threads in one place; tests run it inline.
class Executor {
public:
    virtual ~Executor() = default;
    // Calls fn(i) once for each i < n, some perhaps on other threads, and
    // returns when all have returned. The calling thread takes part, so it
    // completes even when no other thread is free.
    virtual void for_each(std::size_t n, const std::function<void(std::size_t)>& fn) = 0;
};

// for_each on the calling thread alone.
class InlineExecutor final : public Executor {
public:
    void for_each(std::size_t n, const std::function<void(std::size_t)>& fn) override {
        for (std::size_t i = 0; i < n; ++i)
            fn(i);
    }
};

}  // namespace aalayer::service
