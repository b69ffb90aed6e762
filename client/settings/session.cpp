#include "client/settings/session.h"

#include <QMetaObject>
#include <algorithm>
#include <tuple>

#include <unistd.h>

namespace aalayer::settings {

namespace {

Outcome failure(const client::CallError& e) {
    return Outcome{false, e.short_name(), e.what(), e.findings()};
}

}  // namespace

Session::Session(std::optional<std::string> address, QObject* parent)
    : QObject(parent), address_(std::move(address)), client_(client::Client::connect(address_)) {
    // The library's callbacks run on its thread: only a queued call crosses
    // to the GUI thread, where the lists are read again.
    client_->subscribe([this](const std::string&) {
        QMetaObject::invokeMethod(this, "refresh_layers", Qt::QueuedConnection);
    });
    client_->watch_admin_changes([this](const std::string&, const std::vector<std::string>&) {
        QMetaObject::invokeMethod(this, "refresh_admin", Qt::QueuedConnection);
    });
    client_->watch_service([this](bool running) {
        QMetaObject::invokeMethod(
            this, [this, running] { set_service_running(running); }, Qt::QueuedConnection);
    });
    refresh_admin();
    refresh_layers();
}

Session::~Session() {
    if (slow_.joinable()) slow_.join();
}

const client::Layer* Session::find_layer(const std::string& base, const std::string& name) const {
    const auto it = std::find_if(layers_.begin(), layers_.end(),
                                 [&](const client::Layer& l) { return l.base == base && l.name == name; });
    return it == layers_.end() ? nullptr : &*it;
}

void Session::refresh_layers() {
    try {
        std::vector<client::Layer> mine;
        for (auto& l : client_->layers())
            if (l.owner == ::getuid()) mine.push_back(std::move(l));
        std::sort(mine.begin(), mine.end(), [](const client::Layer& a, const client::Layer& b) {
            return std::tie(a.base, a.name) < std::tie(b.base, b.name);
        });
        layers_ = std::move(mine);
    } catch (const std::exception& e) {
        emit problem(tr("Could not list your restrictions: %1").arg(QString::fromStdString(e.what())));
    }
    emit layers_changed();
}

void Session::refresh_admin() {
    try {
        bases_ = client_->bases();
        grant_rules_ = client_->grant_rules();
    } catch (const std::exception& e) {
        emit problem(
            tr("Could not read what the administrator allows: %1").arg(QString::fromStdString(e.what())));
    }
    emit admin_changed();
}

void Session::set_service_running(bool running) {
    running_ = running;
    emit service_changed(running);
    if (running) {
        refresh_admin();
        refresh_layers();
    }
}

void Session::follow_denials(const std::string& object_path) {
    // To the Session, which outlives every screen and stops the callbacks
    // (its Client goes first) before it goes.
    client_->follow_denials(
        object_path, [this, path = QString::fromStdString(object_path)](const std::vector<client::Denial>&) {
            QMetaObject::invokeMethod(
                this, [this, path] { emit denials_arrived(path); }, Qt::QueuedConnection);
        });
}

bool Session::apply(const std::string& base, const std::string& name, const std::string& text,
                    const client::ApplyOptions& options, std::function<void(const Outcome&)> done) {
    if (busy_) return false;
    run_slow(
        [=](client::Client& c) {
            const auto [path, findings] = c.apply(base, name, text, options);
            return Outcome{true, "", path, findings};
        },
        std::move(done));
    return true;
}

bool Session::remove(const std::string& base, const std::string& name, bool force,
                     std::function<void(const Outcome&)> done) {
    if (busy_) return false;
    run_slow(
        [=](client::Client& c) {
            c.remove(base, name, force, /*interactive=*/true);
            return Outcome{true, "", "", {}};
        },
        std::move(done));
    return true;
}

void Session::run_slow(std::function<Outcome(client::Client&)> call,
                       std::function<void(const Outcome&)> done) {
    if (slow_.joinable()) slow_.join();  // the last one has answered: busy_ was false
    busy_ = true;
    emit busy_changed(true);
    slow_ = std::thread([this, address = address_, call = std::move(call), done = std::move(done)] {
        Outcome outcome;
        try {
            // A connection of this thread's own: the GUI thread's Client stays free.
            const auto c = client::Client::connect(address);
            outcome = call(*c);
        } catch (const client::CallError& e) {
            outcome = failure(e);
        } catch (const std::exception& e) {
            outcome = Outcome{false, "Internal", e.what(), {}};
        }
        QMetaObject::invokeMethod(
            this,
            [this, outcome = std::move(outcome), done] {
                busy_ = false;
                emit busy_changed(false);
                done(outcome);
            },
            Qt::QueuedConnection);
    });
}

}  // namespace aalayer::settings
