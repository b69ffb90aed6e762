// The panel's one link to aalayerd: a Client for the GUI thread, what the
// screens show (the caller's layers, the bases, the grant's rules) and the
// news the client library hears, brought to the GUI thread.
//
// The client library's calls block and its callbacks run on a thread of its
// own (client/lib/client.h). Quick calls (Check, Explain, Diff, the lists:
// about a millisecond) run here on the GUI thread. Apply and Remove may wait
// for polkit's password prompt or apparmor_parser, seconds: they run on a
// thread of their own with a Client of their own (a Client is for one thread
// at a time), one at a time, and answer on the GUI thread.
#pragma once

#include <QObject>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/lib/client.h"

namespace aalayer::settings {

// What Apply or Remove answered.
struct Outcome {
    bool ok = false;
    std::string error;    // the error's short name (InvalidLayer, Busy, ...); "" when ok
    std::string message;  // the service's words for it
    std::vector<client::Finding> findings;
};

class Session : public QObject {
    Q_OBJECT
public:
    // address: a bus other than the system bus (tests, the demo); the
    // system bus (DBUS_SYSTEM_BUS_ADDRESS when set) otherwise. Throws
    // client::CallError when the bus cannot be reached.
    explicit Session(std::optional<std::string> address, QObject* parent = nullptr);
    ~Session() override;
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // For the GUI thread only.
    client::Client& client() { return *client_; }
    // The caller's own layers, sorted by base and name.
    [[nodiscard]] const std::vector<client::Layer>& layers() const { return layers_; }
    [[nodiscard]] const std::vector<client::Base>& bases() const { return bases_; }
    [[nodiscard]] const std::vector<client::GrantRule>& grant_rules() const { return grant_rules_; }
    [[nodiscard]] bool service_running() const { return running_; }
    [[nodiscard]] const client::Layer* find_layer(const std::string& base, const std::string& name) const;

    // `done` runs on the GUI thread. False (and nothing runs) while another
    // Apply or Remove is under way.
    bool apply(const std::string& base, const std::string& name, const std::string& text,
               const client::ApplyOptions& options, std::function<void(const Outcome&)> done);
    bool remove(const std::string& base, const std::string& name, bool force,
                std::function<void(const Outcome&)> done);
    [[nodiscard]] bool busy() const { return busy_; }

    // The layer's denials as they come: denials_arrived(object_path) on the
    // GUI thread (read them with client().denials()). Follow again after the
    // service restarted (service_changed(true)): it forgot.
    void follow_denials(const std::string& object_path);

public slots:
    void refresh_layers();
    void refresh_admin();

signals:
    void layers_changed();
    void admin_changed();
    void service_changed(bool running);
    void busy_changed(bool busy);
    void denials_arrived(const QString& object_path);
    // A call failed in a way the screen that made it does not show.
    void problem(const QString& message);

private:
    void set_service_running(bool running);
    void run_slow(std::function<Outcome(client::Client&)> call, std::function<void(const Outcome&)> done);

    std::optional<std::string> address_;
    std::vector<client::Layer> layers_;
    std::vector<client::Base> bases_;
    std::vector<client::GrantRule> grant_rules_;
    bool running_ = true;
    bool busy_ = false;
    std::thread slow_;
    // Last: destroyed first, which stops its callbacks before the rest goes.
    std::unique_ptr<client::Client> client_;
};

}  // namespace aalayer::settings
