#include "client/settings/restrictions_screen.h"

#include <QCheckBox>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <map>

#include "client/lib/desktop_entries.h"
#include "client/lib/launcher_files.h"
#include "client/settings/session.h"
#include "client/settings/words.h"

namespace aalayer::settings {

namespace {

constexpr int kBaseRole = Qt::UserRole;
constexpr int kNameRole = Qt::UserRole + 1;
// On a launcher box: the application's desktop file ID, and "PROGRAM (LAYER)".
constexpr const char* kDesktopId = "desktopId";
constexpr const char* kShownName = "shownName";

}  // namespace

RestrictionsScreen::RestrictionsScreen(Session& session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      tree_(new QTreeWidget(this)),
      status_(new QLabel(this)),
      hint_(new QLabel(tr("You have no restrictions yet: New… writes one."), this)),
      edit_(new QPushButton(tr("&Edit…"), this)),
      remove_(new QPushButton(tr("Re&move…"), this)),
      create_(new QPushButton(tr("&New…"), this)),
      launchers_(new QVBoxLayout),
      watcher_(new QFileSystemWatcher(this)) {
    tree_->setObjectName(QStringLiteral("restrictions"));
    tree_->setColumnCount(4);
    tree_->setHeaderLabels({tr("Restriction"), tr("State"), tr("Mode"), tr("Origin")});
    tree_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    status_->setObjectName(QStringLiteral("restrictionsStatus"));
    status_->setWordWrap(true);
    edit_->setObjectName(QStringLiteral("edit"));
    remove_->setObjectName(QStringLiteral("remove"));
    create_->setObjectName(QStringLiteral("new"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(create_);
    buttons->addWidget(edit_);
    buttons->addWidget(remove_);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(hint_);
    layout->addWidget(tree_);
    layout->addLayout(launchers_);
    layout->addLayout(buttons);
    layout->addWidget(status_);
    setTabOrder(tree_, create_);
    setTabOrder(create_, edit_);
    setTabOrder(edit_, remove_);
    connect(create_, &QPushButton::clicked, this, &RestrictionsScreen::new_requested);
    connect(edit_, &QPushButton::clicked, this, &RestrictionsScreen::edit_selected);
    connect(remove_, &QPushButton::clicked, this, &RestrictionsScreen::remove_selected);
    connect(tree_, &QTreeWidget::itemActivated, this, &RestrictionsScreen::edit_selected);
    connect(tree_, &QTreeWidget::itemSelectionChanged, this, &RestrictionsScreen::update_buttons);
    connect(tree_, &QTreeWidget::itemSelectionChanged, this, &RestrictionsScreen::show_launchers);
    connect(watcher_, &QFileSystemWatcher::directoryChanged, this, &RestrictionsScreen::sync_launchers);
    connect(&session_, &Session::layers_changed, this, &RestrictionsScreen::refresh);
    connect(&session_, &Session::busy_changed, this, &RestrictionsScreen::update_buttons);
    refresh();
}

void RestrictionsScreen::refresh() {
    // Keep the selection across the refresh: it comes on every signal.
    QString base_selected;
    QString name_selected;
    if (auto* item = selected_layer()) {
        base_selected = item->data(0, kBaseRole).toString();
        name_selected = item->data(0, kNameRole).toString();
    }
    // The selection goes and comes back: the launcher boxes stay as they are.
    refreshing_ = true;
    tree_->clear();
    std::map<std::string, QTreeWidgetItem*> bases;
    for (const auto& layer : session_.layers()) {
        auto& base = bases[layer.base];
        if (base == nullptr) {
            base = new QTreeWidgetItem(tree_);
            base->setText(0, qs(layer.base));
            base->setFlags(Qt::ItemIsEnabled);
            base->setExpanded(true);
        }
        auto* item = new QTreeWidgetItem(base);
        item->setText(0, qs(layer.name));
        item->setText(1, Words::state(layer.state));
        item->setText(2, Words::mode(layer.mode));
        item->setText(3, Words::origin(layer.origin));
        item->setData(0, kBaseRole, qs(layer.base));
        item->setData(0, kNameRole, qs(layer.name));
        if (qs(layer.base) == base_selected && qs(layer.name) == name_selected) item->setSelected(true);
    }
    refreshing_ = false;
    hint_->setVisible(session_.layers().empty());
    update_buttons();
    show_launchers();
}

void RestrictionsScreen::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    sync_launchers();
}

void RestrictionsScreen::show_launchers() {
    if (refreshing_) return;
    std::string base;
    std::string name;
    if (auto* item = selected_layer()) {
        base = item->data(0, kBaseRole).toString().toStdString();
        name = item->data(0, kNameRole).toString().toStdString();
    }
    if (base == launchers_base_ && name == launchers_name_) {
        sync_launchers();
        return;
    }
    launchers_base_ = base;
    launchers_name_ = name;
    for (auto* box : launcher_boxes_)
        delete box;
    launcher_boxes_.clear();
    std::string attachment;
    for (const auto& b : session_.bases())
        if (b.name == base) attachment = b.attachment;
    if (attachment.empty()) return;
    QWidget* previous = tree_;
    for (const auto& entry : client::desktop_entries_for(attachment)) {
        const QString shown = tr("%1 (%2)", "a program's menu entry under a restriction")
                                  .arg(qs(entry.name.empty() ? entry.id : entry.name), qs(name));
        auto* box = new QCheckBox(tr("&Show '%1' in my menu").arg(shown), this);
        box->setObjectName(QStringLiteral("showInMenu"));
        box->setProperty(kDesktopId, qs(entry.id));
        box->setProperty(kShownName, shown);
        box->setToolTip(tr("A menu entry that starts %1 under this restriction").arg(qs(entry.id)));
        launchers_->addWidget(box);
        box->show();  // now: the layout would show it from the event loop, after a key meant for it
        launcher_boxes_.push_back(box);
        setTabOrder(previous, box);
        previous = box;
        connect(box, &QCheckBox::toggled, this, [this, box](bool on) { toggle_launcher(box, on); });
    }
    setTabOrder(previous, create_);
    sync_launchers();
}

void RestrictionsScreen::sync_launchers() {
    for (auto* box : launcher_boxes_) {
        const std::string id = box->property(kDesktopId).toString().toStdString();
        const QSignalBlocker quiet(box);
        box->setChecked(client::launcher_installed(launchers_base_, launchers_name_, id));
        // Watched so that a launcher written or removed elsewhere shows: the
        // applications directory, and the data directory it may be made in.
        const auto place = client::launcher_file(id, launchers_name_);
        if (!place.ok()) continue;
        const QString dir = QFileInfo(qs(place.path)).absolutePath();
        for (const QString& watched : {dir, QFileInfo(dir).absolutePath()})
            if (QFileInfo(watched).isDir() && !watcher_->directories().contains(watched))
                watcher_->addPath(watched);
    }
}

void RestrictionsScreen::toggle_launcher(QCheckBox* box, bool on) {
    const std::string id = box->property(kDesktopId).toString().toStdString();
    const QString shown = box->property(kShownName).toString();
    const auto outcome = on ? client::install_launcher(
                                  {launchers_base_, launchers_name_, id, "", client::aalayer_program(), {}})
                            : client::remove_launcher(id, launchers_name_);
    if (outcome.ok()) {
        status_->setText(on ? tr("'%1' is in your menu.").arg(shown)
                            : tr("'%1' is no longer in your menu.").arg(shown));
    } else {
        status_->setText(on ? tr("Could not add '%1' to your menu: %2").arg(shown, qs(outcome.message))
                            : tr("Could not take '%1' out of your menu: %2").arg(shown, qs(outcome.message)));
    }
    sync_launchers();
}

QTreeWidgetItem* RestrictionsScreen::selected_layer() const {
    const auto items = tree_->selectedItems();
    if (items.isEmpty() || items.front()->parent() == nullptr) return nullptr;
    return items.front();
}

void RestrictionsScreen::update_buttons() {
    const bool layer = selected_layer() != nullptr;
    edit_->setEnabled(layer);
    remove_->setEnabled(layer && !session_.busy());
}

void RestrictionsScreen::edit_selected() {
    if (auto* item = selected_layer())
        emit edit_requested(item->data(0, kBaseRole).toString(), item->data(0, kNameRole).toString());
}

void RestrictionsScreen::remove_selected() {
    auto* item = selected_layer();
    if (item == nullptr) return;
    const std::string base = item->data(0, kBaseRole).toString().toStdString();
    const std::string name = item->data(0, kNameRole).toString().toStdString();
    // open(), not exec(): the window keeps working (and the service's news
    // keeps coming) while the question is asked.
    auto* box = new QMessageBox(QMessageBox::Question, tr("Remove restriction"),
                                tr("Remove the restriction %1 of %2? The program then runs with only the "
                                   "administrator's rules.")
                                    .arg(qs(name), qs(base)),
                                QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("confirmRemove"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    auto* yes = box->addButton(tr("&Remove"), QMessageBox::DestructiveRole);
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::finished, this, [this, box, yes, base, name] {
        if (box->clickedButton() != yes) return;
        status_->setText(tr("Removing %1/%2…").arg(qs(base), qs(name)));
        session_.remove(base, name, false,
                        [this, base, name](const Outcome& o) { removed(base, name, false, o); });
    });
    box->open();
}

void RestrictionsScreen::removed(const std::string& base, const std::string& name, bool forced,
                                 const Outcome& outcome) {
    if (outcome.ok) {
        status_->setText(tr("Removed %1/%2.").arg(qs(base), qs(name)));
        return;
    }
    if (outcome.error != "Busy" || forced) {
        status_->setText(tr("Could not remove %1/%2: %3")
                             .arg(qs(base), qs(name), Words::error(outcome.error, outcome.message)));
        return;
    }
    // Refused while programs run under the layer: say what removing anyway means.
    auto* box = new QMessageBox(
        QMessageBox::Warning, tr("Programs are running"),
        tr("Programs are running under %1/%2, so it was not removed. Once it is gone, nothing keeps these "
           "programs' restriction up to date: what they keep depends on the kernel. Close them first, or "
           "remove it anyway.\n\nThe service said: %3")
            .arg(qs(base), qs(name), qs(outcome.message)),
        QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("confirmForce"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    auto* force = box->addButton(tr("Remove &anyway"), QMessageBox::DestructiveRole);
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::finished, this, [this, box, force, base, name] {
        if (box->clickedButton() != force) return;
        session_.remove(base, name, true,
                        [this, base, name](const Outcome& o) { removed(base, name, true, o); });
    });
    box->open();
}

}  // namespace aalayer::settings
