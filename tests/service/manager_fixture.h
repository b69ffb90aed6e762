// The layer manager as aalayerd runs it, with fakes for polkit, the kernel
// and the user database, a real file store in a temporary directory and
// policy sources in memory: the fixture the service tests share.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/source/memory_reader.h"
#include "service/bus/worker_pool.h"
#include "service/core/layer_manager.h"
#include "service/store/file_store.h"
#include "tests/service/fakes.h"
#include "tests/support/process.h"

namespace aalayer::service {

inline const Caller kAlice{1000, ":1.10"};
inline const Caller kBob{1001, ":1.11"};
inline const Caller kRoot{0, ":1.1"};

inline constexpr const char* kGrant = "grant app {\n  owner @{HOME}/docs/** rw,\n}\n";

// The grants where the fake reader has them, not this build's default
// (AALAYER_CONFDIR: /usr/local/etc/aalayer with the default prefix).
inline CatalogConfig test_catalog_config() {
    CatalogConfig config;
    config.grants_dir = "/etc/aalayer/grants.d";
    return config;
}

class LayerManagerTest : public ::testing::Test {
protected:
    LayerManagerTest() {
        reader.add("/etc/apparmor.d/tunables/global", "@{PROC}=/proc\n");
        reader.add("/etc/apparmor.d/app",
                   "profile app /usr/bin/app {\n  /** r,\n  owner /home/*/** rwk,\n}\n");
        reader.add("/etc/aalayer/grants.d/app.conf", kGrant);
        users.users[1000] = {1000, "alice", "/home/alice"};
        users.users[1001] = {1001, "bob", "/home/bob"};
        auth.allow(1000, kActionManageOwn);
        auth.allow(1001, kActionManageOwn);
        limits.rate_limit_per_minute = 1000;
    }

    LayerManager& manager() {
        if (!manager_) {
            manager_ = std::make_unique<LayerManager>(
                Ports{reader, commits, kernel, auth, users, clock, pool}, catalog_config, limits);
            if (start_records != nullptr) manager_->keep_start_records(*start_records);
            manager_->start([this](const std::string& m) { log.push_back(m); });
        }
        return *manager_;
    }
    void restart() { manager_.reset(); }

    test::TempDir dir;
    policy::MemoryReader reader;
    FileStore store{dir.path() + "/state"};
    test::FailingCommitStore commits{store};
    test::FakeKernelLoader kernel;
    test::FakeAuthorizer auth;
    test::FakeUserDb users;
    test::FakeClock clock;
    // The real pool: the recompute at start and reload runs on it as in aalayerd.
    WorkerPool pool{WorkerPool::Limits{2, 64, 16}};
    ServiceLimits limits;
    CatalogConfig catalog_config = test_catalog_config();
    std::vector<std::string> log;
    StartRecordStore* start_records = nullptr;  // given to the manager before start() when set

private:
    std::unique_ptr<LayerManager> manager_;
};

}  // namespace aalayer::service
