#include "client/settings/desktop_icon.h"

#include <QFile>
#include <QFileInfo>
#include <QTextStream>

namespace aalayer::settings {

QIcon desktop_icon(const std::string& path) {
    QFile file(QString::fromStdString(path));
    QString icon;
    if (file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        QTextStream in(&file);
        bool main_group = false;
        while (!in.atEnd()) {
            const QString line = in.readLine().trimmed();
            if (line.startsWith(QLatin1Char('['))) {
                main_group = line == QLatin1String("[Desktop Entry]");
            } else if (main_group && line.startsWith(QLatin1String("Icon="))) {
                icon = line.mid(5).trimmed();
                break;
            }
        }
    }
    QIcon fallback = QIcon::fromTheme(QStringLiteral("application-x-executable"));
    if (icon.isEmpty()) return fallback;
    if (QFileInfo(icon).isAbsolute()) return QIcon(icon);
    return QIcon::fromTheme(icon, fallback);
}

}  // namespace aalayer::settings
