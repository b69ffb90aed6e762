// The D-Bus face of the LayerManager: org.aalayer.Manager1, one
// org.aalayer.Layer1 object per layer under an ObjectManager at
// /org/aalayer. Methods hand their work to the worker pool and reply from
// the bus thread; properties read a snapshot kept on the bus thread, so no
// call ever waits on a compile or on polkit.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "dbus/layer1_adaptor.h"
#include "dbus/manager1_adaptor.h"
#include "service/bus/bus_loop.h"
#include "service/bus/worker_pool.h"
#include "service/core/layer_manager.h"

namespace aalayer::service {

using Log = std::function<void(int priority, const std::string& message)>;
using FindingStructs =
    std::vector<sdbus::Struct<std::string, std::uint32_t, std::uint32_t, std::string, std::string>>;

FindingStructs to_structs(const std::vector<policy::Finding>& findings);

// An error for the caller; unexpected ones carry no details (those go to the log).
sdbus::Error to_dbus_error(const ServiceError& error);

class LayerObject;

class BusObjects {
public:
    BusObjects(sdbus::IConnection& connection, BusLoop& loop, WorkerPool& pool, LayerManager& manager,
               Log log);
    ~BusObjects();
    BusObjects(const BusObjects&) = delete;
    BusObjects& operator=(const BusObjects&) = delete;

    // Publishes an object for every layer the manager has; call on the bus thread.
    void publish_all();
    // From the manager's listener (any thread).
    void on_layer_event(LayerEvent event, const LayerKey& key);

    // The caller as the bus authenticated it: sender and its uid.
    static Caller caller_of(const sdbus::Message& message);

    // Runs `work` on the pool, in its lane; the step it returns (the reply)
    // runs on the bus thread. A full pool answers Busy at once; an exception
    // is logged and answered as a generic internal error.
    template <typename R>
    void submit(WorkerPool::Lane lane, std::shared_ptr<R> result,
                std::function<std::function<void()>()> work) {
        const bool queued = pool_.post(
            [this, result, work = std::move(work)] {
                std::function<void()> reply;
                try {
                    reply = work();
                } catch (const std::exception& e) {
                    log_(3, std::string("unexpected error: ") + e.what());
                    reply = [result] {
                        result->returnError(to_dbus_error(ServiceError{ErrorKind::Internal, {}}));
                    };
                }
                loop_.post(std::move(reply));
            },
            lane);
        if (!queued) {
            result->returnError(to_dbus_error(
                fail(ErrorKind::Busy, "the service is busy with other requests; retry in a moment")));
        }
    }

    LayerManager& manager() { return manager_; }
    BusLoop& loop() { return loop_; }
    const Log& log() const { return log_; }

private:
    class ManagerObject;
    sdbus::IConnection& connection_;
    BusLoop& loop_;
    WorkerPool& pool_;
    LayerManager& manager_;
    Log log_;
    std::unique_ptr<sdbus::IObject> object_manager_;
    std::unique_ptr<ManagerObject> manager_object_;
    std::map<LayerKey, std::unique_ptr<LayerObject>> layers_;  // bus thread only
};

}  // namespace aalayer::service
