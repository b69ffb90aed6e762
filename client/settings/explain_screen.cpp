#include "client/settings/explain_screen.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "client/settings/session.h"
#include "client/settings/words.h"

namespace aalayer::settings {

ExplainScreen::ExplainScreen(Session& session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      layer_(new QComboBox(this)),
      path_(new QLineEdit(this)),
      owner_(new QLabel(this)),
      other_(new QLabel(this)),
      reasons_(new QTreeWidget(this)) {
    layer_->setObjectName(QStringLiteral("explainLayer"));
    path_->setObjectName(QStringLiteral("explainPath"));
    path_->setPlaceholderText(tr("/home/you/Documents/letter.odt"));
    owner_->setObjectName(QStringLiteral("explainOwner"));
    other_->setObjectName(QStringLiteral("explainOther"));
    owner_->setWordWrap(true);
    other_->setWordWrap(true);
    reasons_->setObjectName(QStringLiteral("explainReasons"));
    reasons_->setColumnCount(2);
    reasons_->setHeaderLabels({tr("Decided by"), tr("Rule")});
    reasons_->setRootIsDecorated(false);
    reasons_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);

    auto* pick = new QPushButton(tr("C&hoose…"), this);
    pick->setObjectName(QStringLiteral("explainPick"));
    auto* ask = new QPushButton(tr("E&xplain"), this);
    ask->setObjectName(QStringLiteral("explainButton"));
    auto* path_row = new QHBoxLayout;
    path_row->addWidget(path_, 1);
    path_row->addWidget(pick);
    path_row->addWidget(ask);
    auto* form = new QFormLayout;
    auto* layer_label = new QLabel(tr("&Under the restriction:"), this);
    layer_label->setBuddy(layer_);
    auto* path_label = new QLabel(tr("&File:"), this);
    path_label->setBuddy(path_);
    form->addRow(layer_label, layer_);
    form->addRow(path_label, path_row);
    form->addRow(tr("If it is your file:"), owner_);
    form->addRow(tr("If it is someone else's:"), other_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("The rules that decided:"), this));
    layout->addWidget(reasons_, 1);

    setTabOrder(layer_, path_);
    setTabOrder(path_, pick);
    setTabOrder(pick, ask);
    setTabOrder(ask, reasons_);
    connect(pick, &QPushButton::clicked, this, &ExplainScreen::pick_file);
    connect(ask, &QPushButton::clicked, this, &ExplainScreen::explain);
    connect(path_, &QLineEdit::returnPressed, this, &ExplainScreen::explain);
    connect(&session_, &Session::layers_changed, this, &ExplainScreen::refresh_layers);
    refresh_layers();
}

void ExplainScreen::refresh_layers() {
    const QString current = layer_->currentText();
    layer_->clear();
    for (const auto& l : session_.layers())
        layer_->addItem(qs(l.base + "/" + l.name));
    if (const int i = layer_->findText(current); i >= 0) layer_->setCurrentIndex(i);
}

void ExplainScreen::pick_file() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Which file?"), path_->text());
    if (path.isEmpty()) return;
    path_->setText(path);
    explain();
}

void ExplainScreen::explain() {
    const QString layer = layer_->currentText();
    const auto slash = layer.indexOf(QLatin1Char('/'));
    reasons_->clear();
    if (slash < 0 || path_->text().isEmpty()) {
        owner_->setText(tr("Choose one of your restrictions and a file."));
        other_->clear();
        return;
    }
    try {
        const auto e = session_.client().explain(
            layer.left(slash).toStdString(), layer.mid(slash + 1).toStdString(), path_->text().toStdString());
        owner_->setText(Words::perms(e.owner));
        other_->setText(Words::perms(e.other));
        for (const auto& r : e.reasons) {
            auto* item = new QTreeWidgetItem(reasons_);
            item->setText(0, Words::source(r.source));
            item->setText(1, qs(r.rule));
            item->setData(0, Qt::UserRole, qs(r.source));
        }
    } catch (const client::CallError& e) {
        owner_->setText(Words::error(e.short_name(), e.what()));
        other_->clear();
    }
}

}  // namespace aalayer::settings
