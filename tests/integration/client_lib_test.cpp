// The client library as a settings panel uses it: typed calls, and change
// notifications (ObjectManager and PropertiesChanged) while another user's
// process and the admin change things; denials of several layers followed at
// once, and the service leaving and coming back (as aalayer notify uses them).
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "client/lib/client.h"
#include "tests/support/service_fixture.h"

namespace aalayer::test {
namespace {

class Events {
public:
    void add(const std::string& path) {
        const std::lock_guard lock(mutex_);
        paths_.push_back(path);
        changed_.notify_all();
    }
    // Waits until `path` has been seen `count` times.
    bool wait_for(const std::string& path, std::size_t count,
                  std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] {
            return static_cast<std::size_t>(std::count(paths_.begin(), paths_.end(), path)) >= count;
        });
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> paths_;
};

TEST(ClientLibrary, TypedCallsAndChangeNotifications) {
    Service s;
    auto client = client::Client::connect(s.bus().address());
    EXPECT_EQ(client->backend(), "compile-only");
    Events events;
    client->subscribe([&](const std::string& path) { events.add(path); });

    // Another user applies a layer: it appears.
    ASSERT_EQ(s.apply(kNobody, "w", "owner @{HOME}/** rw,\n").exit_code, 0) << s.log();
    const std::string path = layer_path(kNobody, "w");
    ASSERT_TRUE(events.wait_for(path, 1)) << "no InterfacesAdded for " << path;
    const auto layers = client->layers();
    ASSERT_EQ(layers.size(), 1U);
    EXPECT_EQ(layers[0].owner, kNobody);
    EXPECT_EQ(layers[0].state, "compiled");
    // Root (this process) may read it.
    EXPECT_EQ(client->source(path), "owner @{HOME}/** rw,\n");

    // The admin narrows the grant: the layer changes state or findings.
    s.set_grant("grant app {\n  owner @{HOME}/** r,\n}\n");
    ASSERT_TRUE(events.wait_for(path, 2)) << "no PropertiesChanged after the grant changed";
    const auto findings = client->findings(path);
    ASSERT_FALSE(findings.empty());
    EXPECT_EQ(findings[0].severity, "warning");
    EXPECT_NE(findings[0].message.find("beyond the grant"), std::string::npos);

    // Removed: InterfacesRemoved.
    ASSERT_EQ(s.call(kNobody, {"remove", "app", "w"}).exit_code, 0);
    ASSERT_TRUE(events.wait_for(path, 3)) << "no InterfacesRemoved";
    EXPECT_TRUE(client->layers().empty());

    // Errors arrive typed.
    try {
        (void)client->explain("app", "nope", "/x");
        ADD_FAILURE() << "no error";
    } catch (const client::CallError& e) {
        EXPECT_EQ(e.short_name(), "NoSuchLayer");
    }
}

// An auditd log line: a read of `path` denied under nobody's layer app/NAME.
std::string record(const std::string& name, const std::string& path, int serial) {
    return "type=AVC msg=audit(1700000000.000:" + std::to_string(serial) +
           "): apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"app//aalayer.65534." + name +
           "\" name=\"" + path +
           "\" pid=4242 comm=\"cat\" requested_mask=\"r\" denied_mask=\"r\" fsuid=65534 ouid=65534";
}

TEST(ClientLibrary, FollowsSeveralLayersAndHearsTheServiceLeaveAndComeBack) {
    TempDir logs;
    ::chmod(logs.path().c_str(), 0755);
    const std::string audit_log = logs.write("audit.log", "");
    Service s({"denial_source=audit-log", "audit_log=" + audit_log});
    ASSERT_EQ(s.apply(kNobody, "a", "owner @{HOME}/a/** r,\n").exit_code, 0);
    ASSERT_EQ(s.apply(kNobody, "b", "owner @{HOME}/b/** r,\n").exit_code, 0);
    auto client = client::Client::connect(s.bus().address());
    Events events;  // "NAME PATH" per record heard; "running" / "gone" for the service
    for (const std::string name : {"a", "b"}) {
        client->follow_denials(layer_path(kNobody, name),
                               [&events, name](const std::vector<client::Denial>& batch) {
                                   for (const auto& d : batch)
                                       events.add(name + " " + d.path);
                               });
    }
    client->watch_service([&events](bool running) { events.add(running ? "running" : "gone"); });
    const auto append = [&](const std::string& line) {
        std::ofstream(audit_log, std::ios::app) << line << "\n";
    };

    append(record("a", "/nonexistent/a/1", 1));
    append(record("b", "/nonexistent/b/1", 2));
    ASSERT_TRUE(events.wait_for("a /nonexistent/a/1", 1)) << s.log();
    ASSERT_TRUE(events.wait_for("b /nonexistent/b/1", 1)) << s.log();

    // b no longer followed: only a's record comes, and b's (written first) not.
    client->unfollow_denials(layer_path(kNobody, "b"));
    append(record("b", "/nonexistent/b/2", 3));
    append(record("a", "/nonexistent/a/2", 4));
    ASSERT_TRUE(events.wait_for("a /nonexistent/a/2", 1));
    EXPECT_FALSE(events.wait_for("b /nonexistent/b/2", 1, std::chrono::milliseconds(300)));

    // The service restarts: heard both ways; following again works.
    s.stop();
    ASSERT_TRUE(events.wait_for("gone", 1));
    s.start();
    ASSERT_TRUE(events.wait_for("running", 1));
    client->follow_denials(layer_path(kNobody, "b"), [&events](const std::vector<client::Denial>& batch) {
        for (const auto& d : batch)
            events.add("b again " + d.path);
    });
    append(record("b", "/nonexistent/b/3", 5));
    ASSERT_TRUE(events.wait_for("b again /nonexistent/b/3", 1)) << s.log();
}

// What a settings panel needs beyond layers: findings of a refused apply
// as values, explain's halves apart, bases and grant rules as rows, and a
// signal when the admin changes a grant (an edit the service watches, and Reload).
TEST(ClientLibrary, PanelApi) {
    Service s;
    auto client = client::Client::connect(s.bus().address());
    try {
        (void)client->apply("app", "w", "owner @{HOME}/** r,\n/usr/bin/x px,\n", {});
        ADD_FAILURE() << "applied a layer with errors";
    } catch (const client::CallError& e) {
        EXPECT_EQ(e.short_name(), "InvalidLayer");
        ASSERT_EQ(e.findings().size(), 1U);
        EXPECT_EQ(e.findings()[0].severity, "error");
        EXPECT_EQ(e.findings()[0].file, "w.layer");
        EXPECT_EQ(e.findings()[0].line, 2U);
        EXPECT_EQ(e.findings()[0].column, 1U);
        EXPECT_NE(e.findings()[0].message.find("exec transition 'px'"), std::string::npos);
    }
    const auto [path, warnings] = client->apply("app", "w", "owner /root/** rw,\n", {});
    EXPECT_EQ(path, layer_path(0, "w"));
    const auto e = client->explain("app", "w", "/root/x");
    EXPECT_EQ(e.owner, "rwa");  // w holds a
    EXPECT_EQ(e.other, "");
    EXPECT_EQ(e.perms, "owner=rwa other=");
    const auto bases = client->bases();
    ASSERT_EQ(bases.size(), 1U);
    EXPECT_EQ(bases[0].name, "app");
    EXPECT_EQ(bases[0].attachment, "/usr/bin/app");
    EXPECT_TRUE(bases[0].granted);
    EXPECT_EQ(bases[0].layers, 1U);
    const auto rules = client->grant_rules();
    ASSERT_EQ(rules.size(), 1U);
    EXPECT_EQ(rules[0].kind, "allow");
    EXPECT_EQ(rules[0].path, "/root/**");
    EXPECT_EQ(rules[0].owner, "owner");
    EXPECT_EQ(rules[0].perms, "rw");
    EXPECT_EQ(rules[0].line, 2U);

    Events events;
    client->watch_admin_changes([&events](const std::string& what, const std::vector<std::string>& names) {
        for (const auto& b : names)
            events.add(what + " " + b);
    });
    s.set_grant("grant app {\n  owner @{HOME}/** r,\n}\n");
    ASSERT_TRUE(events.wait_for("grants app", 1)) << "no GrantsChanged after the grant file changed\n"
                                                  << s.log();
    s.set_grant("grant app {\n  owner @{HOME}/** rw,\n}\n");
    ASSERT_TRUE(events.wait_for("grants app", 2)) << s.log();
    // A new base profile is a BasesChanged (after Reload, or the watch of the profiles).
    std::ofstream(s.dir() + "/profiles/other") << "profile other /usr/bin/other {\n  /usr/** r,\n}\n";
    ASSERT_EQ(s.call(0, {"reload"}).exit_code, 0);
    ASSERT_TRUE(events.wait_for("bases other", 1)) << s.log();
}

// In a sanitizer build the installed library is instrumented: the sample
// needs the same runtime, first in its link.
#if defined(__SANITIZE_ADDRESS__)
constexpr const char* kSanitizerFlags = " -fsanitize=address,undefined";
#elif defined(__SANITIZE_THREAD__)
constexpr const char* kSanitizerFlags = " -fsanitize=thread";
#else
constexpr const char* kSanitizerFlags = "";
#endif

// docs/examples/panel/panel.cpp as a panel author builds it: against the
// installed header, shared library and pkg-config file (meson install into
// a scratch directory), and run against the service.
TEST(ClientLibrary, SamplePanelBuiltAgainstTheInstalledLibrary) {
    const std::string build = env_or("AALAYER_BUILD_ROOT", "");
    const std::string meson = env_or("AALAYER_MESON", "meson");
    ASSERT_FALSE(build.empty());
    TempDir dest;
    const auto install = run_process({meson, "install", "-C", build, "--no-rebuild", "--quiet", "--destdir",
                                      dest.path(), "--tags", "devel,runtime"},
                                     std::chrono::seconds(120));
    ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
    const auto pc = run_process({"find", dest.path(), "-name", "aalayer-client.pc"});
    ASSERT_FALSE(pc.out.empty()) << "no aalayer-client.pc installed";
    const std::string pc_dir = pc.out.substr(0, pc.out.rfind('/'));
    const std::string lib_dir = pc_dir.substr(0, pc_dir.rfind('/'));
    const std::string exe = dest.path() + "/panel";
    const auto compiled = run_process(
        {"sh", "-c",
         "PKG_CONFIG_SYSROOT_DIR='" + dest.path() + "' PKG_CONFIG_PATH='" + pc_dir + "' c++ -std=c++20" +
             kSanitizerFlags + " '" + env_or("AALAYER_SOURCE_ROOT", ".") +
             "/docs/examples/panel/panel.cpp' -o '" + exe + "' $(PKG_CONFIG_SYSROOT_DIR='" + dest.path() +
             "' PKG_CONFIG_PATH='" + pc_dir + "' pkg-config --cflags --libs aalayer-client)"},
        std::chrono::seconds(300));
    ASSERT_EQ(compiled.exit_code, 0) << compiled.out << compiled.err;
    // Linked to the soname, not the static library.
    EXPECT_NE(run_process({"readelf", "-d", exe}).out.find("[libaalayer-client.so.0]"), std::string::npos);

    Service s;
    auto client = client::Client::connect(s.bus().address());
    (void)client->apply("app", "w", "owner /root/** r,\n", {});
    const auto run = run_process({"env", "DBUS_SYSTEM_BUS_ADDRESS=" + s.bus().address(),
                                  "LD_LIBRARY_PATH=" + lib_dir, exe, "app", "owner @{HOME}/** r,"});
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_EQ(run.out,
              "base app attaches to /usr/bin/app, 1 layers\n"
              "layer app/w compiled enforce\n"
              "the text checks\n")
        << run.err;
    const auto refused = run_process({"env", "DBUS_SYSTEM_BUS_ADDRESS=" + s.bus().address(),
                                      "LD_LIBRARY_PATH=" + lib_dir, exe, "app", "/usr/bin/x px,"});
    EXPECT_NE(refused.out.find("draft.layer:1:1: error: exec transition 'px'"), std::string::npos)
        << refused.out << refused.err;
    EXPECT_NE(refused.out.find("the text has errors\n"), std::string::npos);
}

}  // namespace
}  // namespace aalayer::test
