#include "service/bus/wire.h"

#include "dbus/sdbus_compat.h"
#include "policy/common/utf8.h"

namespace aalayer::service {

Outcome<ParsedOptions> parse_options(const Options& options, bool apply) {
    ParsedOptions out;
    for (const auto& option : options) {
        const std::string& key = option.first;
        const sdbus::Variant& value = option.second;
        auto boolean = [&, k = key](bool& target) -> ServiceStatus {
            if (!value.containsValueOfType<bool>()) {
                return fail(ServiceErrorKind::InvalidArgument, "option '" + k + "' must be a boolean (b)");
            }
            target = value.get<bool>();
            return Done{};
        };
        ServiceStatus st = Done{};
        if (key == "interactive") {
            st = boolean(out.interactive);
        } else if (apply && key == "refusal_as_reply") {
            st = boolean(out.refusal_as_reply);
        } else if (apply && key == "strict") {
            st = boolean(out.strict);
        } else if (apply && key == "mode") {
            if (!value.containsValueOfType<std::string>()) {
                return fail(ServiceErrorKind::InvalidArgument, "option 'mode' must be a string (s)");
            }
            auto mode = parse_mode(value.get<std::string>());
            if (!mode) return fail(ServiceErrorKind::InvalidArgument, "option " + mode.error().message);
            out.complain = *mode;
        } else if (!apply && key == "force") {
            st = boolean(out.force);
        } else {
            return fail(ServiceErrorKind::InvalidArgument, "unknown option '" + key + "'");
        }
        if (!st) return st.error();
    }
    return out;
}

sdbus::Error to_dbus_error(const ServiceError& error) {
    std::string message = error.message;
    if (error.kind == ServiceErrorKind::Internal && message.empty()) {
        message = "internal error in aalayerd; the system log has the details";
    }
    return sdbus::Error(sdbus_compat::ErrorName(std::string("org.aalayer.Error.") + error_name(error.kind)),
                        policy::to_valid_utf8(message));
}

FindingStructs to_structs(const std::vector<policy::Finding>& findings) {
    FindingStructs out;
    for (const auto& f : findings)
        out.emplace_back(policy::to_string(f.severity), f.where.line, f.where.column,
                         policy::to_valid_utf8(f.where.file), policy::to_valid_utf8(f.message));
    return out;
}

Reasons to_reasons(const std::vector<std::pair<std::string, std::string>>& reasons) {
    Reasons out;
    for (const auto& [source, rule] : reasons)
        out.emplace_back(policy::to_valid_utf8(source), policy::to_valid_utf8(rule));
    return out;
}

DiffRows to_rows(const std::vector<DiffRow>& rows) {
    DiffRows out;
    for (const auto& [path, a, b] : rows)
        out.emplace_back(policy::to_valid_utf8(path), policy::to_valid_utf8(a), policy::to_valid_utf8(b));
    return out;
}

GrantRuleStructs to_grant_rule_structs(const std::vector<GrantRuleRow>& rows) {
    using policy::to_valid_utf8;
    GrantRuleStructs out;
    for (const auto& r : rows) {
        out.emplace_back(to_valid_utf8(r.base), to_valid_utf8(r.kind), to_valid_utf8(r.path),
                         to_valid_utf8(r.owner), to_valid_utf8(r.perms), to_valid_utf8(r.where.file),
                         r.where.line, r.where.column);
    }
    return out;
}

BaseStructs to_base_structs(const std::vector<BaseRow>& rows) {
    BaseStructs out;
    for (const auto& r : rows)
        out.emplace_back(policy::to_valid_utf8(r.name), policy::to_valid_utf8(r.attachment), r.granted,
                         r.layers);
    return out;
}

std::vector<std::string> to_texts(const std::vector<std::string>& names) {
    std::vector<std::string> out;
    out.reserve(names.size());
    for (const auto& n : names)
        out.push_back(policy::to_valid_utf8(n));
    return out;
}

ProposalStructs to_proposal_structs(const std::vector<ProposedRule>& proposals) {
    ProposalStructs out;
    for (const auto& p : proposals) {
        std::vector<std::string> accesses;
        for (const auto& a : p.accesses)
            accesses.push_back(policy::to_valid_utf8(a));
        out.emplace_back(policy::to_valid_utf8(p.rule), policy::to_valid_utf8(p.why), std::move(accesses));
    }
    return out;
}

UnproposedStructs to_unproposed_structs(const std::vector<UnproposedRecord>& records) {
    UnproposedStructs out;
    for (const auto& r : records)
        out.emplace_back(policy::to_valid_utf8(r.access), policy::to_valid_utf8(r.allow),
                         policy::to_valid_utf8(r.note));
    return out;
}

Outcome<bool> parse_mode(const std::string& mode) {
    if (mode != "enforce" && mode != "complain")
        return fail(ServiceErrorKind::InvalidArgument, "'mode' must be \"enforce\" or \"complain\"");
    return mode == "complain";
}

DenialStructs to_denial_structs(const std::vector<DenialView>& denials) {
    DenialStructs out;
    out.reserve(denials.size());
    const auto text = [](const std::string& s) { return policy::to_valid_utf8(s); };
    for (const auto& v : denials) {
        const Denial& d = v.denial;
        const std::string owner = !d.fsuid || !d.ouid ? "" : d.owner() ? "owner" : "other";
        const char* origin = d.origin == DenialOrigin::Base ? "base" : "layer";
        out.emplace_back(d.last_usec, d.first_usec, d.count, text(d.operation), text(d.klass), text(d.path),
                         text(d.peer), text(d.detail), text(d.requested), text(d.denied), owner,
                         d.fsuid.value_or(UINT32_MAX), d.ouid.value_or(UINT32_MAX), d.pid, text(d.comm),
                         std::string(d.complain ? "complain" : "enforce"), std::string(origin), text(v.rule),
                         v.allow, text(v.note), text(d.info));
    }
    return out;
}

}  // namespace aalayer::service
