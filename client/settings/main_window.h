// The panel's window: one tab per screen, the service's state in the
// status bar.
#pragma once

#include <QMainWindow>

class QTabWidget;

namespace aalayer::settings {

class Session;
class ProgramsScreen;
class RestrictionsScreen;
class EditorScreen;
class ExplainScreen;
class CompareScreen;
class DenialsScreen;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(Session& session, QWidget* parent = nullptr);

    [[nodiscard]] QTabWidget* tabs() const { return tabs_; }
    [[nodiscard]] ProgramsScreen* programs() const { return programs_; }
    [[nodiscard]] RestrictionsScreen* restrictions() const { return restrictions_; }
    [[nodiscard]] EditorScreen* editor() const { return editor_; }
    [[nodiscard]] ExplainScreen* explainer() const { return explain_; }
    [[nodiscard]] CompareScreen* compare() const { return compare_; }
    [[nodiscard]] DenialsScreen* denials() const { return denials_; }

private:
    QTabWidget* tabs_;
    ProgramsScreen* programs_;
    RestrictionsScreen* restrictions_;
    EditorScreen* editor_;
    ExplainScreen* explain_;
    CompareScreen* compare_;
    DenialsScreen* denials_;
};

}  // namespace aalayer::settings
