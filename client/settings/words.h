// The service's words (states, modes, permission letters, findings) in the
// words a user reads, translatable.
#pragma once

#include <QCoreApplication>
#include <QString>
#include <string>

#include "client/lib/client.h"

namespace aalayer::settings {

class Words {
    Q_DECLARE_TR_FUNCTIONS(Words)
public:
    // active | compiled | review | invalid | failed | stale
    static QString state(const std::string& state);
    static QString mode(const std::string& mode);
    // admin | user | replaced
    static QString origin(const std::string& origin);
    // "rwk" -> "read, write, lock"; "" -> "nothing"
    static QString perms(const std::string& letters);
    // Explain's and Diff's "owner=rw other=r" -> "your files: read, write; others' files: read"
    static QString owner_other(const std::string& perms);
    static QString severity(const std::string& severity);
    // "Line 2, column 1: error: ..."
    static QString finding(const client::Finding& f);
    // base | grant | layer
    static QString source(const std::string& source);
    // A refusal of the service, by its error's short name, with what to do.
    static QString error(const std::string& short_name, const std::string& message);
};

inline QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

}  // namespace aalayer::settings
