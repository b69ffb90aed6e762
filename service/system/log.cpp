#include "service/system/log.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <sys/uio.h>
#include <systemd/sd-journal.h>

namespace aalayer::service {

void log_message(int priority, const std::string& message,
                 const std::vector<std::pair<std::string, std::string>>& fields) {
    static std::mutex mutex;
    const std::lock_guard lock(mutex);
    if (std::getenv("JOURNAL_STREAM") != nullptr || std::getenv("INVOCATION_ID") != nullptr) {
        std::vector<std::string> parts{"MESSAGE=" + message, "PRIORITY=" + std::to_string(priority),
                                       "SYSLOG_IDENTIFIER=aalayerd"};
        for (const auto& [k, v] : fields)
            parts.push_back("AALAYER_" + k + "=" + v);
        std::vector<iovec> iov;
        iov.reserve(parts.size());
        for (auto& p : parts)
            iov.push_back(iovec{p.data(), p.size()});
        if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) == 0) return;
    }
    std::string line = "aalayerd: " + message;
    for (const auto& [k, v] : fields)
        line += " " + k + "=" + v;
    std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace aalayer::service
