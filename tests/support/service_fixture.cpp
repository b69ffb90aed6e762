#include "tests/support/service_fixture.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <signal.h>

namespace aalayer::test {

namespace fs = std::filesystem;

namespace {

const char* const kRules = R"(
polkit.addRule(function(action, subject) {
  if (action.id.indexOf("org.aalayer.") != 0) return polkit.Result.NOT_HANDLED;
  if ((subject.user == "nobody" || subject.user == "daemon") && action.id == "org.aalayer.manage-own")
    return polkit.Result.YES;
  if (subject.user == "sys" && action.id == "org.aalayer.manage-own")
    return polkit.Result.AUTH_SELF;
  if (subject.user == "sys" && action.id == "org.aalayer.reload")
    return polkit.Result.AUTH_ADMIN_KEEP;
  return polkit.Result.NO;
});
)";

const char* const kBase =
    "include <tunables/global>\n"
    "profile app /usr/bin/app {\n"
    "  include <abstractions/base>\n"
    "  /** r,\n"
    "  owner /** rwk,\n"
    "}\n";

Polkitd::Config polkit_config() {
    Polkitd::Config c;
    c.action_files = {env_or("AALAYER_SOURCE_ROOT", ".") + "/polkit/org.aalayer.policy"};
    c.rules = {{"50-aalayer-test", kRules}};
    return c;
}

}  // namespace

gid_t gid_of(uid_t uid) {
    return uid;
}  // nobody 65534:65534, daemon 1:1, bin 2:2, sys 3:3 on Debian

Service::Service(std::vector<std::string> settings) : Service(std::move(settings), {}) {}

Service::Service(std::vector<std::string> settings, std::vector<std::string> env)
    : polkit_(bus_, polkit_config()), settings_(std::move(settings)), env_(std::move(env)) {
    fs::create_directories(dir_.path() + "/profiles");
    fs::create_directories(dir_.path() + "/grants");
    dir_.write("profiles/app", kBase);
    set_grant("grant app {\n  owner @{HOME}/** rw,\n}\n");
    start();
}

Service::~Service() {
    service_.reset();  // SIGTERM: a clean exit, where LeakSanitizer reports
    const std::string text = log();
    for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"}) {
        if (text.find(marker) != std::string::npos) ADD_FAILURE() << "aalayerd: " << marker << "\n" << text;
    }
}

void Service::set_grant(const std::string& text) {
    dir_.write("grants/app.conf", text);
}

void Service::start(std::chrono::seconds wait) {
    BackgroundProcess::Options options;
    options.env = env_;
    options.env.push_back("DBUS_SYSTEM_BUS_ADDRESS=" + bus_.address());
    options.log_path = dir_.path() + "/service.log";
    std::vector<std::string> argv{env_or("AALAYER_DAEMON", "aalayerd"),
                                  "--config",
                                  "/dev/null",
                                  "--set",
                                  "backend=compile-only",
                                  "--set",
                                  "state_dir=" + dir_.path() + "/state",
                                  "--set",
                                  "grants_dir=" + dir_.path() + "/grants",
                                  "--set",
                                  "profiles_dir=" + dir_.path() + "/profiles"};
    for (const auto& setting : settings_) {
        argv.push_back("--set");
        argv.push_back(setting);
    }
    service_.emplace(argv, options);
    if (!bus_.wait_for_name("org.aalayer.Manager1", wait)) {
        throw std::runtime_error("aalayerd did not come up:\n" + log());
    }
}

void Service::stop() {
    service_.reset();
}

void expect_alive(const Service& s) {
    const auto p = s.call(kDaemon, {"ping"});
    EXPECT_EQ(p.exit_code, 0) << p.out << s.log();
    EXPECT_TRUE(s.running()) << s.log();
}

int Service::terminate() {
    const int code = service_->stop();
    service_.reset();
    return code;
}

void Service::kill_polkit() {
    ::kill(polkit_.pid(), SIGKILL);
}

void Service::kill_hard() {
    ::kill(service_->pid(), SIGKILL);
    service_->stop();
    service_.reset();
}

ProcessResult Service::call(uid_t uid, std::vector<std::string> args) const {
    args.insert(args.begin(), {env_or("AALAYER_BUS_CALL", "bus-call"), bus_.address()});
    return run_as(uid, gid_of(uid), args, std::chrono::seconds(90));
}

ProcessResult Service::run_client(uid_t uid, std::vector<std::string> argv,
                                  const std::vector<std::string>& env) const {
    std::vector<std::string> full{"env", "DBUS_SYSTEM_BUS_ADDRESS=" + bus_.address()};
    full.insert(full.end(), env.begin(), env.end());
    full.insert(full.end(), argv.begin(), argv.end());
    return run_as(uid, gid_of(uid), full, std::chrono::seconds(90));
}

std::string Service::text_file(const std::string& text) const {
    static std::atomic<int> n{0};  // tests call it from several threads
    const std::string path = dir_.write("texts/t" + std::to_string(n++) + ".layer", text);
    fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    fs::permissions(dir_.path() + "/texts",
                    fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    return path;
}

ProcessResult Service::apply(uid_t uid, const std::string& name, const std::string& text) const {
    return call(uid, {"apply", "app", name, text_file(text)});
}

std::string Service::log() const {
    std::ifstream in(dir_.path() + "/service.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string layer_path(uid_t uid, const std::string& name) {
    return "/org/aalayer/layers/" + std::to_string(uid) + "/app/" + name;
}

}  // namespace aalayer::test
