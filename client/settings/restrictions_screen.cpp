#include "client/settings/restrictions_screen.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <map>

#include "client/settings/session.h"
#include "client/settings/words.h"

namespace aalayer::settings {

namespace {

constexpr int kBaseRole = Qt::UserRole;
constexpr int kNameRole = Qt::UserRole + 1;

}  // namespace

RestrictionsScreen::RestrictionsScreen(Session& session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      tree_(new QTreeWidget(this)),
      status_(new QLabel(this)),
      hint_(new QLabel(tr("You have no restrictions yet: New… writes one."), this)),
      edit_(new QPushButton(tr("&Edit…"), this)),
      remove_(new QPushButton(tr("Re&move…"), this)) {
    tree_->setObjectName(QStringLiteral("restrictions"));
    tree_->setColumnCount(4);
    tree_->setHeaderLabels({tr("Restriction"), tr("State"), tr("Mode"), tr("Origin")});
    tree_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    status_->setObjectName(QStringLiteral("restrictionsStatus"));
    status_->setWordWrap(true);
    edit_->setObjectName(QStringLiteral("edit"));
    remove_->setObjectName(QStringLiteral("remove"));
    auto* create = new QPushButton(tr("&New…"), this);
    create->setObjectName(QStringLiteral("new"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(create);
    buttons->addWidget(edit_);
    buttons->addWidget(remove_);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(hint_);
    layout->addWidget(tree_);
    layout->addLayout(buttons);
    layout->addWidget(status_);
    setTabOrder(tree_, create);
    setTabOrder(create, edit_);
    setTabOrder(edit_, remove_);
    connect(create, &QPushButton::clicked, this, &RestrictionsScreen::new_requested);
    connect(edit_, &QPushButton::clicked, this, &RestrictionsScreen::edit_selected);
    connect(remove_, &QPushButton::clicked, this, &RestrictionsScreen::remove_selected);
    connect(tree_, &QTreeWidget::itemActivated, this, &RestrictionsScreen::edit_selected);
    connect(tree_, &QTreeWidget::itemSelectionChanged, this, &RestrictionsScreen::update_buttons);
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
    hint_->setVisible(session_.layers().empty());
    update_buttons();
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
