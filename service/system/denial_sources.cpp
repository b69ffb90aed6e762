#include "service/system/denial_sources.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "service/core/audit_record.h"

namespace aalayer::service {

namespace {

std::uint64_t wall_usec() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

// A file descriptor closed with its owner.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd& operator=(Fd&& other) noexcept {
        reset();
        fd_ = other.fd_;
        other.fd_ = -1;
        return *this;
    }
    ~Fd() { reset(); }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_ = -1;
};

// The stop half every source shares: an eventfd that run() polls.
class Stoppable : public DenialSource {
public:
    Stoppable() : stop_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
    void stop() override {
        stopped_ = true;
        const std::uint64_t one = 1;
        if (stop_.get() >= 0) (void)!::write(stop_.get(), &one, sizeof one);
    }

protected:
    // Waits for `fd` (may be -1) or the stop; false when stopped.
    bool wait(int fd, short events, int timeout_ms) {
        std::array<pollfd, 2> fds{{{stop_.get(), POLLIN, 0}, {fd, events, 0}}};
        const int n = ::poll(fds.data(), fd >= 0 ? 2 : 1, timeout_ms);
        (void)n;
        return !stopped_;
    }
    [[nodiscard]] bool stopped() const { return stopped_; }

private:
    Fd stop_;
    std::atomic<bool> stopped_{false};
};

class NoSource final : public Stoppable {
public:
    [[nodiscard]] std::string name() const override { return "none"; }
    std::optional<std::string> run(const Sink& /*sink*/) override {
        while (wait(-1, 0, -1)) {
        }
        return std::nullopt;
    }
};

// Each source takes its place ("from now on") when it is made, before the
// service takes its bus name, not when its thread first runs: a record
// written after the service answered is never skipped.
class KmsgSource final : public Stoppable {
public:
    KmsgSource() : fd_(::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC)) {
        if (fd_.get() >= 0) ::lseek(fd_.get(), 0, SEEK_END);
    }
    [[nodiscard]] std::string name() const override { return "kmsg"; }
    std::optional<std::string> run(const Sink& sink) override {
        if (fd_.get() < 0) return "cannot open /dev/kmsg";
        std::array<char, 8192> buf{};
        while (wait(fd_.get(), POLLIN, -1)) {
            while (!stopped()) {
                const ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
                if (n < 0 && errno == EPIPE) continue;  // records overwritten before we read them
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                // One record a read: "PRIO,SEQ,USEC,FLAGS;TEXT\n" and continuation lines.
                std::string_view record(buf.data(), static_cast<std::size_t>(n));
                record = record.substr(0, record.find('\n'));
                if (record.find("apparmor=") != std::string_view::npos) sink(record, wall_usec());
            }
        }
        return std::nullopt;
    }

private:
    Fd fd_;
};

class AuditLogSource final : public Stoppable {
public:
    explicit AuditLogSource(std::string path) : path_(std::move(path)) { open_log(true); }
    [[nodiscard]] std::string name() const override { return "audit-log"; }

    std::optional<std::string> run(const Sink& sink) override {
        Fd notify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
        const auto slash = path_.rfind('/');
        const std::string dir = slash == std::string::npos || slash == 0 ? "/" : path_.substr(0, slash);
        if (notify.get() >= 0)
            ::inotify_add_watch(notify.get(), dir.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO);
        // What was written between the open (at start) and the watch is read
        // in the first round: the file is read before the first wait.
        bool first = true;
        std::string pending;
        std::array<char, 65536> buf{};
        bool behind = false;
        // The timeout also catches a rotation inotify did not report; when
        // the last round stopped short of the end, only the stop is checked.
        while (std::exchange(first, false) || wait(notify.get(), POLLIN, behind ? 0 : 1000)) {
            std::array<char, 4096> events{};
            while (notify.get() >= 0 && ::read(notify.get(), events.data(), events.size()) > 0) {
            }
            if (file_.get() < 0) open_log(false);
            // A round reads at most kRoundBytes: a log growing faster than
            // the service reads it must not keep it from its stop (nor from
            // noticing a rotation). What is not read yet waits in the file,
            // not in memory.
            behind = false;
            for (std::size_t round = 0; file_.get() >= 0 && !stopped(); round += buf.size()) {
                if (round >= kRoundBytes) {
                    behind = true;
                    break;
                }
                const ssize_t n = ::read(file_.get(), buf.data(), buf.size());
                if (n <= 0) break;
                pending.append(buf.data(), static_cast<std::size_t>(n));
                std::size_t start = 0;
                for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
                    const std::string_view line(pending.data() + start, nl - start);
                    if (line.find("apparmor=") != std::string_view::npos) sink(line, wall_usec());
                    start = nl + 1;
                }
                pending.erase(0, start);
                if (pending.size() > kMaxRecordBytes) pending.clear();  // no end of line in sight
            }
            // Rotated (another file at the path) or truncated: the new one from its start.
            struct stat now {};
            struct stat held {};
            if (file_.get() >= 0 && ::stat(path_.c_str(), &now) == 0 && ::fstat(file_.get(), &held) == 0 &&
                (now.st_ino != held.st_ino || now.st_size < ::lseek(file_.get(), 0, SEEK_CUR))) {
                open_log(false);
                pending.clear();
            }
        }
        return std::nullopt;
    }

