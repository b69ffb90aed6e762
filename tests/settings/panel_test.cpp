// aalayer-settings driven with QTest against the real aalayerd (compile-only)
// on a private bus with the real polkitd (tests/support/service_fixture.h).
// The panel runs in this process, as root: its layers are root's, under
// /root. Changes from outside come from the built aalayer command. Each
// test saves its main screen as settings-NAME.png in AALAYER_SCREENSHOTS
// (scripts/settings-screenshots.sh copies them to docs/images/).
#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTest>
#include <QTextBlock>
#include <QTreeWidget>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "client/desktop/desktop_entry.h"
#include "client/settings/compare_screen.h"
#include "client/settings/denials_screen.h"
#include "client/settings/editor_screen.h"
#include "client/settings/explain_screen.h"
#include "client/settings/main_window.h"
#include "client/settings/programs_screen.h"
#include "client/settings/restrictions_screen.h"
#include "client/settings/session.h"
#include "tests/support/service_fixture.h"

QT_BEGIN_NAMESPACE
// gtest prints a QString as text.
inline void PrintTo(const QString& s, std::ostream* os) {
    *os << '"' << s.toStdString() << '"';
}
QT_END_NAMESPACE

namespace aalayer::test {
namespace {

using settings::MainWindow;
using settings::Session;

// Runs the event loop until `done` holds (the service's answers and
// signals arrive through it), at most `ms`.
bool wait_until(const std::function<bool()>& done, int ms = 15000) {
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > ms) return false;
        QTest::qWait(20);
    }
    return true;
}

template <typename W>
W* find(QWidget& root, const char* name) {
    auto* w = root.findChild<W*>(QString::fromLatin1(name));
    if (w == nullptr) ADD_FAILURE() << "no widget " << name;
    return w;
}

QTreeWidgetItem* child_named(QTreeWidgetItem* parent, const QString& text) {
    for (int i = 0; i < parent->childCount(); ++i)
        if (parent->child(i)->text(0) == text) return parent->child(i);
    return nullptr;
}

QTreeWidgetItem* top_named(QTreeWidget* tree, const QString& text) {
    return child_named(tree->invisibleRootItem(), text);
}

// The layer NAME's row under base app in My restrictions, or null.
QTreeWidgetItem* restriction(MainWindow& w, const QString& name) {
    auto* base = top_named(find<QTreeWidget>(w, "restrictions"), QStringLiteral("app"));
    return base == nullptr ? nullptr : child_named(base, name);
}

void screenshot(QWidget& w, const std::string& name) {
    const char* dir = std::getenv("AALAYER_SCREENSHOTS");
    if (dir == nullptr) return;
    std::filesystem::create_directories(dir);
    QTest::qWait(50);  // the last layout pass
    const std::string path = std::string(dir) + "/settings-" + name + ".png";
    EXPECT_TRUE(w.grab().save(QString::fromStdString(path))) << path;
}

// A desktop entry that starts the base "app" (attachment /usr/bin/app), where
// the XDG rules find it for this process and the aalayer command it starts;
// the user's own entries (launchers) go to home/, mimeapps.list to config/.
class Desktop {
public:
    Desktop() {
        dir_.write("system/applications/app-viewer.desktop",
                   "[Desktop Entry]\nType=Application\nName=App Viewer\nExec=/usr/bin/app %f\n");
        ::setenv("XDG_DATA_HOME", (dir_.path() + "/home").c_str(), 1);
        ::setenv("XDG_CONFIG_HOME", (dir_.path() + "/config").c_str(), 1);
        ::setenv("XDG_DATA_DIRS", (dir_.path() + "/system").c_str(), 1);
    }
    [[nodiscard]] std::string path(const std::string& rel) const { return dir_.path() + "/" + rel; }

private:
    TempDir dir_;
};

class Panel {
public:
    explicit Panel(const Service& s) : session_(s.bus().address()), window_(session_) {
        window_.resize(960, 640);
        window_.show();
        EXPECT_TRUE(QTest::qWaitForWindowExposed(&window_));
    }
    MainWindow& window() { return window_; }
    Session& session() { return session_; }
    void show(QWidget* screen) { window_.tabs()->setCurrentWidget(screen); }

private:
    Session session_;
    MainWindow window_;
};

// The aalayer command, as root on the service's bus.
void cli(const Service& s, std::vector<std::string> args) {
    args.insert(args.begin(), env_or("AALAYER_CLI", "aalayer"));
    const auto r = s.run_client(0, args);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err << s.log();
}

