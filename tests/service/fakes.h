// Stand-ins for the side effects the service logic reaches through its
// ports, for tests that run without a bus, polkit or kernel. Each is named
// Fake*; the real adapters have their own tests.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "service/core/ports.h"

namespace aalayer::test {

class FakeAuthorizer final : public service::Authorizer {
public:
    service::Decision check(const service::Caller& caller, const std::string& action,
                            bool interactive) override {
        const std::lock_guard lock(mutex_);
        calls.push_back({caller.uid, action, interactive});
        if (caller.uid == 0) return service::Decision::Allowed;
        const auto it = decisions.find({caller.uid, action});
        return it == decisions.end() ? service::Decision::Denied : it->second;
    }
    void allow(std::uint32_t uid, const std::string& action) {
        decisions[{uid, action}] = service::Decision::Allowed;
    }

    struct Call {
        std::uint32_t uid;
        std::string action;
        bool interactive;
    };
    std::vector<Call> calls;
    std::map<std::pair<std::uint32_t, std::string>, service::Decision> decisions;

private:
    std::mutex mutex_;
};

class FakeKernelLoader final : public service::KernelLoader {
public:
    std::atomic<int> compiles{0};  // apparmor_parser runs the real one would make
    [[nodiscard]] service::Backend backend() const override { return service::Backend::CompileOnly; }
    service::Outcome<std::unique_ptr<service::CompiledChild>> compile(const std::string& name,
                                                                      const std::string& text) override {
        ++compiles;
        {
            const std::lock_guard lock(mutex_);
            if (refuse_next) {
                refuse_next = false;
                return service::fail(service::ServiceErrorKind::KernelRefused,
                                     "cannot compile " + name + ": refused (fake)");
            }
        }
        bool hit = false;
        {
            const std::lock_guard lock(mutex_);
            if (uncompilable.contains(name)) {
                return service::fail(service::ServiceErrorKind::KernelRefused,
                                     "cannot compile " + name + ": refused (fake)");
            }
            hit = cache_hits;
        }
        return std::unique_ptr<service::CompiledChild>(std::make_unique<Child>(*this, name, text, hit));
    }
    // One "parser run" for the batch, and one more for each child it
    // refuses (compiled alone, for its message). With `compile_each`, the
    // base class's: a run per child.
    service::TogetherCompile compile_together(const std::vector<service::ChildText>& children) override {
        {
            const std::lock_guard lock(mutex_);
            if (!compile_each) compile_sizes_.push_back(children.size());
            max_compile_runs_ = std::max(max_compile_runs_, ++compile_runs_now_);
        }
        struct Done {
            FakeKernelLoader& k;
            ~Done() {
                const std::lock_guard lock(k.mutex_);
                --k.compile_runs_now_;
            }
        } done{*this};
        if (compile_delay.count() > 0) std::this_thread::sleep_for(compile_delay);
        if (compile_each) return KernelLoader::compile_together(children);
        service::TogetherCompile out;
        out.parser_runs = 1;
        for (const auto& c : children) {
            out.results.push_back(compile(c.kernel_name, c.text));
            if (!out.results.back()) ++out.parser_runs;
        }
        out.compiled = children.size();
        return out;
    }
    // The most compile_together calls that ran at once.
    std::size_t max_compile_runs() {
        const std::lock_guard lock(mutex_);
        return max_compile_runs_;
    }
    std::vector<std::size_t> compile_sizes() {
        const std::lock_guard lock(mutex_);
        return compile_sizes_;
    }
    // One "parser run" for the batch; when a child in it is refused, the
    // kernel takes none of them and each is loaded alone.
    service::TogetherLoad load_together(
        std::vector<std::unique_ptr<service::CompiledChild>>& children) override {
        bool refused_one = false;
        {
            const std::lock_guard lock(mutex_);
            ++together_runs_;
            together_sizes_.push_back(children.size());
            for (const auto& c : children)
                refused_one = refused_one || refused.contains(dynamic_cast<const Child&>(*c).name);
        }
        if (refused_one) {
            service::TogetherLoad out = load_each(children);
            ++out.parser_runs;
            out.failed_runs.push_back(std::to_string(children.size()) + " children in one run refused");
            return out;
        }
        service::TogetherLoad out{{}, 1, {}};
        for (auto& c : children)
            out.results.push_back(c->load());
        return out;
    }
    std::size_t together_runs() {
        const std::lock_guard lock(mutex_);
        return together_runs_;
    }
    std::vector<std::size_t> together_sizes() {
        const std::lock_guard lock(mutex_);
        return together_sizes_;
    }
    service::ServiceStatus unload(const std::string& name) override {
        const std::lock_guard lock(mutex_);
        loaded.erase(name);
        return service::Done{};
    }
    bool in_use(const std::string& name) override {
        const std::lock_guard lock(mutex_);
        return busy.contains(name);
    }
    std::optional<std::unordered_set<std::string>> loaded_profiles() override {
        const std::lock_guard lock(mutex_);
        ++profile_list_reads;
        std::unordered_set<std::string> names;
        for (const auto& [name, text] : loaded)
            names.insert(name);
        return names;
    }
    std::size_t loads() {
        const std::lock_guard lock(mutex_);
        return loads_;
    }

