// Compare two of the caller's layers on one base (Diff), or a layer with
// its base alone (DiffWithBase: what the layer takes away), one example
// path per distinct pair of answers.
#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QTreeWidget;

namespace aalayer::settings {

class Session;

class CompareScreen : public QWidget {
    Q_OBJECT
public:
    explicit CompareScreen(Session& session, QWidget* parent = nullptr);

public slots:
    void compare();

private slots:
    void refresh_layers();
    void refresh_second();

private:
    Session& session_;
    QComboBox* first_;
    QComboBox* second_;
    QLabel* summary_;
    QTreeWidget* table_;
};

}  // namespace aalayer::settings