void apply_with_cli(const Service& s, const std::string& name, const std::string& text) {
    cli(s, {"apply", "app/" + name, s.text_file(text)});
}

TEST(SettingsPanel, ListsProgramsAndRestrictions) {
    const Desktop desktop;
    Service s;
    apply_with_cli(s, "w", "owner @{HOME}/Documents/** r,\n");
    Panel p(s);
    MainWindow& w = p.window();

    auto* programs = find<QTreeWidget>(w, "programs");
    ASSERT_EQ(programs->topLevelItemCount(), 1);
    auto* app = programs->topLevelItem(0);
    EXPECT_EQ(app->text(0), "app");
    EXPECT_EQ(app->text(1), "Your restrictions: 1");
    auto* viewer = child_named(app, QStringLiteral("App Viewer"));
    ASSERT_NE(viewer, nullptr) << "the desktop entry's name is not shown";
    EXPECT_EQ(viewer->text(1), "Runs /usr/bin/app (app-viewer.desktop)");
    auto* decide = child_named(app, QStringLiteral("You may decide about"));
    ASSERT_NE(decide, nullptr);
    auto* home = child_named(decide, QStringLiteral("/root/**"));
    ASSERT_NE(home, nullptr) << "the grant's rule, expanded for root";
    EXPECT_EQ(home->text(1), "read, write (your own files only)");
    EXPECT_EQ(home->toolTip(0), QString::fromStdString(s.dir() + "/grants/app.conf, line 2"));
    p.show(w.programs());
    screenshot(w, "programs");

    auto* row = restriction(w, QStringLiteral("w"));
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->text(1), "Compiled (not loaded)");
    EXPECT_EQ(row->text(2), "Enforced");
    EXPECT_EQ(row->text(3), "Yours");
    p.show(w.restrictions());
    row->setSelected(true);
    screenshot(w, "restrictions");
}

// The value of `key` in [Desktop Entry] of the desktop file at `path`, escapes undone.
std::string entry_value(const std::string& path, const std::string& key) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = desktop::parse(text.str());
    const auto* file = std::get_if<desktop::DesktopFile>(&parsed);
    const auto* g = file != nullptr ? file->group("Desktop Entry") : nullptr;
    const auto* v = g != nullptr ? g->get(key) : nullptr;
    return v != nullptr ? desktop::unescape(*v).value_or("(bad escape)") : "(none)";
}

TEST(SettingsPanel, ShowsAProgramInMyMenu) {
    const Desktop desktop;
    Service s;
    apply_with_cli(s, "w", "owner @{HOME}/Documents/** r,\n");
    Panel p(s);
    MainWindow& w = p.window();
    p.show(w.restrictions());
    auto* row = restriction(w, QStringLiteral("w"));
    ASSERT_NE(row, nullptr);
    EXPECT_TRUE(w.findChildren<QCheckBox*>("showInMenu").isEmpty()) << "no layer selected: nothing to show";
    find<QTreeWidget>(w, "restrictions")->setCurrentItem(row);
    const auto boxes = w.findChildren<QCheckBox*>("showInMenu");
    ASSERT_EQ(boxes.size(), 1) << "one desktop entry starts the base app";
    auto* box = boxes.front();
    EXPECT_EQ(box->text(), "&Show 'App Viewer (w)' in my menu");
    EXPECT_FALSE(box->isChecked());
    auto* status = find<QLabel>(w, "restrictionsStatus");
    const std::string launcher = desktop.path("home/applications/aalayer-app-viewer-w.desktop");

    // On with the keyboard (Alt+S): the launcher as aalayer launcher writes it.
    ASSERT_TRUE(QTest::qWaitForWindowActive(&w));
    QTest::keyClick(&w, Qt::Key_S, Qt::AltModifier);
    ASSERT_TRUE(wait_until([&] { return box->isChecked(); })) << status->text().toStdString();
    EXPECT_EQ(status->text(), "'App Viewer (w)' is in your menu.");
    ASSERT_TRUE(std::filesystem::exists(launcher));
    EXPECT_EQ(entry_value(launcher, "Name"), "App Viewer (w)");
    EXPECT_EQ(desktop::split_exec(entry_value(launcher, "Exec")),
              (std::vector<std::string>{env_or("AALAYER_CLI", "aalayer"), "run", "app/w", "--",
                                        "/usr/bin/app", "%f"}));
    EXPECT_EQ(entry_value(launcher, "X-Aalayer-Layer"), "app/w");
    screenshot(w, "launcher");

    // Off (Space on it, where Alt+S left the focus): gone. Tab reaches it from the list too.
    EXPECT_TRUE(box->hasFocus());
    find<QTreeWidget>(w, "restrictions")->setFocus();
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    EXPECT_EQ(QApplication::focusWidget(), box);
    QTest::keyClick(box, Qt::Key_Space);
    EXPECT_FALSE(box->isChecked());
    EXPECT_FALSE(std::filesystem::exists(launcher));
    EXPECT_EQ(status->text(), "'App Viewer (w)' is no longer in your menu.");

    // Written and removed with the aalayer command: the box follows (the directory is watched).
    cli(s, {"launcher", "app/w", "--desktop", "app-viewer.desktop"});
    ASSERT_TRUE(std::filesystem::exists(launcher));
    EXPECT_TRUE(wait_until([&] { return box->isChecked(); }))
        << "the launcher the command wrote is not shown";
    cli(s, {"launcher", "app/w", "--desktop", "app-viewer.desktop", "--remove"});
    EXPECT_TRUE(wait_until([&] { return !box->isChecked(); })) << "the launcher the command removed is shown";

    // A file in the way of the applications directory: the error shown, the box left off.
    std::filesystem::remove_all(desktop.path("home/applications"));
    std::ofstream(desktop.path("home/applications")) << "";
    QTest::keyClick(box, Qt::Key_Space);
    EXPECT_FALSE(box->isChecked());
    EXPECT_EQ(status->text(), QString::fromStdString(
                                  "Could not add 'App Viewer (w)' to your menu: cannot write " + launcher));
}

