#include "tests/bench/victim.h"

#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include <sdbus-c++/sdbus-c++.h>
#include <unistd.h>

#include "dbus/sdbus_compat.h"
#include "tests/support/measure.h"
#include "tests/support/service_fixture.h"

namespace aalayer::test {

namespace {

using Clock = std::chrono::steady_clock;
using Findings =
    std::vector<sdbus::Struct<std::string, std::uint32_t, std::uint32_t, std::string, std::string>>;

// One client's connection and what it printed; the calls both loops make.
class Client {
public:
    explicit Client(const std::string& address)
        : conn_(sdbus::createSessionBusConnectionWithAddress(address)),
          manager_(
              aalayer::sdbus_compat::create_proxy(*conn_, "org.aalayer.Manager1", "/org/aalayer/Manager1")),
          root_(aalayer::sdbus_compat::create_proxy(*conn_, "org.aalayer.Manager1", "/org/aalayer")) {}

    // "KIND MS" when fn succeeds, "error NAME" when the service says no.
    template <typename Fn>
    void timed(const char* kind, Fn&& fn) {
        const auto t = Clock::now();
        try {
            fn();
            out_ << kind << " " << ms(Clock::now() - t) << "\n";
        } catch (const sdbus::Error& e) {
            out_ << "error " << e.getName() << "\n";
        }
    }
    void list() {
        std::map<sdbus::ObjectPath, std::map<std::string, std::map<std::string, sdbus::Variant>>> objects;
        root_->callMethod("GetManagedObjects")
            .onInterface("org.freedesktop.DBus.ObjectManager")
            .withTimeout(std::chrono::seconds(60))
            .storeResultsTo(objects);
    }
    void check(const std::string& text) {
        std::string child;
        Findings f;
        manager_->callMethod("Check")
            .onInterface("org.aalayer.Manager1")
            .withTimeout(std::chrono::seconds(60))
            .withArguments(std::string("app"), std::string("h"), text)
            .storeResultsTo(child, f);
    }
    void apply(const std::string& name, const std::string& text) {
        sdbus::ObjectPath path;
        Findings f;
        manager_->callMethod("Apply")
            .onInterface("org.aalayer.Manager1")
            .withTimeout(std::chrono::seconds(60))
            .withArguments(std::string("app"), name, text, std::map<std::string, sdbus::Variant>{})
            .storeResultsTo(path, f);
    }
    int print() {
        std::fputs(out_.str().c_str(), stdout);
        return 0;
    }

private:
    std::unique_ptr<sdbus::IConnection> conn_;
    std::unique_ptr<sdbus::IProxy> manager_;
    std::unique_ptr<sdbus::IProxy> root_;
    std::ostringstream out_;
};

}  // namespace

int victim_loop(const std::string& address, double seconds, const std::string& text) {
    Client c(address);
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    for (int i = 0; Clock::now() < end; ++i) {
        c.timed("list", [&] { c.list(); });
        c.timed("check", [&] { c.check(text); });
        if (i % 5 == 0) c.timed("apply", [&] { c.apply("v" + std::to_string(i % 3), text); });
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return c.print();
}

int check_loop(const std::string& address, double seconds, const std::string& text) {
    Client c(address);
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < end)
        c.timed("check", [&] { c.check(text); });
    return c.print();
}

VictimRun parse_victim(const ProcessResult& p) {
    VictimRun r;
    r.exit_code = p.exit_code;
    std::istringstream lines(p.out);
    for (std::string kind, value; lines >> kind >> value;) {
        if (kind == "error") {
            ++r.errors[value];
        } else {
            r.latency[kind].push_back(std::stod(value));
        }
    }
    return r;
}

int victim_failures(const VictimRun& run) {
    int failures = 0;
    for (const auto& [name, count] : run.errors) {
        std::printf("victim error %s: %d\n", name.c_str(), count);
        failures += count;
    }
    for (const char* kind : {"list", "check", "apply"})
        if (run.latency.count(kind) == 0) ++failures;
    if (run.exit_code != 0) ++failures;
    return failures;
}

std::string self_exe() {
    char path[4096] = {};
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    return n > 0 ? std::string(path, static_cast<std::size_t>(n)) : std::string();
}

std::future<ProcessResult> start_as(uid_t uid, std::vector<std::string> argv, double seconds) {
    return std::async(std::launch::async, [uid, argv = std::move(argv), seconds] {
        return run_as(uid, gid_of(uid), argv, std::chrono::seconds(static_cast<long>(seconds) + 120));
    });
}

}  // namespace aalayer::test
