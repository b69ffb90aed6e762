// "My restrictions": the caller's layers per program with their state and
// mode, kept current by the service's signals; edit one, remove one (with
// the refusal while programs run under it explained, and force).
#pragma once

#include <QWidget>
#include <string>

class QLabel;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace aalayer::settings {

class Session;
struct Outcome;

class RestrictionsScreen : public QWidget {
    Q_OBJECT
public:
    explicit RestrictionsScreen(Session& session, QWidget* parent = nullptr);

    // What Remove answered: a refusal while programs run under the layer
    // (Busy) brings the question whether to force. Public for the tests:
    // the compile-only service they run never has processes under a layer.
    void removed(const std::string& base, const std::string& name, bool forced, const Outcome& outcome);

signals:
    void edit_requested(const QString& base, const QString& name);
    void new_requested();

private slots:
    void refresh();
    void edit_selected();
    void remove_selected();

private:
    [[nodiscard]] QTreeWidgetItem* selected_layer() const;
    void update_buttons();

    Session& session_;
    QTreeWidget* tree_;
    QLabel* status_;
    QLabel* hint_;
    QPushButton* edit_;
    QPushButton* remove_;
};

}  // namespace aalayer::settings