TEST(SettingsPanel, EditorShowsFindingsWhereTheyAreAndApplies) {
    Service s;
    Panel p(s);
    MainWindow& w = p.window();
    p.show(w.editor());
    auto* name = find<QLineEdit>(w, "editorName");
    auto* text = find<QPlainTextEdit>(w, "editorText");
    auto* findings = find<QListWidget>(w, "findings");
    auto* summary = find<QLabel>(w, "editorSummary");
    auto* apply = find<QPushButton>(w, "apply");
    EXPECT_EQ(find<QComboBox>(w, "editorBase")->currentText(), "app");
    // Keyboard: Tab goes down the screen, Alt+N (the label's mnemonic) to the name.
    ASSERT_TRUE(QTest::qWaitForWindowActive(&w));
    find<QComboBox>(w, "editorBase")->setFocus();
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    EXPECT_EQ(QApplication::focusWidget(), name);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    EXPECT_EQ(QApplication::focusWidget(), text);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    EXPECT_EQ(QApplication::focusWidget(), findings);
    QTest::keyClick(&w, Qt::Key_N, Qt::AltModifier);
    EXPECT_EQ(QApplication::focusWidget(), name);

    QTest::keyClicks(name, "bank");
    QTest::keyClicks(text, "owner @{HOME}/bank/** rw,");
    QTest::keyClick(text, Qt::Key_Return);
    QTest::keyClicks(text, "/usr/bin/x px,");
    QElapsedTimer rested;
    rested.start();
    // Debounced: nothing is checked until the text has rested.
    EXPECT_EQ(findings->count(), 0);
    EXPECT_TRUE(summary->text().isEmpty());
    ASSERT_TRUE(wait_until([&] { return findings->count() > 0; })) << summary->text().toStdString();
    // Qt's coarse timers may fire up to 5% early.
    EXPECT_GE(rested.elapsed(), settings::EditorScreen::kCheckDelayMs * 95 / 100);
    std::cout << "findings shown " << rested.elapsed() << " ms after the last key\n";
    ASSERT_EQ(findings->count(), 1);
    EXPECT_TRUE(findings->item(0)->text().startsWith("Line 2, column 1: error: exec transition 'px'"))
        << findings->item(0)->text().toStdString();
    EXPECT_EQ(summary->text(), "The rules have errors: fix them before applying.");
    // Marked in the text at line 2 (block 1), from column 1.
    const auto marks = text->extraSelections();
    ASSERT_EQ(marks.size(), 2);
    EXPECT_EQ(marks[0].cursor.blockNumber(), 1);
    EXPECT_EQ(marks[1].cursor.blockNumber(), 1);
    EXPECT_EQ(marks[1].cursor.selectionStart() - marks[1].cursor.block().position(), 0);
    EXPECT_EQ(marks[1].cursor.selectedText(), "/usr/bin/x px,");
    EXPECT_EQ(marks[1].format.underlineStyle(), QTextCharFormat::WaveUnderline);
    // The finding takes the cursor there.
    text->moveCursor(QTextCursor::Start);
    QTest::mouseClick(findings->viewport(), Qt::LeftButton, {},
                      findings->visualItemRect(findings->item(0)).center());
    EXPECT_EQ(text->textCursor().blockNumber(), 1);
    EXPECT_EQ(text->textCursor().positionInBlock(), 0);
    EXPECT_TRUE(text->hasFocus());
    screenshot(w, "editor");

    // Apply anyway: the service refuses, nothing is applied, the finding stays.
    QTest::mouseClick(apply, Qt::LeftButton);
    ASSERT_TRUE(wait_until([&] { return summary->text().startsWith("Not applied"); }))
        << summary->text().toStdString();
    EXPECT_NE(summary->text().indexOf("InvalidLayer"), -1) << summary->text().toStdString();
    EXPECT_EQ(findings->count(), 1);
    EXPECT_EQ(p.session().find_layer("app", "bank"), nullptr);

    // Without line 2: it checks, and applies.
    QTest::keyClick(text, Qt::Key_End, Qt::ShiftModifier);
    QTest::keyClick(text, Qt::Key_Backspace);
    QTest::keyClick(text, Qt::Key_Backspace);
    ASSERT_TRUE(wait_until([&] { return summary->text() == "The rules check; read the findings below."; }))
        << summary->text().toStdString();
    // A note about the layer as a whole (line 0): no mark in the text.
    ASSERT_EQ(findings->count(), 1);
    EXPECT_TRUE(
        findings->item(0)->text().startsWith("note: inside the grant this layer allows nothing on /root/a"))
        << findings->item(0)->text().toStdString();
    EXPECT_TRUE(text->extraSelections().isEmpty());
    ASSERT_TRUE(apply->isEnabled());
    QTest::mouseClick(apply, Qt::LeftButton);
    ASSERT_TRUE(wait_until([&] { return summary->text() == "Applied app/bank."; }))
        << summary->text().toStdString();
    // The service's signal brings it to My restrictions.
    ASSERT_TRUE(wait_until([&] { return restriction(w, QStringLiteral("bank")) != nullptr; }));
    EXPECT_EQ(restriction(w, QStringLiteral("bank"))->text(1), "Compiled (not loaded)");
    const auto* layer = p.session().find_layer("app", "bank");
    ASSERT_NE(layer, nullptr);
    EXPECT_EQ(p.session().client().source(layer->object_path), "owner @{HOME}/bank/** rw,");
}

