// "What was denied?": the kernel's recent denials under one of the
// caller's layers (GetDenials, then the service's Denials signal while the
// layer is shown), and "Allow this", which adds the rule the service
// proposes for a denial to the layer and applies it, where the grant lets
// the caller (allow = layer); otherwise the service's note says who can.
#pragma once

#include <QWidget>
#include <string>
#include <vector>

#include "client/lib/client.h"

class QComboBox;
class QLabel;
class QPushButton;
class QTreeWidget;

namespace aalayer::settings {

class Session;

class DenialsScreen : public QWidget {
    Q_OBJECT
public:
    explicit DenialsScreen(Session& session, QWidget* parent = nullptr);

public slots:
    void refresh();

private slots:
    void refresh_layers();
    void follow_selected();
    void allow_selected();
    void update_button();

private:
    Session& session_;
    QComboBox* layer_;
    QTreeWidget* table_;
    QLabel* status_;
    QPushButton* allow_;
    std::string followed_;  // the object path whose denials come as signals
};

}  // namespace aalayer::settings
