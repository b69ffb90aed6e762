// The D-Bus face of the LayerManager: org.aalayer.Manager1, one
// org.aalayer.Layer1 object per layer under an ObjectManager at
// /org/aalayer. Methods hand their work to the worker pool and reply from
// the bus thread; properties read a snapshot kept on the bus thread, so no
// call ever waits on a compile or on polkit.
//
// Every request goes the same way (serve()): arguments checked for size on
// the bus thread; the caller's uid asked of the bus daemon without
// blocking; the user's CPU budget (CostLimiter) and queue share checked;
// only then queued, in the user's own queue. Whatever a handler or a reply
// throws is logged and answered as org.aalayer.Error.Internal, and every
// string that leaves is valid UTF-8 (docs/security-model.md).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "dbus/layer1_adaptor.h"
#include "dbus/manager1_adaptor.h"
#include "service/bus/bus_loop.h"
#include "service/bus/callers.h"
#include "service/bus/wire.h"
#include "service/bus/worker_pool.h"
#include "service/core/cost_limiter.h"
#include "service/core/layer_manager.h"

namespace aalayer::service {

// Where the bus objects log: each message with its syslog priority (3
// error, 4 warning, 6 info; service/system/log.h).
using PriorityLog = std::function<void(int priority, const std::string& message)>;

// The CPU time the calling thread has used, in microseconds.
std::uint64_t thread_cpu_usec();

class LayerObject;

// How denials reach their owners (docs/service.md, "Denials").
struct DenialDelivery {
    std::string source = "none";  // the DenialSource property
    std::size_t max_subscriptions_per_user = 8;
    std::size_t max_subscriptions = 1024;  // of everyone
    std::chrono::milliseconds batch{50};   // records changed within it go in one signal
};

class BusObjects {
public:
    BusObjects(sdbus::IConnection& connection, BusLoop& loop, WorkerPool& pool, LayerManager& manager,
               CostLimiter& costs, PriorityLog log, DenialDelivery delivery = {});
    ~BusObjects();
    BusObjects(const BusObjects&) = delete;
    BusObjects& operator=(const BusObjects&) = delete;

    // Publishes an object for every layer the manager has; call on the bus thread.
    void publish_all();
    // From the manager's listener (any thread).
    void on_layer_event(LayerEvent event, const LayerKey& key);
    // From the manager's catalog listener (any thread): the Manager1 signals
    // GrantsChanged and BasesChanged, sent from the bus thread.
    void on_catalog_changes(const CatalogChanges& changes);
    // From the denial log's listener (the source's thread): never waits
    // for the bus thread; records changed within a batch go in one signal.
    void on_denials(const LayerKey& key);

    // Denials subscriptions, by unique name (bus thread). A name that
    // leaves the bus loses its subscriptions (NameOwnerChanged).
    std::optional<ServiceError> subscribe(const Caller& caller, const LayerKey& key);
    void unsubscribe(const std::string& name, const LayerKey& key);
    [[nodiscard]] const DenialDelivery& delivery() const { return delivery_; }

    // Runs `then` on the bus thread with the caller of `call` (see Callers);
    // answers `result` with an error when the caller cannot be known.
    template <typename R>
    void with_caller(const sdbus::Message& call, const std::shared_ptr<R>& result,
                     std::function<void(const Caller&)> then) {
        callers_.resolve(call.getSender(), [this, result, then = std::move(then)](std::optional<Caller> c) {
            guarded(result, [&] {
                if (!c) {
                    return result->returnError(to_dbus_error(fail(
                        ServiceErrorKind::Busy, "the bus could not say who is calling; retry in a moment")));
                }
                then(*c);
            });
        });
    }

