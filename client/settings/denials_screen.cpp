#include "client/settings/denials_screen.h"

#include <QComboBox>
#include <QDateTime>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "client/settings/session.h"
#include "client/settings/words.h"

namespace aalayer::settings {

namespace {

constexpr int kRuleRole = Qt::UserRole;
constexpr int kAllowRole = Qt::UserRole + 1;

}  // namespace

DenialsScreen::DenialsScreen(Session& session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      layer_(new QComboBox(this)),
      table_(new QTreeWidget(this)),
      status_(new QLabel(this)),
      allow_(new QPushButton(tr("Allow &this"), this)) {
    layer_->setObjectName(QStringLiteral("denialsLayer"));
    table_->setObjectName(QStringLiteral("denials"));
    table_->setColumnCount(5);
    table_->setHeaderLabels({tr("Last"), tr("Program"), tr("What"), tr("Times"), tr("Can you allow it?")});
    table_->setRootIsDecorated(false);
    table_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    status_->setObjectName(QStringLiteral("denialsStatus"));
    status_->setWordWrap(true);
    allow_->setObjectName(QStringLiteral("allowThis"));
    auto* form = new QFormLayout;
    auto* label = new QLabel(tr("&Under the restriction:"), this);
    label->setBuddy(layer_);
    form->addRow(label, layer_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(allow_);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(table_, 1);
    layout->addLayout(buttons);
    layout->addWidget(status_);
    connect(layer_, &QComboBox::currentIndexChanged, this, &DenialsScreen::follow_selected);
    connect(table_, &QTreeWidget::itemSelectionChanged, this, &DenialsScreen::update_button);
    connect(allow_, &QPushButton::clicked, this, &DenialsScreen::allow_selected);
    connect(&session_, &Session::layers_changed, this, &DenialsScreen::refresh_layers);
    connect(&session_, &Session::busy_changed, this, &DenialsScreen::update_button);
    connect(&session_, &Session::denials_arrived, this, [this](const QString& path) {
        if (path.toStdString() == followed_) refresh();
    });
    // A service that restarted forgot who follows what.
    connect(&session_, &Session::service_changed, this, [this](bool running) {
        if (running) follow_selected();
    });
    refresh_layers();
}

void DenialsScreen::refresh_layers() {
    const QString current = layer_->currentText();
    {
        const QSignalBlocker block(layer_);
        layer_->clear();
        for (const auto& l : session_.layers())
            layer_->addItem(qs(l.base + "/" + l.name), qs(l.object_path));
        if (const int i = layer_->findText(current); i >= 0) layer_->setCurrentIndex(i);
    }
    if (layer_->currentData().toString().toStdString() != followed_) follow_selected();
}

void DenialsScreen::follow_selected() {
    const std::string path = layer_->currentData().toString().toStdString();
    try {
        if (!followed_.empty()) session_.client().unfollow_denials(followed_);
        followed_.clear();
        if (!path.empty()) {
            session_.follow_denials(path);
            followed_ = path;
        }
    } catch (const client::CallError& e) {
        status_->setText(Words::error(e.short_name(), e.what()));
    }
    refresh();
}

void DenialsScreen::refresh() {
    table_->clear();
    if (followed_.empty()) return;
    try {
        const auto [denials, dropped] = session_.client().denials(followed_, 0);
        for (const auto& d : denials) {
            auto* item = new QTreeWidgetItem(table_);
            item->setText(0, QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(d.last / 1000))
                                 .toString(QLocale().dateTimeFormat(QLocale::ShortFormat)));
            item->setText(1, qs(d.comm));
            item->setText(2, d.path.empty()
                                 ? tr("%1 %2").arg(qs(d.operation), qs(d.detail))
                                 : tr("%1 %2 (%3)").arg(qs(d.operation), qs(d.path), Words::perms(d.denied)));
            item->setText(3, QString::number(d.count));
            item->setText(4, d.allow == "layer" ? tr("Yes: %1").arg(qs(d.rule)) : qs(d.note));
            item->setData(0, kRuleRole, qs(d.rule));
            item->setData(0, kAllowRole, qs(d.allow));
        }
        status_->setText(denials.empty() ? tr("Nothing was denied under this restriction lately.")
                         : dropped > 0   ? tr("Older records were dropped: %1.").arg(dropped)
                                         : QString());
    } catch (const client::CallError& e) {
        status_->setText(Words::error(e.short_name(), e.what()));
    }
    update_button();
}

void DenialsScreen::update_button() {
    const auto items = table_->selectedItems();
    allow_->setEnabled(!session_.busy() && !items.isEmpty() &&
                       items.front()->data(0, kAllowRole).toString() == QLatin1String("layer"));
}

void DenialsScreen::allow_selected() {
    const auto items = table_->selectedItems();
    if (items.isEmpty()) return;
    const std::string rule = items.front()->data(0, kRuleRole).toString().toStdString();
    const QString layer = layer_->currentText();
    const auto slash = layer.indexOf(QLatin1Char('/'));
    if (rule.empty() || slash < 0) return;
    const std::string base = layer.left(slash).toStdString();
    const std::string name = layer.mid(slash + 1).toStdString();
    try {
        std::string text = session_.client().source(followed_);
        if (!text.empty() && !text.ends_with('\n')) text += '\n';
        text += rule + "\n";
        client::ApplyOptions options;
        options.interactive = true;
        status_->setText(tr("Adding %1…").arg(qs(rule)));
        session_.apply(base, name, text, options, [this, rule](const Outcome& o) {
            status_->setText(o.ok ? tr("Allowed: %1").arg(qs(rule))
                                  : tr("Not allowed: %1").arg(Words::error(o.error, o.message)));
        });
    } catch (const client::CallError& e) {
        status_->setText(Words::error(e.short_name(), e.what()));
    }
}

}  // namespace aalayer::settings