TEST(SettingsPanel, FollowsChangesMadeWithTheCommand) {
    Service s;
    Panel p(s);
    MainWindow& w = p.window();
    p.show(w.restrictions());
    EXPECT_EQ(find<QTreeWidget>(w, "restrictions")->topLevelItemCount(), 0);

    apply_with_cli(s, "cli", "owner @{HOME}/cli/** rw,\n");
    ASSERT_TRUE(wait_until([&] { return restriction(w, QStringLiteral("cli")) != nullptr; }));
    EXPECT_EQ(restriction(w, QStringLiteral("cli"))->text(2), "Enforced");

    cli(s, {"mode", "app/cli", "complain"});
    ASSERT_TRUE(wait_until([&] {
        auto* row = restriction(w, QStringLiteral("cli"));
        return row != nullptr && row->text(2) == "Only logged (complain)";
    })) << "the mode change did not arrive";
    screenshot(w, "live");

    cli(s, {"remove", "app/cli"});
    ASSERT_TRUE(wait_until([&] { return find<QTreeWidget>(w, "restrictions")->topLevelItemCount() == 0; }));
}

TEST(SettingsPanel, ExplainsAFile) {
    Service s;
    apply_with_cli(s, "docs", "owner @{HOME}/Documents/** r,\n");
    Panel p(s);
    MainWindow& w = p.window();
    p.show(w.explainer());
    EXPECT_EQ(find<QComboBox>(w, "explainLayer")->currentText(), "app/docs");
    auto* path = find<QLineEdit>(w, "explainPath");
    auto* owner = find<QLabel>(w, "explainOwner");
    auto* other = find<QLabel>(w, "explainOther");
    auto* reasons = find<QTreeWidget>(w, "explainReasons");

    QTest::keyClicks(path, "/root/Documents/letter.txt");
    QTest::keyClick(path, Qt::Key_Return);
    EXPECT_EQ(owner->text(), "read");
    EXPECT_EQ(other->text(), "nothing");
    bool layer_rule = false;
    for (int i = 0; i < reasons->topLevelItemCount(); ++i) {
        const auto* r = reasons->topLevelItem(i);
        if (r->data(0, Qt::UserRole).toString() == "layer") {
            layer_rule = true;
            EXPECT_EQ(r->text(0), "Your restriction");
            EXPECT_TRUE(r->text(1).startsWith("docs.layer:1:1: ")) << r->text(1).toStdString();
        }
    }
    EXPECT_TRUE(layer_rule) << "no rule of the layer among the reasons";
    screenshot(w, "explain");

    // Outside what the layer allows, inside the grant: nothing.
    path->clear();
    QTest::keyClicks(path, "/root/.ssh/id_ed25519");
    QTest::mouseClick(find<QPushButton>(w, "explainButton"), Qt::LeftButton);
    EXPECT_EQ(owner->text(), "nothing");
    EXPECT_EQ(other->text(), "nothing");
}

