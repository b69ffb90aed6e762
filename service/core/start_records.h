// What a restart can take instead of composing (docs/service.md, "Start"):
// each layer's last computation (its state, findings and the child the
// kernel was given) and everything it was computed from (LayerInputs). At
// start a layer whose stored text and inputs are as recorded loads its
// recorded child, from the binary cache where it is there, and composes
// nothing; any other layer is composed as if there were no record.
//
// The records are a cache: a file that is missing, torn, foreign or from
// another build of aalayerd is ignored as a whole (StartRecordStore), and a
// record that does not match costs only the composition it would have saved.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/engine/finding.h"
#include "service/core/layer_inputs.h"
#include "service/core/layer_key.h"
#include "service/core/outcome.h"
#include "service/core/ports.h"

namespace aalayer::service {

struct StartRecord {
    std::uint64_t stored_sum = 0;  // stored_layer_sum of the layer it was computed for
    bool review = false;           // held back to what its owner accepted (LayerState::Review)
    std::vector<policy::Finding> findings;
    std::string loaded_text;      // the child the kernel was given
    std::uint64_t child_sum = 0;  // text_sum of the composition's child (before any hold-back)
    std::shared_ptr<const LayerInputs> inputs;
};

using StartRecords = std::map<LayerKey, StartRecord>;

// What of a stored layer its composition depends on (not when it was written).
std::uint64_t stored_layer_sum(const StoredLayer& layer);

// Where the records are kept between runs: a cache, so failing to read or
// write them only makes the next start compose. read() gives only what this
// same build of aalayerd wrote, whole; anything else reads as none.
class StartRecordStore {
public:
    virtual ~StartRecordStore() = default;
    [[nodiscard]] virtual std::optional<StartRecords> read() = 0;
    virtual ServiceStatus write(const StartRecords& records) = 0;
};

}  // namespace aalayer::service
