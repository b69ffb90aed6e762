#include "client/settings/programs_screen.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "client/lib/desktop_entries.h"
#include "client/settings/desktop_icon.h"
#include "client/settings/session.h"
#include "client/settings/words.h"

namespace aalayer::settings {

ProgramsScreen::ProgramsScreen(Session& session, QWidget* parent)
    : QWidget(parent), session_(session), summary_(new QLabel(this)), tree_(new QTreeWidget(this)) {
    summary_->setWordWrap(true);
    tree_->setObjectName(QStringLiteral("programs"));
    tree_->setColumnCount(2);
    tree_->setHeaderLabels({tr("Program"), tr("Details")});
    tree_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(summary_);
    layout->addWidget(tree_);
    connect(&session_, &Session::admin_changed, this, &ProgramsScreen::refresh);
    connect(&session_, &Session::layers_changed, this, &ProgramsScreen::refresh);
    refresh();
}

void ProgramsScreen::refresh() {
    tree_->clear();
    int granted = 0;
    for (const auto& base : session_.bases()) {
        if (!base.granted) continue;
        ++granted;
        auto* item = new QTreeWidgetItem(tree_);
        item->setText(0, qs(base.name));
        item->setData(0, Qt::UserRole, qs(base.name));
        item->setText(1, tr("Your restrictions: %1").arg(base.layers));
        const auto entries = client::desktop_entries_for(base.attachment);
        if (!entries.empty()) item->setIcon(0, desktop_icon(entries.front().path));
        for (const auto& e : entries) {
            auto* program = new QTreeWidgetItem(item);
            program->setIcon(0, desktop_icon(e.path));
            program->setText(0, e.name.empty() ? qs(e.id) : qs(e.name));
            program->setText(1, tr("Runs %1 (%2)").arg(qs(e.program), qs(e.id)));
        }
        if (entries.empty() && !base.attachment.empty()) {
            auto* program = new QTreeWidgetItem(item);
            program->setText(0, qs(base.attachment));
            program->setText(1, tr("No menu entry starts it"));
        }
        auto* decide = new QTreeWidgetItem(item);
        decide->setText(0, tr("You may decide about"));
        for (const auto& rule : session_.grant_rules()) {
            if (rule.base != base.name) continue;
            auto* row = new QTreeWidgetItem(decide);
            row->setText(0, qs(rule.path));
            if (rule.kind == "exclude") {
                row->setText(1, tr("Never: the administrator keeps this"));
            } else {
                row->setText(1, rule.owner == "owner"
                                    ? tr("%1 (your own files only)").arg(Words::perms(rule.perms))
                                    : Words::perms(rule.perms));
            }
            row->setToolTip(0, tr("%1, line %2").arg(qs(rule.file)).arg(rule.line));
        }
        item->setExpanded(true);
        decide->setExpanded(true);
    }
    summary_->setText(granted == 0
                          ? tr("The administrator has not let you restrict any program on this computer.")
                          : tr("The administrator lets you restrict these programs further. A restriction "
                               "can only take permissions away; it never gives a program more."));
}

}  // namespace aalayer::settings
