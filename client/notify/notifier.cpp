#include "client/notify/notifier.h"

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include <spawn.h>
#include <unistd.h>

#include "client/cli/exit_codes.h"
#include "client/notify/desktop_notifications.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): posix_spawnp's

namespace aalayer::notify {

namespace {

// Microseconds since the epoch, the clock of the records' `last`.
std::uint64_t now_usec() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

// What the library's threads hand to the notifier's own: everything is
// decided and sent from one thread.
struct Event {
    enum class Kind { Layers, Denials, Service, Action, Closed };
    Kind kind = Kind::Layers;
    std::string path = {};
    std::vector<client::Denial> records = {};
    bool running = false;
    std::uint32_t id = 0;
    std::string action = {};
};

class Queue {
public:
    void push(Event e) {
        {
            const std::lock_guard lock(mutex_);
            events_.push_back(std::move(e));
        }
        ready_.notify_one();
    }
    // The events so far, waiting for one until `until` (forever without).
    std::deque<Event> take(std::optional<Clock::time_point> until) {
        std::unique_lock lock(mutex_);
        const auto any = [this] { return !events_.empty(); };
        if (until) {
            ready_.wait_until(lock, *until, any);
        } else {
            ready_.wait(lock, any);
        }
        return std::exchange(events_, {});
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Event> events_;
};

class Notifier {
public:
    Notifier(client::Client& c, const Options& o, std::FILE* log)
        : c_(c),
          o_(o),
          log_(log),
          policy_(o.settings),
          uid_(static_cast<std::uint32_t>(::geteuid())),
          desktop_({.action_invoked =
                        [this](std::uint32_t id, const std::string& action) {
                            queue_.push({.kind = Event::Kind::Action, .id = id, .action = action});
                        },
                    .closed =
                        [this](std::uint32_t id) { queue_.push({.kind = Event::Kind::Closed, .id = id}); }}) {
    }

    [[noreturn]] void run() {
        c_.watch_service(
            [this](bool running) { queue_.push({.kind = Event::Kind::Service, .running = running}); });
        c_.subscribe(
            [this](const std::string& path) { queue_.push({.kind = Event::Kind::Layers, .path = path}); });
        sync();
        while (true) {
            bool resync = false;
            for (auto& e : queue_.take(policy_.next_due())) {
                switch (e.kind) {
                    case Event::Kind::Layers: resync = true; break;
                    case Event::Kind::Denials: denials(e.path, e.records); break;
                    case Event::Kind::Service: service(e.running); break;
                    case Event::Kind::Action: action(e.id, e.action); break;
                    case Event::Kind::Closed: closed(e.id); break;
                }
            }
            if (resync) sync();
            show(policy_.due(Clock::now()));
        }
    }

private:
    struct Shown {
        LayerName layer;
        bool can_allow = false;
    };

    void say(const std::string& line) {
        std::fprintf(log_, "aalayer notify: %s\n", line.c_str());
        std::fflush(log_);
    }

    // Follows the user's layers that are new, and leaves those gone.
    void sync() {
        std::vector<client::Layer> layers;
        try {
            layers = c_.layers();
        } catch (const client::CallError& e) {
            say(std::string("the aalayer service is not available (") + e.what() + "); waiting for it");
            return;
        }
        std::set<std::string> present;
        for (const auto& l : layers) {
            if (l.owner != uid_) continue;
            present.insert(l.object_path);
            if (!followed_.contains(l.object_path)) follow({l.object_path, l.base, l.name});
        }
        for (auto it = followed_.begin(); it != followed_.end();) {
            if (present.contains(it->first)) {
                ++it;
                continue;
            }
            c_.unfollow_denials(it->first);
            policy_.forget(it->first);
            say("layer " + layer_text(it->second) + " is gone");
            it = followed_.erase(it);
        }
    }

    void follow(const LayerName& layer) {
        const std::string path = layer.object_path;
        try {
            c_.follow_denials(path, [this, path](const std::vector<client::Denial>& batch) {
                queue_.push({.kind = Event::Kind::Denials, .path = path, .records = batch});
            });
            // Subscribed first, then read: nothing falls between the two;
            // what comes both ways is told apart by its count.
            const auto [records, dropped] = c_.denials(path, 0);
            followed_[path] = layer;
            refused_.erase(path);
            // What happened before we looked is not news (aalayer log has it).
            std::vector<client::Denial> old;
            std::vector<client::Denial> news;
            for (const auto& d : records)
                (d.last >= news_since_ ? news : old).push_back(d);
            policy_.baseline(layer, old);
            show(policy_.add(layer, news, Clock::now()));
            say("following " + layer_text(layer));
        } catch (const client::CallError& e) {
            // Once per layer and reason: a sync comes with every layer change.
            if (refused_[path] != e.what()) say("cannot follow " + layer_text(layer) + ": " + e.what());
            refused_[path] = e.what();
        }
    }

