#include "client/settings/words.h"

#include <QStringList>

namespace aalayer::settings {

QString Words::state(const std::string& state) {
    if (state == "active") return tr("Active");
    if (state == "compiled") return tr("Compiled (not loaded)");
    if (state == "review") return tr("Needs review");
    if (state == "invalid") return tr("Invalid");
    if (state == "failed") return tr("Failed to load");
    if (state == "stale") return tr("Out of date");
    return qs(state);
}

QString Words::mode(const std::string& mode) {
    if (mode == "enforce") return tr("Enforced");
    if (mode == "complain") return tr("Only logged (complain)");
    return qs(mode);
}

QString Words::origin(const std::string& origin) {
    if (origin == "admin") return tr("Administrator's default");
    if (origin == "replaced") return tr("Your version of a default");
    return tr("Yours");
}

QString Words::perms(const std::string& letters) {
    QStringList words;
    for (const char c : letters) {
        switch (c) {
            case 'r': words << tr("read"); break;
            case 'w': words << tr("write"); break;
            case 'a': words << tr("append"); break;
            case 'l': words << tr("link"); break;
            case 'k': words << tr("lock"); break;
            case 'm': words << tr("map as executable"); break;
            case 'x': words << tr("execute"); break;
            default: words << QString(QChar::fromLatin1(c)); break;
        }
    }
    return words.isEmpty() ? tr("nothing") : words.join(tr(", "));
}

QString Words::owner_other(const std::string& perms) {
    const auto space = perms.find(' ');
    const std::string first = perms.substr(0, space);
    const std::string second = space == std::string::npos ? "" : perms.substr(space + 1);
    if (!first.starts_with("owner=") || !second.starts_with("other=")) return qs(perms);
    return tr("your files: %1; others' files: %2")
        .arg(Words::perms(first.substr(6)), Words::perms(second.substr(6)));
}

QString Words::severity(const std::string& severity) {
    if (severity == "error") return tr("error");
    if (severity == "warning") return tr("warning");
    if (severity == "note") return tr("note");
    return qs(severity);
}

QString Words::finding(const client::Finding& f) {
    // Line 0: about the layer as a whole.
    if (f.line == 0) return tr("%1: %2").arg(severity(f.severity), qs(f.message));
    return tr("Line %1, column %2: %3: %4")
        .arg(f.line)
        .arg(f.column)
        .arg(severity(f.severity), qs(f.message));
}

QString Words::source(const std::string& source) {
    if (source == "base") return tr("The program's profile");
    if (source == "grant") return tr("The administrator's grant");
    if (source == "layer") return tr("Your restriction");
    return qs(source);
}

QString Words::error(const std::string& short_name, const std::string& message) {
    if (short_name == "PermissionDenied")
        return tr("Not allowed: %1 (the system's policy decides who may change restrictions)")
            .arg(qs(message));
    if (short_name == "Busy")
        return tr("The service is busy or programs are running under this restriction: %1").arg(qs(message));
    if (short_name == "NotGranted")
        return tr("The administrator does not let you restrict this program: %1").arg(qs(message));
    return tr("%1 (%2)").arg(qs(message), qs(short_name));
}

}  // namespace aalayer::settings
