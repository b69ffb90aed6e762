#include "client/settings/compare_screen.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "client/settings/session.h"
#include "client/settings/words.h"

namespace aalayer::settings {

namespace {

constexpr int kBaseRole = Qt::UserRole;
constexpr int kNameRole = Qt::UserRole + 1;  // "" in the second list: the base alone

}  // namespace

CompareScreen::CompareScreen(Session& session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      first_(new QComboBox(this)),
      second_(new QComboBox(this)),
      summary_(new QLabel(this)),
      table_(new QTreeWidget(this)) {
    first_->setObjectName(QStringLiteral("compareFirst"));
    second_->setObjectName(QStringLiteral("compareSecond"));
    summary_->setObjectName(QStringLiteral("compareSummary"));
    summary_->setWordWrap(true);
    table_->setObjectName(QStringLiteral("compareTable"));
    table_->setColumnCount(3);
    table_->setRootIsDecorated(false);
    table_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    auto* go = new QPushButton(tr("&Compare"), this);
    go->setObjectName(QStringLiteral("compareButton"));
    auto* form = new QFormLayout;
    auto* first_label = new QLabel(tr("&First:"), this);
    first_label->setBuddy(first_);
    auto* second_label = new QLabel(tr("&Second:"), this);
    second_label->setBuddy(second_);
    form->addRow(first_label, first_);
    form->addRow(second_label, second_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(go, 0, Qt::AlignLeft);
    layout->addWidget(summary_);
    layout->addWidget(table_, 1);
    setTabOrder(first_, second_);
    setTabOrder(second_, go);
    setTabOrder(go, table_);
    connect(go, &QPushButton::clicked, this, &CompareScreen::compare);
    connect(first_, &QComboBox::currentIndexChanged, this, &CompareScreen::refresh_second);
    connect(&session_, &Session::layers_changed, this, &CompareScreen::refresh_layers);
    refresh_layers();
}

void CompareScreen::refresh_layers() {
    const QString current = first_->currentText();
    {
        const QSignalBlocker block(first_);
        first_->clear();
        for (const auto& l : session_.layers()) {
            first_->addItem(qs(l.base + "/" + l.name));
            first_->setItemData(first_->count() - 1, qs(l.base), kBaseRole);
            first_->setItemData(first_->count() - 1, qs(l.name), kNameRole);
        }
        if (const int i = first_->findText(current); i >= 0) first_->setCurrentIndex(i);
    }
    refresh_second();
}

// The second is on the first's base: layers on different bases do not compare.
void CompareScreen::refresh_second() {
    const QString current = second_->currentText();
    second_->clear();
    const QString base = first_->currentData(kBaseRole).toString();
    const QString name = first_->currentData(kNameRole).toString();
    if (base.isEmpty()) return;
    second_->addItem(tr("%1 without restrictions").arg(base));
    second_->setItemData(0, QString(), kNameRole);
    for (const auto& l : session_.layers()) {
        if (qs(l.base) != base || qs(l.name) == name) continue;
        second_->addItem(qs(l.base + "/" + l.name));
        second_->setItemData(second_->count() - 1, qs(l.name), kNameRole);
    }
    if (const int i = second_->findText(current); i >= 0) second_->setCurrentIndex(i);
}

void CompareScreen::compare() {
    table_->clear();
    const std::string base = first_->currentData(kBaseRole).toString().toStdString();
    const std::string a = first_->currentData(kNameRole).toString().toStdString();
    const std::string b = second_->currentData(kNameRole).toString().toStdString();
    if (base.empty() || second_->currentIndex() < 0) {
        summary_->setText(tr("Choose a restriction to compare."));
        return;
    }
    table_->setHeaderLabels({tr("For example"), first_->currentText(), second_->currentText()});
    try {
        const auto differences =
            b.empty() ? session_.client().diff_with_base(base, a) : session_.client().diff(base, a, b);
        for (const auto& d : differences) {
            auto* item = new QTreeWidgetItem(table_);
            item->setText(0, qs(d.example));
            // diff_with_base: perms_a is the base's, perms_b the layer's.
            item->setText(1, Words::owner_other(b.empty() ? d.perms_b : d.perms_a));
            item->setText(2, Words::owner_other(b.empty() ? d.perms_a : d.perms_b));
        }
        summary_->setText(differences.empty() ? tr("They allow the same.")
                                              : tr("Where they differ, one example file each:"));
    } catch (const client::CallError& e) {
        summary_->setText(Words::error(e.short_name(), e.what()));
    }
}

}  // namespace aalayer::settings