private:
    static constexpr std::size_t kRoundBytes = 4U * 1024U * 1024U;

    // At start from the end (from now on); a later file from its start.
    void open_log(bool at_end) {
        file_ = Fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
        if (file_.get() >= 0 && at_end) ::lseek(file_.get(), 0, SEEK_END);
    }

    std::string path_;
    Fd file_;
};

class JournalSource final : public Stoppable {
public:
    JournalSource() : since_(wall_usec()) {}
    [[nodiscard]] std::string name() const override { return "journal"; }

    std::optional<std::string> run(const Sink& sink) override {
        sd_journal* j = nullptr;
        if (sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM) < 0)
            return "cannot open the journal";
        const struct Close {
            sd_journal* j;
            ~Close() { sd_journal_close(j); }
        } close{j};
        sd_journal_add_match(j, "_TRANSPORT=kernel", 0);
        sd_journal_add_disjunction(j);
        sd_journal_add_match(j, "_TRANSPORT=audit", 0);
        sd_journal_seek_realtime_usec(j, since_);  // the first entry since the source was made
        const int fd = sd_journal_get_fd(j);
        if (fd < 0) return "cannot watch the journal";
        while (!stopped()) {
            while (sd_journal_next(j) > 0) {
                const void* data = nullptr;
                std::size_t length = 0;
                if (sd_journal_get_data(j, "MESSAGE", &data, &length) < 0) continue;
                std::string_view message(static_cast<const char*>(data), length);
                message.remove_prefix(std::min<std::size_t>(8, message.size()));  // "MESSAGE="
                if (message.find("apparmor=") == std::string_view::npos) continue;
                std::uint64_t usec = 0;
                if (sd_journal_get_realtime_usec(j, &usec) < 0) usec = wall_usec();
                if (usec < since_) continue;  // the seek may land on the closest entry before
                sink(message, usec);
            }
            const int events = sd_journal_get_events(j);
            if (!wait(fd, static_cast<short>(events < 0 ? POLLIN : events), 1000)) break;
            sd_journal_process(j);
        }
        return std::nullopt;
    }

private:
    std::uint64_t since_;
};

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

bool valid_denial_source(const std::string& name) {
    return name == "auto" || name == "audit-log" || name == "journal" || name == "kmsg" || name == "none";
}

std::unique_ptr<DenialSource> make_denial_source(const DenialSourceConfig& config) {
    std::string choice = config.source;
    if (choice == "auto") {
        if (exists(config.audit_log) && (exists("/run/auditd.pid") || exists("/var/run/auditd.pid"))) {
            choice = "audit-log";
        } else if (exists("/run/systemd/journal/socket")) {
            choice = "journal";
        } else if (Fd(::open("/dev/kmsg", O_RDONLY | O_CLOEXEC)).get() >= 0) {
            choice = "kmsg";
        } else {
            choice = "none";
        }
    }
    if (choice == "audit-log") return std::make_unique<AuditLogSource>(config.audit_log);
    if (choice == "journal") return std::make_unique<JournalSource>();
    if (choice == "kmsg") return std::make_unique<KmsgSource>();
    return std::make_unique<NoSource>();
}

std::optional<std::string> ProcLabels::label_of(std::uint32_t pid) const {
    // AppArmor's own file where the kernel has it (several LSMs), else the shared one.
    const std::string dir = "/proc/" + std::to_string(pid) + "/attr/";
    std::string label;
    for (const char* file : {"apparmor/current", "current"}) {
        std::ifstream in(dir + file);
        if (in && std::getline(in, label) && !label.empty()) break;
        label.clear();
    }
    if (label.empty()) return std::nullopt;
    // "A//&B (enforce)": the label without its mode.
    if (label.back() == ')') {
        if (const auto open = label.rfind(" ("); open != std::string::npos) label.resize(open);
    }
    return label;
}

}  // namespace aalayer::service
