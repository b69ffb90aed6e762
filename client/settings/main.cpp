// aalayer-settings: the settings panel (docs/user-guide.md, "Without a
// terminal"). --bus ADDRESS talks to aalayerd on another bus than the
// system bus (the demo's, a test's).
#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <optional>
#include <string>

#include "client/settings/main_window.h"
#include "client/settings/session.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("aalayer-settings"));
    QApplication::setApplicationDisplayName(QApplication::translate("main", "Program restrictions"));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Restrict what programs may do with your files (aalayer)."));
    parser.addHelpOption();
    const QCommandLineOption bus(
        QStringLiteral("bus"),
        QApplication::translate("main", "The bus aalayerd is on, instead of the system bus."),
        QStringLiteral("address"));
    parser.addOption(bus);
    parser.process(app);

    std::optional<std::string> address;
    if (parser.isSet(bus)) address = parser.value(bus).toStdString();
    std::unique_ptr<aalayer::settings::Session> session;
    try {
        session = std::make_unique<aalayer::settings::Session>(address);
    } catch (const std::exception& e) {
        QMessageBox::critical(nullptr, QApplication::translate("main", "Program restrictions"),
                              QApplication::translate("main", "The restriction service cannot be reached: %1")
                                  .arg(QString::fromStdString(e.what())));
        return 1;
    }
    aalayer::settings::MainWindow window(*session);
    window.show();
    return QApplication::exec();
}
