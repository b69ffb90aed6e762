// One-run layers (Manager1.RunLayer) on a private bus with the real polkitd
// and apparmor_parser, compile-only: a client of another uid (a forked
// process using the client library) holds the layer; it is there while
// the client lives, for its owner alone, and gone after the client exits
// or is SIGKILLed; it is outside the quota and has its own cap. The CLI
// shows the findings before it would start the program. (Confinement of
// the program itself: tests/kernel/service_test.sh.)
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/lib/client.h"
#include "tests/support/service_fixture.h"

namespace aalayer::test {
namespace {

// A client process of `uid` that asks for one-run layers, one a line of
// `requests` (paths separated by '\n' in each), reports "ok NAME" or
// "error SHORTNAME" per request, then holds its connection until told to go.
class RunClient {
public:
    RunClient(const Service& s, uid_t uid, const std::vector<std::vector<std::string>>& requests) {
        int up[2];
        int down[2];
        if (::pipe(up) != 0 || ::pipe(down) != 0) throw std::runtime_error("pipe");
        pid_ = ::fork();
        if (pid_ == 0) {
            // Other clients' control pipes too: held here, they would never see EOF.
            for (int fd = 3; fd < 1024; ++fd)
                if (fd != up[1] && fd != down[0]) ::close(fd);
            std::string report;
            if (::setgroups(0, nullptr) != 0 || ::setgid(gid_of(uid)) != 0 || ::setuid(uid) != 0) {
                report = "error setuid\n";
            } else {
                try {
                    auto c = client::Client::connect(s.bus().address());
                    for (const auto& paths : requests) {
                        std::vector<client::RunPath> allow;
                        for (const auto& p : paths)
                            allow.push_back({p, ""});
                        try {
                            report += "ok " + c->run_layer("app", allow, {}, "", {}).name + "\n";
                        } catch (const client::CallError& e) {
                            report += "error " + e.short_name() + "\n";
                        }
                    }
                    report += "done\n";
                    (void)!::write(up[1], report.data(), report.size());
                    char byte = 0;
                    (void)!::read(down[0], &byte, 1);  // EOF: the test lets it go
                    ::_exit(0);
                } catch (const std::exception& e) {
                    report += std::string("error ") + e.what() + "\n";
                }
            }
            (void)!::write(up[1], report.data(), report.size());
            ::_exit(1);
        }
        ::close(up[1]);
        ::close(down[0]);
        control_ = down[1];
        std::string text;
        char buf[256];
        while (text.find("done\n") == std::string::npos) {
            const ssize_t n = ::read(up[0], buf, sizeof buf);
            if (n <= 0) break;
            text.append(buf, static_cast<std::size_t>(n));
        }
        ::close(up[0]);
        std::size_t start = 0;
        for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
            if (text.compare(start, end - start, "done") != 0)
                answers.push_back(text.substr(start, end - start));
    }
    ~RunClient() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            exit();
        }
    }
    RunClient(const RunClient&) = delete;
    RunClient& operator=(const RunClient&) = delete;

