// "Which programs can I restrict?": the bases the admin lets the caller
// layer on, the programs that run under each (their desktop entries'
// names and icons) and what the grant lets the caller decide about there.
#pragma once

#include <QWidget>

class QLabel;
class QTreeWidget;

namespace aalayer::settings {

class Session;

class ProgramsScreen : public QWidget {
    Q_OBJECT
public:
    explicit ProgramsScreen(Session& session, QWidget* parent = nullptr);

private slots:
    void refresh();

private:
    Session& session_;
    QLabel* summary_;
    QTreeWidget* tree_;
};

}  // namespace aalayer::settings