TEST(SettingsPanel, ComparesAndRemoves) {
    Service s;
    apply_with_cli(s, "a", "owner @{HOME}/a/** rw,\n");
    apply_with_cli(s, "b", "owner @{HOME}/b/** r,\n");
    Panel p(s);
    MainWindow& w = p.window();

    p.show(w.compare());
    auto* first = find<QComboBox>(w, "compareFirst");
    auto* second = find<QComboBox>(w, "compareSecond");
    EXPECT_EQ(first->currentText(), "app/a");
    ASSERT_EQ(second->count(), 2);  // the base alone, and b
    EXPECT_EQ(second->itemText(0), "app without restrictions");
    second->setCurrentIndex(second->findText("app/b"));
    QTest::mouseClick(find<QPushButton>(w, "compareButton"), Qt::LeftButton);
    auto* table = find<QTreeWidget>(w, "compareTable");
    ASSERT_GT(table->topLevelItemCount(), 0) << find<QLabel>(w, "compareSummary")->text().toStdString();
    bool under_a = false;
    for (int i = 0; i < table->topLevelItemCount(); ++i) {
        const auto* row = table->topLevelItem(i);
        if (row->text(0).startsWith("/root/a/")) {
            under_a = true;
            EXPECT_EQ(row->text(1), "your files: read, write, append; others' files: nothing");
            EXPECT_EQ(row->text(2), "your files: nothing; others' files: nothing");
        }
    }
    EXPECT_TRUE(under_a) << "no example under /root/a/";
    screenshot(w, "compare");

    p.show(w.restrictions());
    auto* row = restriction(w, QStringLiteral("a"));
    ASSERT_NE(row, nullptr);
    find<QTreeWidget>(w, "restrictions")->setCurrentItem(row);
    QTest::mouseClick(find<QPushButton>(w, "remove"), Qt::LeftButton);
    QMessageBox* box = nullptr;
    ASSERT_TRUE(wait_until([&] { return (box = w.findChild<QMessageBox*>("confirmRemove")) != nullptr; }));
    EXPECT_NE(box->text().indexOf("a of app"), -1) << box->text().toStdString();
    screenshot(*box, "remove");  // a window of its own: the main window's grab leaves it out
    QAbstractButton* yes = nullptr;
    for (auto* b : box->buttons())
        if (box->buttonRole(b) == QMessageBox::DestructiveRole) yes = b;
    ASSERT_NE(yes, nullptr);
    QTest::mouseClick(yes, Qt::LeftButton);
    auto* status = find<QLabel>(w, "restrictionsStatus");
    ASSERT_TRUE(wait_until([&] { return status->text() == "Removed app/a."; }))
        << status->text().toStdString();
    ASSERT_TRUE(wait_until([&] { return restriction(w, QStringLiteral("a")) == nullptr; }));
    EXPECT_NE(restriction(w, QStringLiteral("b")), nullptr);
    EXPECT_EQ(p.session().find_layer("app", "a"), nullptr);
}