    // It closes its connection and exits, as a program's parent does.
    void exit() {
        if (control_ >= 0) ::close(control_);
        control_ = -1;
        if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    void kill_hard() {
        ::kill(pid_, SIGKILL);
        exit();
    }

    std::vector<std::string> answers;

private:
    pid_t pid_ = -1;
    int control_ = -1;
};

std::string explain(const Service& s, uid_t uid, const std::string& name, const std::string& path) {
    const auto r = s.call(uid, {"explain", "app", name, path});
    if (r.exit_code != 0) return "failed: " + r.out + r.err;  // bus-call writes the D-Bus error to stdout
    return r.out.substr(0, r.out.find('\n'));
}

// Polls until the layer is gone for its owner (the service unloads it off the bus thread).
bool gone(const Service& s, uid_t uid, const std::string& name) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        if (explain(s, uid, name, "/x").find("NoSuchLayer") != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

const std::string kOdd = "/nonexistent/report [final].txt";

TEST(OneRun, HeldByItsClientForItsOwnerOnlyGoneAfterItExits) {
    Service s;
    RunClient client(s, kNobody, {{kOdd, "/nonexistent/a{b}", "/nonexistent/*"}});
    ASSERT_EQ(client.answers, std::vector<std::string>{"ok run.1"}) << s.log();
    // Odd names are matched exactly, and only they.
    EXPECT_EQ(explain(s, kNobody, "run.1", kOdd), "perms owner=r other=");
    // ExplainAccess, the panel's form, answers for it too.
    const auto access = s.call(kNobody, {"explain-access", "app", "run.1", kOdd});
    EXPECT_EQ(access.exit_code, 0) << access.out << access.err;
    EXPECT_TRUE(access.out.starts_with("owner r\nother \n")) << access.out;
    EXPECT_EQ(explain(s, kNobody, "run.1", "/nonexistent/a{b}"), "perms owner=r other=");
    EXPECT_EQ(explain(s, kNobody, "run.1", "/nonexistent/*"), "perms owner=r other=");
    EXPECT_EQ(explain(s, kNobody, "run.1", "/nonexistent/report f.txt"), "perms owner= other=");
    EXPECT_EQ(explain(s, kNobody, "run.1", "/nonexistent/ab"), "perms owner= other=");
    EXPECT_EQ(explain(s, kNobody, "run.1", "/nonexistent/x"), "perms owner= other=");
    // Another user cannot see or ask about it.
    EXPECT_NE(explain(s, kDaemon, "run.1", kOdd).find("NoSuchLayer"), std::string::npos);
    for (const uid_t uid : {kDaemon, kNobody}) {
        const auto list = s.run_client(uid, {env_or("AALAYER_CLI", "aalayer"), "list", "--all"});
        EXPECT_EQ(list.exit_code, 0) << list.err;
        EXPECT_EQ(list.out.find("run."), std::string::npos) << list.out;
    }
    // Nothing on disk.
    const std::string stored = s.state_dir() + "/layers";
    EXPECT_TRUE(!std::filesystem::exists(stored) || std::filesystem::is_empty(stored)) << stored;
    client.exit();
    EXPECT_TRUE(gone(s, kNobody, "run.1")) << s.log();
    expect_alive(s);
}

TEST(OneRun, GoneAfterItsClientIsKilled) {
    Service s;
    RunClient client(s, kNobody, {{kOdd}});
    ASSERT_EQ(client.answers, std::vector<std::string>{"ok run.1"}) << s.log();
    EXPECT_EQ(explain(s, kNobody, "run.1", kOdd), "perms owner=r other=");
    client.kill_hard();
    EXPECT_TRUE(gone(s, kNobody, "run.1")) << s.log();
}

TEST(OneRun, OutsideTheQuotaWithACapOfItsOwn) {
    Service s({"max_layers_per_user=1", "max_runs_per_user=2", "rate_limit_per_minute=1000"});
    RunClient client(s, kNobody, {{"/nonexistent/a"}, {"/nonexistent/b"}, {"/nonexistent/c"}});
    EXPECT_EQ(client.answers, (std::vector<std::string>{"ok run.1", "ok run.2", "error LimitExceeded"}))
        << s.log();
    // The runs take no place in the quota: the one layer allowed still goes in.
    ASSERT_EQ(s.apply(kNobody, "w", "owner @{HOME}/** r,\n").exit_code, 0) << s.log();
    // Another user's cap is theirs.
    RunClient other(s, kDaemon, {{"/usr/sbin/x"}});
    EXPECT_EQ(other.answers, std::vector<std::string>{"ok run.3"}) << s.log();
    client.exit();
    EXPECT_TRUE(gone(s, kNobody, "run.1"));
    EXPECT_TRUE(gone(s, kNobody, "run.2"));
    RunClient again(s, kNobody, {{"/nonexistent/a"}});
    EXPECT_EQ(again.answers, std::vector<std::string>{"ok run.4"}) << s.log();
}

TEST(OneRun, CliShowsFindingsBeforeTheProgramAndStrictRefuses) {
    Service s;
    const std::string cli = env_or("AALAYER_CLI", "aalayer");
    // compile-only: AppArmor is not here to run under, so the CLI stops after the findings.
    const auto r =
        s.run_client(kNobody, {cli, "run", "app", "--allow", kOdd, "--allow", "/etc/passwd", "--", "true"});
    EXPECT_EQ(r.exit_code, 6) << r.err;
    EXPECT_EQ(r.err,
              "run.1:2:1: warning: allows /etc/passwd, outside the grant for app; clipped\n"
              "aalayer: AppArmor is not enabled in this kernel: refusing to run unconfined\n");
    EXPECT_TRUE(gone(s, kNobody, "run.1")) << s.log();
    const auto strict =
        s.run_client(kNobody, {cli, "run", "app", "--strict", "--allow", "/etc/passwd", "--", "true"});
    EXPECT_EQ(strict.exit_code, 1) << strict.err;
    EXPECT_NE(strict.err.find("strict: not started"), std::string::npos) << strict.err;
    const auto dots =
        s.run_client(kNobody, {cli, "run", "app", "--allow", "/nonexistent/../etc/x", "--", "true"});
    EXPECT_NE(dots.err.find("'.' or '..'"), std::string::npos) << dots.err;
}

}  // namespace
}  // namespace aalayer::test
