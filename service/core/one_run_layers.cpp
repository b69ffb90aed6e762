// One-run layers (RunLayer): composed like an apply, loaded, never stored,
// and gone once their client has left the bus and no process runs under
// them. docs/security-model.md ("One-run layers") says how they are bounded.
#include <algorithm>

#include "service/core/layer_manager.h"

namespace aalayer::service {

namespace {

// Bus names gone lately, remembered for a run that loads after its client left.
constexpr std::size_t kGoneClientsKept = 1024;

// "BASE//aalayer.<uid>.run.<serial>": the base, uid and serial of a one-run layer.
struct RunName {
    std::string base;
    std::uint32_t uid = 0;
    std::uint64_t serial = 0;
};
std::optional<RunName> parse_run_name(const std::string& kernel_name) {
    const auto sep = kernel_name.rfind("//aalayer.");
    if (sep == std::string::npos || sep == 0) return std::nullopt;
    const std::string rest = kernel_name.substr(sep + 10);  // "<uid>.run.<serial>"
    const auto dot = rest.find('.');
    if (dot == std::string::npos || dot == 0 || dot > 10) return std::nullopt;
    const std::string uid = rest.substr(0, dot);
    if (uid.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    const auto serial = policy::transient_serial(rest.substr(dot + 1));
    if (!serial) return std::nullopt;
    const unsigned long long u = std::stoull(uid);
    if (u > UINT32_MAX) return std::nullopt;
    return RunName{kernel_name.substr(0, sep), static_cast<std::uint32_t>(u), *serial};
}

}  // namespace

Outcome<RunLayer> LayerManager::run_layer(const Caller& caller, const RunRequest& request) {
    const std::uint32_t uid = caller.uid;
    auto identity = user(uid);
    if (!identity) return identity.error();
    if (auto st = rate_limit(uid); !st) return st.error();
    const CatalogRef catalog = current();
    if (!catalog.catalog->has_base(request.base))
        return fail(ServiceErrorKind::NoSuchBase, "no base profile named '" + request.base + "'");
    if (!catalog.catalog->has_grant(request.base)) {
        return fail(ServiceErrorKind::NotGranted,
                    "there is no grant for '" + request.base + "': users cannot layer on it");
    }
    auto bounds = catalog.catalog->bounds(request.base, identity.value());
    if (!bounds) return bounds.error();
    auto rules = policy::one_run_rules(request.allows, request.denies, *bounds.value());
    if (!rules) return fail(ServiceErrorKind::InvalidArgument, rules.error().message);
    std::string text = request.text;
    if (!text.empty() && !text.ends_with('\n')) text += '\n';
    text += rules.value();
    if (text.size() > limits_.max_text_bytes) {
        return fail(ServiceErrorKind::LimitExceeded,
                    "layer text is larger than " + std::to_string(limits_.max_text_bytes) + " bytes");
    }
    std::uint64_t serial = 0;
    {
        const std::lock_guard lock(mutex_);
        std::size_t alive = starting_runs_[uid];
        for (const auto& [key, run] : runs_)
            alive += key.uid == uid ? 1 : 0;
        if (uid != 0 && alive >= limits_.max_runs_per_user) {
            if (starting_runs_[uid] == 0) starting_runs_.erase(uid);
            return fail(ServiceErrorKind::LimitExceeded,
                        "uid " + std::to_string(uid) + " already has " + std::to_string(alive) +
                            " one-run layers, the most allowed (max_runs_per_user); they go when their "
                            "programs have exited");
        }
        ++starting_runs_[uid];
        serial = next_run_++;
    }
    const struct Unreserve {
        LayerManager& self;
        std::uint32_t uid;
        ~Unreserve() {
            const std::lock_guard lock(self.mutex_);
            if (const auto it = self.starting_runs_.find(uid);
                it != self.starting_runs_.end() && --it->second == 0)
                self.starting_runs_.erase(it);
        }
    } unreserve{*this, uid};

    const std::string name = policy::transient_layer_name(serial);
    StoredLayer stored{uid, request.base, name, text, false, false, ports_.clock.now_usec(), {}};
    auto composed = compose(*catalog.catalog, stored, identity.value());
    if (!composed) return composed.error();
    if (!composed->valid()) return fail(ServiceErrorKind::InvalidLayer, format_findings(composed->findings));
    if (request.strict && !composed->findings.empty()) {
        return fail(ServiceErrorKind::InvalidLayer,
                    "strict: not started, the layer has findings:\n" + format_findings(composed->findings));
    }
    if (auto st = authorize(caller, kActionManageOwn, request.interactive); !st) return st.error();
    const std::string kernel_name = kernel_name_of(stored);
    auto child = ports_.kernel.compile(kernel_name, composed->child_text);
    if (!child) return child.error();
    if (auto st = child.value()->load(); !st) return st.error();
    RunLayer out{name, request.base + "//&" + kernel_name, text, composed->findings};
    {
        const std::lock_guard lock(mutex_);
        const bool gone =
            std::find(gone_clients_.begin(), gone_clients_.end(), caller.bus_name) != gone_clients_.end();
        runs_[LayerKey{uid, request.base, name}] =
            Run{caller.bus_name, kernel_name, gone,
                std::make_shared<const policy::Composition>(std::move(composed.value()))};
    }
    return out;
}

bool LayerManager::run_client_gone(const std::string& bus_name) {
    const std::lock_guard lock(mutex_);
    gone_clients_.push_back(bus_name);
    if (gone_clients_.size() > kGoneClientsKept) gone_clients_.pop_front();
    bool had = false;
    for (auto& [key, run] : runs_) {
        if (run.bus_name != bus_name) continue;
        run.client_gone = true;
        had = true;
    }
    return had;
}

std::size_t LayerManager::sweep_runs() {
    std::vector<std::pair<LayerKey, std::string>> candidates;
    {
        const std::lock_guard lock(mutex_);
        for (const auto& [key, run] : runs_)
            if (run.client_gone) candidates.emplace_back(key, run.kernel_name);
    }
    std::size_t waiting = 0;
    for (const auto& [key, kernel_name] : candidates) {
        // A process still under the label (the program's children, a daemon
        // it started) keeps the layer: unloaded, they would be left with the base alone.
        if (ports_.kernel.in_use(kernel_name)) {
            ++waiting;
            continue;
        }
        if (auto st = ports_.kernel.unload(kernel_name); !st) {
            log_("cannot unload the one-run layer " + kernel_name + ": " + st.error().message);
            ++waiting;
            continue;
        }
        const std::lock_guard lock(mutex_);
        runs_.erase(key);
    }
    return waiting;
}

std::size_t LayerManager::runs() const {
    const std::lock_guard lock(mutex_);
    return runs_.size();
}

void LayerManager::adopt_leftover_runs(const MessageLog& log) {
    std::size_t adopted = 0;
    const auto loaded = ports_.kernel.loaded_profiles();
    for (const auto& kernel_name : loaded.value_or(std::unordered_set<std::string>{})) {
        const auto parsed = parse_run_name(kernel_name);
        if (!parsed) continue;
        const std::lock_guard lock(mutex_);
        next_run_ = std::max(next_run_, parsed->serial + 1);
        // Their client went with the previous aalayerd: the sweep unloads
        // each once no process runs under it. No composition: Explain has nothing to say.
        runs_[LayerKey{parsed->uid, parsed->base, policy::transient_layer_name(parsed->serial)}] =
            Run{{}, kernel_name, true, nullptr};
        ++adopted;
    }
    if (adopted > 0)
        log(std::to_string(adopted) + " one-run layers left by a previous aalayerd: unloading them");
    sweep_runs();
}

}  // namespace aalayer::service