    void denials(const std::string& path, const std::vector<client::Denial>& records) {
        const auto it = followed_.find(path);
        if (it != followed_.end()) show(policy_.add(it->second, records, Clock::now()));
    }

    void service(bool running) {
        // A service that left or restarted has forgotten every subscription,
        // and its records restart their counts.
        for (const auto& [path, layer] : followed_)
            policy_.restarted(path);
        followed_.clear();
        if (!running) {
            say("the aalayer service left the bus; waiting for it");
            news_since_ = now_usec();
            return;
        }
        say("the aalayer service is back: following again");
        sync();
    }

    void show(const std::vector<Notice>& notices) {
        for (const auto& n : notices) {
            try {
                const auto caps = desktop_.capabilities();
                const auto has = [&caps](const char* cap) {
                    return std::find(caps.begin(), caps.end(), cap) != caps.end();
                };
                std::vector<std::pair<std::string, std::string>> actions;
                if (has("actions")) {
                    // "default": a click on the notice; GNOME shows no button for it.
                    actions = {{"default", "Show log"}, {"log", "Show log"}};
                    if (n.can_allow) actions.emplace_back("learn", "Allow…");
                }
                const auto last = last_id_.find(n.layer.object_path);
                const std::uint32_t replaces = last != last_id_.end() ? last->second : 0;
                const std::uint32_t id = desktop_.notify(
                    replaces, n.summary, has("body-markup") ? escape_markup(n.body) : n.body, actions);
                if (replaces != 0 && replaces != id) shown_.erase(replaces);
                shown_[id] = {n.layer, n.can_allow};
                last_id_[n.layer.object_path] = id;
                say("notice " + std::to_string(id) + ": " + n.summary);
            } catch (const std::runtime_error& e) {
                say(std::string("no notice shown (") + e.what() + "): " + n.summary);
            }
        }
    }

    void action(std::uint32_t id, const std::string& key) {
        const auto it = shown_.find(id);
        if (it == shown_.end()) return;  // another program's notification
        const std::string layer = layer_text(it->second.layer);
        std::vector<std::string> argv{o_.terminal, "-e", o_.aalayer};
        if (key == "default" || key == "log") {
            argv.insert(argv.end(), {"log", layer, "--follow"});
        } else if (key == "learn" && it->second.can_allow) {
            argv.insert(argv.end(), {"learn", layer});
        } else {
            return;
        }
        spawn(argv);
    }

    void closed(std::uint32_t id) {
        const auto it = shown_.find(id);
        if (it == shown_.end()) return;
        const auto last = last_id_.find(it->second.layer.object_path);
        if (last != last_id_.end() && last->second == id) last_id_.erase(last);
        shown_.erase(it);
    }

    void spawn(const std::vector<std::string>& argv) {
        std::vector<char*> args;
        args.reserve(argv.size() + 1);
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
        args.push_back(nullptr);
        // The notifier ignores SIGCHLD (children reaped by the kernel); the
        // terminal gets the default back, or its shell could not wait.
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t defaults;
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGCHLD);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
        pid_t pid = 0;
        const int error = posix_spawnp(&pid, args[0], nullptr, &attr, args.data(), environ);
        posix_spawnattr_destroy(&attr);
        std::string line;
        for (const auto& a : argv)
            line += (line.empty() ? "" : " ") + a;
        say(error == 0 ? "ran " + line : "cannot run " + line + ": " + std::strerror(error));
    }

    client::Client& c_;
    const Options& o_;
    std::FILE* log_;
    NoticePolicy policy_;
    std::uint32_t uid_;
    Queue queue_;
    DesktopNotifications desktop_;
    // Records whose last occurrence is at or after this are news when a layer is (re)followed.
    std::uint64_t news_since_ = now_usec();
    std::map<std::string, LayerName> followed_;     // by object path
    std::map<std::string, std::string> refused_;    // object path -> why it could not be followed
    std::map<std::uint32_t, Shown> shown_;          // notification id -> its layer
    std::map<std::string, std::uint32_t> last_id_;  // object path -> its notice on screen
};

}  // namespace

int run_notifier(client::Client& c, const Options& options, std::FILE* log) {
    std::signal(SIGCHLD, SIG_IGN);
    std::unique_ptr<Notifier> n;
    try {
        n = std::make_unique<Notifier>(c, options, log);
    } catch (const std::runtime_error& e) {
        std::fprintf(log, "aalayer notify: %s\n", e.what());
        return cli::kServiceUnavailable;
    }
    n->run();
}

}  // namespace aalayer::notify
