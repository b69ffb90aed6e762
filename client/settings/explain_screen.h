// "Can it read this file?": a path (typed or picked) under one of the
// caller's layers, answered by ExplainAccess: what the file's owner and
// anyone else may do, and the rules that decided.
#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QTreeWidget;

namespace aalayer::settings {

class Session;

class ExplainScreen : public QWidget {
    Q_OBJECT
public:
    explicit ExplainScreen(Session& session, QWidget* parent = nullptr);

public slots:
    void explain();

private slots:
    void pick_file();
    void refresh_layers();

private:
    Session& session_;
    QComboBox* layer_;
    QLineEdit* path_;
    QLabel* owner_;
    QLabel* other_;
    QTreeWidget* reasons_;
};

}  // namespace aalayer::settings
