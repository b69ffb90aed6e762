#include "client/settings/main_window.h"

#include <QStatusBar>
#include <QTabWidget>

#include "client/settings/compare_screen.h"
#include "client/settings/denials_screen.h"
#include "client/settings/editor_screen.h"
#include "client/settings/explain_screen.h"
#include "client/settings/programs_screen.h"
#include "client/settings/restrictions_screen.h"
#include "client/settings/session.h"

namespace aalayer::settings {

MainWindow::MainWindow(Session& session, QWidget* parent)
    : QMainWindow(parent),
      tabs_(new QTabWidget(this)),
      programs_(new ProgramsScreen(session, tabs_)),
      restrictions_(new RestrictionsScreen(session, tabs_)),
      editor_(new EditorScreen(session, tabs_)),
      explain_(new ExplainScreen(session, tabs_)),
      compare_(new CompareScreen(session, tabs_)),
      denials_(new DenialsScreen(session, tabs_)) {
    setWindowTitle(tr("Program restrictions"));
    tabs_->setObjectName(QStringLiteral("screens"));
    // Alt+letter switches screens; Ctrl+Tab too (QTabWidget).
    tabs_->addTab(programs_, tr("&Programs"));
    tabs_->addTab(restrictions_, tr("&My restrictions"));
    tabs_->addTab(editor_, tr("E&dit"));
    tabs_->addTab(explain_, tr("Can it &read this file?"));
    tabs_->addTab(compare_, tr("C&ompare"));
    tabs_->addTab(denials_, tr("Den&ied"));
    setCentralWidget(tabs_);

    connect(restrictions_, &RestrictionsScreen::edit_requested, this,
            [this](const QString& base, const QString& name) {
                editor_->open_layer(base, name);
                tabs_->setCurrentWidget(editor_);
            });
    connect(restrictions_, &RestrictionsScreen::new_requested, this, [this] {
        editor_->open_new();
        tabs_->setCurrentWidget(editor_);
    });
    connect(editor_, &EditorScreen::applied, this, [this](const QString& base, const QString& name) {
        statusBar()->showMessage(tr("Applied %1/%2.").arg(base, name), 10000);
    });
    connect(&session, &Session::service_changed, this, [this](bool running) {
        if (running)
            statusBar()->showMessage(tr("The restriction service is back."), 10000);
        else
            statusBar()->showMessage(tr("The restriction service stopped: changes wait until it is back."));
    });
    connect(&session, &Session::problem, this,
            [this](const QString& message) { statusBar()->showMessage(message); });
}

}  // namespace aalayer::settings
