// "My restrictions": the caller's layers per program with their state and
// mode, kept current by the service's signals; edit one, remove one (with
// the refusal while programs run under it explained, and force); show the
// selected one's program in the user's menu (a launcher, as aalayer
// launcher writes: client/lib/launcher_files.h).
#pragma once

#include <QWidget>
#include <string>
#include <vector>

class QCheckBox;
class QFileSystemWatcher;
class QLabel;
class QPushButton;
class QVBoxLayout;
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

protected:
    // The launchers may have changed meanwhile (aalayer launcher in a terminal).
    void showEvent(QShowEvent* event) override;

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
    // The selected layer's "Show ... in my menu", one for each desktop entry
    // that starts its base; rebuilt only when another layer is selected.
    void show_launchers();
    // Their check marks from the launcher files, and the directories watched.
    void sync_launchers();
    void toggle_launcher(QCheckBox* box, bool on);

    Session& session_;
    QTreeWidget* tree_;
    QLabel* status_;
    QLabel* hint_;
    QPushButton* edit_;
    QPushButton* remove_;
    QPushButton* create_;
    QVBoxLayout* launchers_;
    QFileSystemWatcher* watcher_;
    // The layer the launcher boxes are for ("" for none), and the boxes.
    std::string launchers_base_;
    std::string launchers_name_;
    std::vector<QCheckBox*> launcher_boxes_;
    bool refreshing_ = false;
};

}  // namespace aalayer::settings
