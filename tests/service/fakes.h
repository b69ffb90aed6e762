// Stand-ins for the side effects the service logic reaches through its
// ports, for tests that run without a bus, polkit or kernel. Each is named
// Fake*; the real adapters have their own tests.
#pragma once

#include <map>
#include <mutex>
#include <set>

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
    [[nodiscard]] std::string backend() const override { return "compile-only"; }
    service::Status load(const std::string& name, const std::string& text) override {
        if (refuse_next) {
            refuse_next = false;
            return service::fail(service::ErrorKind::KernelRefused,
                                 "cannot load " + name + ": refused (fake)");
        }
        loaded[name] = text;
        return service::Done{};
    }
    service::Status unload(const std::string& name) override {
        loaded.erase(name);
        return service::Done{};
    }
    bool in_use(const std::string& name) override { return busy.contains(name); }

    std::map<std::string, std::string> loaded;
    std::set<std::string> busy;
    bool refuse_next = false;
};

class FakeUserDb final : public service::UserDb {
public:
    [[nodiscard]] std::optional<policy::UserIdentity> lookup(std::uint32_t uid) const override {
        const auto it = users.find(uid);
        if (it == users.end()) return std::nullopt;
        return it->second;
    }
    std::map<std::uint32_t, policy::UserIdentity> users;
};

class FakeClock final : public service::Clock {
public:
    [[nodiscard]] std::uint64_t now_usec() const override { return now; }
    std::uint64_t now = 1'700'000'000'000'000ULL;
};

}  // namespace aalayer::test