// The refusal is made up (the compile-only service never sees processes
// under a layer; tests/kernel/service_test.sh has the real one); the forced
// Remove that follows is real.
TEST(SettingsPanel, OffersForceAfterAnInUseRefusal_RefusalFaked) {
    Service s;
    apply_with_cli(s, "a", "owner @{HOME}/a/** rw,\n");
    Panel p(s);
    MainWindow& w = p.window();
    p.show(w.restrictions());
    w.restrictions()->removed("app", "a", false,
                              settings::Outcome{false, "Busy", "processes run under app/a", {}});
    QMessageBox* box = nullptr;
    ASSERT_TRUE(wait_until([&] { return (box = w.findChild<QMessageBox*>("confirmForce")) != nullptr; }));
    EXPECT_TRUE(box->text().startsWith("Programs are running under app/a, so it was not removed."))
        << box->text().toStdString();
    EXPECT_NE(box->text().indexOf("processes run under app/a"), -1);
    // Cancel is the default: Return does not force.
    EXPECT_EQ(box->defaultButton(), box->button(QMessageBox::Cancel));
    QAbstractButton* force = nullptr;
    for (auto* b : box->buttons())
        if (box->buttonRole(b) == QMessageBox::DestructiveRole) force = b;
    ASSERT_NE(force, nullptr);
    EXPECT_EQ(force->text(), "Remove &anyway");
    QTest::mouseClick(force, Qt::LeftButton);
    ASSERT_TRUE(wait_until([&] { return restriction(w, QStringLiteral("a")) == nullptr; }));
    EXPECT_EQ(p.session().find_layer("app", "a"), nullptr);
    EXPECT_EQ(find<QLabel>(w, "restrictionsStatus")->text(), "Removed app/a.");
}

// An auditd log line: a read of `path` denied under the kernel profile `label`, by root.
std::string denial_record(const std::string& label, const std::string& path, int serial) {
    return "type=AVC msg=audit(1700000000.000:" + std::to_string(serial) +
           "): apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"" + label + "\" name=\"" +
           path + "\" pid=4242 comm=\"app\" requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0\n";
}

TEST(SettingsPanel, ShowsDenialsAndAllowsOne) {
    TempDir logs;
    ::chmod(logs.path().c_str(), 0755);
    const std::string audit_log = logs.write("audit.log", "");
    Service s({"denial_source=audit-log", "audit_log=" + audit_log});
    apply_with_cli(s, "w", "owner @{HOME}/Documents/** r,\n");
    Panel p(s);
    MainWindow& w = p.window();
    p.show(w.denials());
    EXPECT_EQ(find<QComboBox>(w, "denialsLayer")->currentText(), "app/w");
    const auto* layer = p.session().find_layer("app", "w");
    ASSERT_NE(layer, nullptr);
    const std::string object_path = layer->object_path;
    std::ofstream(audit_log, std::ios::app)
        << denial_record(layer->kernel_name, "/root/Downloads/report.pdf", 1)
        << denial_record(layer->kernel_name, "/etc/shadow", 2);
    auto* table = find<QTreeWidget>(w, "denials");
    // The service's Denials signal brings them: no polling.
    ASSERT_TRUE(wait_until([&] { return table->topLevelItemCount() == 2; })) << s.log();
    QTreeWidgetItem* mine = nullptr;
    QTreeWidgetItem* admins = nullptr;
    for (int i = 0; i < 2; ++i) {
        auto* row = table->topLevelItem(i);
        if (row->text(2).contains("/root/Downloads/report.pdf")) mine = row;
        if (row->text(2).contains("/etc/shadow")) admins = row;
    }
    ASSERT_NE(mine, nullptr);
    ASSERT_NE(admins, nullptr);
    EXPECT_EQ(mine->text(1), "app");
    EXPECT_EQ(mine->text(2), "open /root/Downloads/report.pdf (read)");
    EXPECT_TRUE(mine->text(4).startsWith("Yes: ")) << mine->text(4).toStdString();
    const QString rule = mine->data(0, Qt::UserRole).toString();
    EXPECT_NE(rule.indexOf("/root/Downloads/report.pdf"), -1) << rule.toStdString();
    EXPECT_FALSE(admins->text(4).startsWith("Yes")) << admins->text(4).toStdString();
    auto* allow = find<QPushButton>(w, "allowThis");
    table->setCurrentItem(admins);
    EXPECT_FALSE(allow->isEnabled()) << "only the admin can allow this one";
    table->setCurrentItem(mine);
    screenshot(w, "denied");
    ASSERT_TRUE(allow->isEnabled());
    QTest::mouseClick(allow, Qt::LeftButton);
    auto* status = find<QLabel>(w, "denialsStatus");
    ASSERT_TRUE(wait_until([&] { return status->text().startsWith("Allowed: "); }))
        << status->text().toStdString();
    EXPECT_EQ(p.session().client().source(object_path),
              "owner @{HOME}/Documents/** r,\n" + rule.toStdString() + "\n");
}

}  // namespace
}  // namespace aalayer::test
