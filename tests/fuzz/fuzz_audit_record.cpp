// The kernel's AppArmor audit records, fuzzed: arbitrary bytes as the text a
// record source hands over (an auditd line, a journal MESSAGE, a /dev/kmsg
// record), parsed, attributed, de-duplicated into a small ring, and turned
// into the Denials reply, which sd-bus serializes (it refuses a string that
// is not UTF-8). Seeds: real records (tests/fuzz/seeds/audit).
#include <cstdint>
#include <string>
#include <string_view>

#include <sdbus-c++/sdbus-c++.h>

#include "service/bus/wire.h"
#include "service/core/audit_record.h"
#include "service/core/denials.h"

namespace {

using namespace aalayer::service;

class Labels final : public ProcessLabels {
public:
    [[nodiscard]] std::optional<std::string> label_of(std::uint32_t pid) const override {
        if (pid % 2 == 0) return "demo//&demo//aalayer.1000.bank";
        return std::nullopt;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto record = parse_audit_record(text);
    if (record) {
        // Every field within its bound.
        for (const std::string* f : {&record->operation, &record->profile, &record->label, &record->name,
                                     &record->peer, &record->requested, &record->denied, &record->comm})
            if (f->size() > kMaxFieldBytes) __builtin_trap();
    }
    static const Labels labels;
    DenialLog log(DenialLimits{4});
    log.set_labels(&labels);
    // The same text twice, and each of its lines: counts, and ring turnover.
    (void)log.add(text, 1);
    (void)log.add(text, 2);
    for (std::size_t start = 0; start < text.size();) {
        const auto nl = text.find('\n', start);
        (void)log.add(text.substr(start, nl == std::string_view::npos ? nl : nl - start), 3);
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    if (record) {
        const std::string subject = record->profile.empty() ? record->label : record->profile;
        if (auto key = layer_of_profile(subject)) {
            std::vector<DenialView> views;
            for (auto& d : log.since(*key, 0).denials)
                views.push_back(DenialView{std::move(d), {}, {}, {}});
            try {
                const sdbus::Variant wire(to_denial_structs(views));
                (void)wire;
            } catch (const sdbus::Error&) {
                __builtin_trap();
            }
        }
    }
    return 0;
}