    // The caller's request, admitted (CPU budget, queue share), run on the
    // pool in its lane; the step `work` returns (the reply) runs on the bus
    // thread. What the work cost in CPU is charged to the caller's uid.
    template <typename R>
    void serve(WorkerPool::Lane lane, const sdbus::Message& call, std::shared_ptr<R> result,
               std::function<std::function<void()>(const Caller&)> work) {
        with_caller(call, result, [this, lane, result, work = std::move(work)](const Caller& c) {
            if (auto refused = admit(c)) return result->returnError(to_dbus_error(*refused));
            const auto posted = pool_.post(
                c.uid,
                [this, result, work, c] {
                    std::function<void()> reply;
                    const std::uint64_t cpu_before = thread_cpu_usec();
                    try {
                        // A person's first request gives them the admin's
                        // defaults, if the account list did not (a directory
                        // service that does not enumerate).
                        manager_.ensure_defaults(c.uid);
                        reply = work(c);
                    } catch (const std::exception& e) {
                        log_(3, std::string("unexpected error: ") + e.what());
                        reply = internal_error(result);
                    } catch (...) {
                        log_(3, "unexpected error");
                        reply = internal_error(result);
                    }
                    charge(c, thread_cpu_usec() - cpu_before);
                    loop_.post([this, result, reply = std::move(reply)] { guarded(result, reply); });
                },
                lane);
            if (posted != WorkerPool::Posted::Queued) result->returnError(to_dbus_error(refusal(posted)));
        });
    }

    LayerManager& manager() { return manager_; }
    const PriorityLog& log() const { return log_; }

private:
    class ManagerObject;

    // Runs `step` (which replies to `result`); an exception from it (a reply
    // that cannot be sent) is logged and answered as an internal error.
    template <typename R, typename F>
    void guarded(const std::shared_ptr<R>& result, F&& step) {
        try {
            step();
        } catch (const std::exception& e) {
            log_(3, std::string("cannot send a reply: ") + e.what());
            try {
                result->returnError(to_dbus_error(ServiceError{ServiceErrorKind::Internal, {}, {}}));
            } catch (const std::exception&) {  // the caller is gone, or the bus is
            }
        }
    }
    template <typename R>
    static std::function<void()> internal_error(const std::shared_ptr<R>& result) {
        return [result] {
            result->returnError(to_dbus_error(ServiceError{ServiceErrorKind::Internal, {}, {}}));
        };
    }
    std::optional<ServiceError> admit(const Caller& caller);
    // A batch of denials: its timer fires on the bus thread and hands the
    // batch to the pool (the explain is the engine's work), which posts the
    // signals back to the bus thread. One batch at a time (batch_armed_), so
    // sent_seq_ has one user and signals go out in order; no thread of its own.
    void start_batch();                                               // bus thread
    void send_batch();                                                // a worker
    void deliver(const LayerKey& key, const DenialStructs& denials);  // bus thread
    void name_gone(const std::string& name);                          // bus thread
    void charge(const Caller& caller, std::uint64_t cpu_usec);
    static ServiceError refusal(WorkerPool::Posted posted);

    sdbus::IConnection& connection_;
    BusLoop& loop_;
    WorkerPool& pool_;
    LayerManager& manager_;
    CostLimiter& costs_;
    PriorityLog log_;
    Callers callers_;
    std::unique_ptr<sdbus::IObject> object_manager_;
    std::unique_ptr<ManagerObject> manager_object_;
    std::map<LayerKey, std::unique_ptr<LayerObject>> layers_;  // bus thread only
    DenialDelivery delivery_;
    std::map<std::string, Caller> subscriber_of_;              // bus thread: unique name -> who
    std::map<std::string, std::set<LayerKey>> subscriptions_;  // bus thread: unique name -> layers
    std::unique_ptr<sdbus::Slot> names_slot_;                  // NameOwnerChanged
    std::mutex notify_mutex_;                                  // guards the four below
    std::set<LayerKey> pending_;  // layers whose records changed since the last batch
    std::set<LayerKey> watched_;  // layers someone subscribes to (a copy kept by the bus thread)
    // A batch's timer is set, or its round is queued or running: the next
    // record waits for it (the first of a batch arms it, not each one).
    bool batch_armed_ = false;
    bool stopping_ = false;
    std::map<LayerKey, std::uint64_t> sent_seq_;  // the running batch's only
};

}  // namespace aalayer::service
