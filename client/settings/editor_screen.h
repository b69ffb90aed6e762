// A layer's text in an editor, checked as the user types (Check, 300 ms
// after the last key) with each finding marked at its line and column and
// listed (activating one moves the cursor there), and Apply, which may
// bring polkit's prompt when the admin's rules want one.
#pragma once

#include <QTimer>
#include <QWidget>
#include <vector>

#include "client/lib/client.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QPlainTextEdit;
class QPushButton;

namespace aalayer::settings {

class Session;
struct Outcome;

class EditorScreen : public QWidget {
    Q_OBJECT
public:
    // How long the text rests before it is checked.
    static constexpr int kCheckDelayMs = 300;

    explicit EditorScreen(Session& session, QWidget* parent = nullptr);

    // An existing layer's text, from the service; an empty text for a new one.
    void open_layer(const QString& base, const QString& name);
    void open_new();

signals:
    void applied(const QString& base, const QString& name);

private slots:
    void schedule_check();
    void check_now();
    void apply();
    void go_to_finding(QListWidgetItem* item);
    void refresh_bases();

private:
    void show_findings(const std::vector<client::Finding>& findings);
    void applied_outcome(const QString& base, const QString& name, const Outcome& outcome);
    void update_apply();

    Session& session_;
    QComboBox* base_;
    QLineEdit* name_;
    QPlainTextEdit* text_;
    QListWidget* findings_;
    QLabel* summary_;
    QCheckBox* complain_;
    QPushButton* apply_;
    QTimer check_timer_;
    bool has_errors_ = false;
};

}  // namespace aalayer::settings
