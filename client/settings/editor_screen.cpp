#include "client/settings/editor_screen.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTextBlock>
#include <QVBoxLayout>
#include <algorithm>

#include "client/settings/session.h"
#include "client/settings/words.h"

namespace aalayer::settings {

namespace {

constexpr int kLineRole = Qt::UserRole;
constexpr int kColumnRole = Qt::UserRole + 1;

// What Check and Apply call a text with no name yet.
constexpr const char* kDraftName = "draft";

QColor colour_of(const std::string& severity) {
    if (severity == "error") return QColor(Qt::red);
    if (severity == "warning") return QColor(0xd0, 0x80, 0x00);
    return QColor(Qt::blue);
}

}  // namespace

EditorScreen::EditorScreen(Session& session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      base_(new QComboBox(this)),
      name_(new QLineEdit(this)),
      text_(new QPlainTextEdit(this)),
      findings_(new QListWidget(this)),
      summary_(new QLabel(this)),
      complain_(new QCheckBox(tr("Only &log what it would deny (complain mode)"), this)),
      apply_(new QPushButton(tr("&Apply"), this)) {
    base_->setObjectName(QStringLiteral("editorBase"));
    name_->setObjectName(QStringLiteral("editorName"));
    name_->setPlaceholderText(tr("banking"));
    text_->setObjectName(QStringLiteral("editorText"));
    text_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    text_->setTabChangesFocus(true);  // Tab leaves the editor: the screen stays keyboard reachable
    findings_->setObjectName(QStringLiteral("findings"));
    summary_->setObjectName(QStringLiteral("editorSummary"));
    summary_->setWordWrap(true);
    complain_->setObjectName(QStringLiteral("complain"));
    apply_->setObjectName(QStringLiteral("apply"));

    auto* form = new QFormLayout;
    auto* base_label = new QLabel(tr("Pro&gram:"), this);
    base_label->setBuddy(base_);
    auto* name_label = new QLabel(tr("&Name:"), this);
    name_label->setBuddy(name_);
    auto* text_label = new QLabel(tr("R&ules:"), this);
    text_label->setBuddy(text_);
    auto* findings_label = new QLabel(tr("&Findings:"), this);
    findings_label->setBuddy(findings_);
    form->addRow(base_label, base_);
    form->addRow(name_label, name_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(complain_);
    buttons->addStretch();
    buttons->addWidget(apply_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(text_label);
    layout->addWidget(text_, 3);
    layout->addWidget(findings_label);
    layout->addWidget(findings_, 1);
    layout->addWidget(summary_);
    layout->addLayout(buttons);
    setTabOrder(base_, name_);
    setTabOrder(name_, text_);
    setTabOrder(text_, findings_);
    setTabOrder(findings_, complain_);
    setTabOrder(complain_, apply_);

    check_timer_.setSingleShot(true);
    check_timer_.setInterval(kCheckDelayMs);
    connect(&check_timer_, &QTimer::timeout, this, &EditorScreen::check_now);
    connect(text_, &QPlainTextEdit::textChanged, this, &EditorScreen::schedule_check);
    connect(name_, &QLineEdit::textChanged, this, &EditorScreen::schedule_check);
    connect(name_, &QLineEdit::textChanged, this, &EditorScreen::update_apply);
    connect(base_, &QComboBox::currentIndexChanged, this, &EditorScreen::schedule_check);
    connect(findings_, &QListWidget::itemActivated, this, &EditorScreen::go_to_finding);
    connect(findings_, &QListWidget::itemClicked, this, &EditorScreen::go_to_finding);
    connect(apply_, &QPushButton::clicked, this, &EditorScreen::apply);
    connect(&session_, &Session::admin_changed, this, &EditorScreen::refresh_bases);
    connect(&session_, &Session::busy_changed, this, &EditorScreen::update_apply);
    refresh_bases();
    update_apply();
}

void EditorScreen::refresh_bases() {
    const QString current = base_->currentText();
    const QSignalBlocker block(base_);
    base_->clear();
    for (const auto& b : session_.bases())
        if (b.granted) base_->addItem(qs(b.name));
    if (const int i = base_->findText(current); i >= 0) base_->setCurrentIndex(i);
    schedule_check();  // the grant may have changed what the text means
}

void EditorScreen::open_new() {
    name_->clear();
    text_->clear();
    text_->setFocus();
}

void EditorScreen::open_layer(const QString& base, const QString& name) {
    const auto* layer = session_.find_layer(base.toStdString(), name.toStdString());
    if (layer == nullptr) return;
    try {
        const std::string text = session_.client().source(layer->object_path);
        {
            const QSignalBlocker block(base_);
            base_->setCurrentIndex(base_->findText(base));
        }
        name_->setText(name);
        text_->setPlainText(qs(text));
        complain_->setChecked(layer->mode == "complain");
        text_->setFocus();
    } catch (const client::CallError& e) {
        summary_->setText(
            tr("Could not read %1/%2: %3").arg(base, name, Words::error(e.short_name(), e.what())));
    }
}

void EditorScreen::schedule_check() {
    check_timer_.start();  // restarts: only the last change within the delay is checked
}

void EditorScreen::check_now() {
    if (base_->currentIndex() < 0) {
        summary_->setText(tr("There is no program you may restrict."));
        return;
    }
    const std::string name = name_->text().isEmpty() ? kDraftName : name_->text().toStdString();
    try {
        const auto [child, findings] = session_.client().check(base_->currentText().toStdString(), name,
                                                               text_->toPlainText().toStdString());
        show_findings(findings);
        has_errors_ = child.empty();
        summary_->setText(has_errors_        ? tr("The rules have errors: fix them before applying.")
                          : findings.empty() ? tr("The rules check: no findings.")
                                             : tr("The rules check; read the findings below."));
    } catch (const client::CallError& e) {
        // A name the service refuses is an InvalidArgument: say so, keep the text.
        summary_->setText(Words::error(e.short_name(), e.what()));
        has_errors_ = true;
    }
    update_apply();
}

void EditorScreen::show_findings(const std::vector<client::Finding>& findings) {
    findings_->clear();
    QList<QTextEdit::ExtraSelection> marks;
    QTextDocument* doc = text_->document();
    for (const auto& f : findings) {
        auto* item = new QListWidgetItem(Words::finding(f), findings_);
        item->setData(kLineRole, f.line);
        item->setData(kColumnRole, f.column);
        item->setForeground(colour_of(f.severity));
        if (f.line == 0 || static_cast<int>(f.line) > doc->blockCount()) continue;
        // A finding about another file (an abstraction) has no place in this text.
        if (!f.file.empty() && !f.file.ends_with(".layer")) continue;
        const QTextBlock block = doc->findBlockByNumber(static_cast<int>(f.line) - 1);
        QTextEdit::ExtraSelection line;
        line.cursor = QTextCursor(block);
        line.format.setBackground(colour_of(f.severity).lighter(190));
        line.format.setProperty(QTextFormat::FullWidthSelection, true);
        line.format.setToolTip(qs(f.message));
        marks << line;
        // The rule from its column to the end of its line, underlined.
        QTextEdit::ExtraSelection at;
        at.cursor = QTextCursor(block);
        const int column = std::clamp(static_cast<int>(f.column) - 1, 0, std::max(0, block.length() - 1));
        at.cursor.setPosition(block.position() + column);
        at.cursor.setPosition(block.position() + std::max(column, block.length() - 1),
                              QTextCursor::KeepAnchor);
        at.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
        at.format.setUnderlineColor(colour_of(f.severity));
        at.format.setToolTip(qs(f.message));
        marks << at;
    }
    text_->setExtraSelections(marks);
}

void EditorScreen::go_to_finding(QListWidgetItem* item) {
    const int line = item->data(kLineRole).toInt();
    const int column = item->data(kColumnRole).toInt();
    const QTextBlock block = text_->document()->findBlockByNumber(std::max(0, line - 1));
    if (!block.isValid()) return;
    QTextCursor cursor(block);
    cursor.setPosition(block.position() + std::clamp(column - 1, 0, std::max(0, block.length() - 1)));
    text_->setTextCursor(cursor);
    text_->setFocus();
}

void EditorScreen::update_apply() {
    apply_->setEnabled(!session_.busy() && base_->currentIndex() >= 0 && !name_->text().isEmpty());
}

void EditorScreen::apply() {
    const QString base = base_->currentText();
    const QString name = name_->text();
    if (base.isEmpty() || name.isEmpty()) return;
    client::ApplyOptions options;
    options.complain = complain_->isChecked();
    options.interactive = true;  // polkit may ask for a password: the user is here to give it
    summary_->setText(tr("Applying %1/%2…").arg(base, name));
    session_.apply(base.toStdString(), name.toStdString(), text_->toPlainText().toStdString(), options,
                   [this, base, name](const Outcome& o) { applied_outcome(base, name, o); });
}

void EditorScreen::applied_outcome(const QString& base, const QString& name, const Outcome& outcome) {
    if (outcome.ok) {
        show_findings(outcome.findings);
        summary_->setText(tr("Applied %1/%2.").arg(base, name));
        emit applied(base, name);
        return;
    }
    if (!outcome.findings.empty()) show_findings(outcome.findings);
    summary_->setText(tr("Not applied: %1").arg(Words::error(outcome.error, outcome.message)));
}

}  // namespace aalayer::settings
