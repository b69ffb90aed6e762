// Structured logging: to journald when the service runs under systemd (the
// fields uid, base, layer, action and result are searchable there), else to
// stderr as one line per message.
#pragma once

#include <string>
#include <vector>

namespace aalayer::service {

// priority: syslog levels (3 error, 4 warning, 6 info).
void log_message(int priority, const std::string& message,
                 const std::vector<std::pair<std::string, std::string>>& fields = {});

}  // namespace aalayer::service