    // Loads of a held name wait, as a slow apparmor_parser would, until released.
    void hold(const std::string& name) {
        const std::lock_guard lock(mutex_);
        held_.insert(name);
    }
    void release_all() {
        const std::lock_guard lock(mutex_);
        held_.clear();
        changed_.notify_all();
    }
    // Whether `n` loads are waiting within a few seconds.
    bool wait_for_waiting(std::size_t n) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return waiting_ >= n; });
    }
    std::optional<std::string> loaded_text(const std::string& name) {
        const std::lock_guard lock(mutex_);
        const auto it = loaded.find(name);
        if (it == loaded.end()) return std::nullopt;
        return it->second;
    }

    service::ServiceStatus load_now(const std::string& name, const std::string& text) {
        std::unique_lock lock(mutex_);
        if (refused.contains(name))
            return service::fail(service::ServiceErrorKind::KernelRefused,
                                 "cannot load " + name + ": refused (fake)");
        if (held_.contains(name)) {
            ++waiting_;
            changed_.notify_all();
            changed_.wait(lock, [&] { return !held_.contains(name); });
            --waiting_;
        }
        loaded[name] = text;
        ++loads_;
        return service::Done{};
    }

    // Read and set directly only while no request runs.
    std::map<std::string, std::string> loaded;
    std::size_t profile_list_reads = 0;  // loaded_profiles() calls
    std::set<std::string> busy;
    bool refuse_next = false;
    // Children compile() says came from a binary cache (start loads them together).
    bool cache_hits = false;
    std::set<std::string> refused;               // names whose load the "kernel" refuses
    std::set<std::string> uncompilable;          // names whose compile the "parser" refuses
    bool compile_each = false;                   // compile_together compiles each child alone
    std::chrono::milliseconds compile_delay{0};  // how long each compile_together takes at least

private:
    struct Child final : service::CompiledChild {
        Child(FakeKernelLoader& o, std::string n, std::string t, bool hit)
            : owner(o), name(std::move(n)), text(std::move(t)), from_cache(hit) {}
        service::ServiceStatus load() override { return owner.load_now(name, text); }
        [[nodiscard]] bool cached() const override { return from_cache; }
        FakeKernelLoader& owner;
        std::string name;
        std::string text;
        bool from_cache;
    };
    std::mutex mutex_;
    std::condition_variable changed_;
    std::set<std::string> held_;
    std::size_t waiting_ = 0;
    std::size_t loads_ = 0;
    std::size_t together_runs_ = 0;
    std::vector<std::size_t> together_sizes_;
    std::vector<std::size_t> compile_sizes_;
    std::size_t compile_runs_now_ = 0;
    std::size_t max_compile_runs_ = 0;
};

// A real store whose commits can be made to fail, as a full disk would at rename.
class FailingCommitStore final : public service::LayerStore {
public:
    explicit FailingCommitStore(service::LayerStore& inner) : inner_(inner) {}
    service::Outcome<std::vector<service::StoredLayer>> load_all(
        std::vector<std::string>& problems) override {
        return inner_.load_all(problems);
    }
    service::Outcome<std::unique_ptr<service::StagedWrite>> stage(
        const service::StoredLayer& layer) override {
        if (!fail_commits) return inner_.stage(layer);
        struct Failing final : service::StagedWrite {
            service::ServiceStatus commit() override {
                return service::fail(service::ServiceErrorKind::LimitExceeded,
                                     "cannot replace the file: no space (fake)");
            }
        };
        return std::unique_ptr<service::StagedWrite>(std::make_unique<Failing>());
    }
    service::ServiceStatus erase(std::uint32_t uid, const std::string& base,
                                 const std::string& name) override {
        return inner_.erase(uid, base, name);
    }
    bool fail_commits = false;

private:
    service::LayerStore& inner_;
};

class FakeUserDb final : public service::UserDb {
public:
    [[nodiscard]] std::optional<policy::UserIdentity> lookup(std::uint32_t uid) const override {
        const auto it = users.find(uid);
        if (it == users.end()) return std::nullopt;
        return it->second;
    }
    [[nodiscard]] std::vector<std::uint32_t> people() const override {
        std::vector<std::uint32_t> out;
        for (const auto& [uid, identity] : users)
            if (is_person(uid)) out.push_back(uid);
        return out;
    }
    [[nodiscard]] bool is_person(std::uint32_t uid) const override { return uid >= 1000; }
    std::map<std::uint32_t, policy::UserIdentity> users;
};

// A denial source that hands over the records it was given, then returns:
// the kernel's audit records without a kernel.
class FakeDenialSource final : public service::DenialSource {
public:
    explicit FakeDenialSource(std::vector<std::string> records) : records_(std::move(records)) {}
    [[nodiscard]] std::string name() const override { return "fake"; }
    std::optional<std::string> run(const Sink& sink) override {
        for (const auto& r : records_)
            sink(r, 1);
        return std::nullopt;
    }
    void stop() override {}

private:
    std::vector<std::string> records_;
};

class FakeClock final : public service::Clock {
public:
    [[nodiscard]] std::uint64_t now_usec() const override { return now; }
    std::uint64_t now = 1'700'000'000'000'000ULL;
};

}  // namespace aalayer::test
