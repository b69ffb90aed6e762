// The D-Bus edge's values: the options each method takes (and the ones it
// refuses, by name), the error name of every ServiceErrorKind, and replies that
// are valid UTF-8 whatever bytes the service logic put in them (sd-bus
// refuses to send anything else).
#include "service/bus/wire.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "policy/common/utf8.h"

namespace aalayer::service {
namespace {

// Bytes no UTF-8 decoder takes: a lone continuation byte, a truncated
// sequence, an overlong '/', a surrogate, past U+10FFFF, 0xff.
const std::vector<std::string>& invalid_utf8() {
    static const std::vector<std::string> texts = {
        "\x80",         "caf\xe9",     "\xc3",         "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
        "/home/\xff/x", "ok \xe2\x82", "\xf0\x9f\x94", "\xfe\xff",
    };
    return texts;
}

// sd-bus serializes the value (a Variant holds it as a message): it throws
// on a string that is not UTF-8, as it would refuse to send the reply.
template <typename T>
bool sd_bus_takes(const T& value) {
    try {
        const sdbus::Variant wire(value);
        return true;
    } catch (const sdbus::Error&) {
        return false;
    }
}

// org.freedesktop.DBus error names: two or more elements of
// [A-Za-z0-9_], none empty or starting with a digit, at most 255 bytes.
bool valid_error_name(const std::string& name) {
    if (name.empty() || name.size() > 255) return false;
    std::size_t elements = 0;
    std::size_t start = 0;
    while (true) {
        const auto dot = name.find('.', start);
        const std::string element =
            name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (element.empty() || (element[0] >= '0' && element[0] <= '9')) return false;
        for (const char c : element) {
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        ++elements;
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return elements >= 2;
}

ServiceError refusal(const Options& options, bool apply) {
    const auto parsed = parse_options(options, apply);
    EXPECT_FALSE(parsed);
    return parsed ? ServiceError{} : parsed.error();
}

// ---- parse_options ----

// The options set, by name: "" for the defaults.
std::string set_flags(const Outcome<ParsedOptions>& parsed) {
    if (!parsed) return "refused: " + parsed.error().message;
    std::string out;
    for (const auto& [on, name] :
         {std::pair{parsed->interactive, "interactive"}, std::pair{parsed->strict, "strict"},
          std::pair{parsed->complain.value_or(false), "complain"}, std::pair{parsed->force, "force"}}) {
        if (on) out += out.empty() ? name : std::string(" ") + name;
    }
    return out;
}

TEST(ParseOptions, NoOptionsGiveTheDefaults) {
    EXPECT_EQ(set_flags(parse_options({}, true)), "");
    EXPECT_EQ(set_flags(parse_options({}, false)), "");
}

TEST(ParseOptions, ApplyTakesInteractiveStrictAndMode) {
    EXPECT_EQ(set_flags(parse_options({{"interactive", sdbus::Variant(true)},
                                       {"strict", sdbus::Variant(true)},
                                       {"mode", sdbus::Variant(std::string("complain"))}},
                                      true)),
              "interactive strict complain");
    EXPECT_EQ(set_flags(parse_options({{"mode", sdbus::Variant(std::string("enforce"))}}, true)), "");
    // Given or not: re-applying without a mode keeps the layer's.
    EXPECT_EQ(parse_options({{"mode", sdbus::Variant(std::string("enforce"))}}, true)->complain, false);
    EXPECT_FALSE(parse_options({}, true)->complain.has_value());
    // false is a value like any other, not "absent".
    EXPECT_EQ(set_flags(parse_options(
                  {{"interactive", sdbus::Variant(false)}, {"strict", sdbus::Variant(false)}}, true)),
              "");
}

TEST(ParseOptions, RemoveTakesInteractiveAndForce) {
    EXPECT_EQ(set_flags(parse_options(
                  {{"interactive", sdbus::Variant(true)}, {"force", sdbus::Variant(true)}}, false)),
              "interactive force");
    EXPECT_EQ(set_flags(parse_options({{"force", sdbus::Variant(false)}}, false)), "");
}

TEST(ParseOptions, AnOptionOfTheOtherMethodIsRefusedByName) {
    auto e = refusal({{"force", sdbus::Variant(true)}}, true);
    EXPECT_EQ(e.kind, ServiceErrorKind::InvalidArgument);
    EXPECT_EQ(e.message, "unknown option 'force'");
    e = refusal({{"strict", sdbus::Variant(true)}}, false);
    EXPECT_EQ(e.kind, ServiceErrorKind::InvalidArgument);
    EXPECT_EQ(e.message, "unknown option 'strict'");
    e = refusal({{"mode", sdbus::Variant(std::string("complain"))}}, false);
    EXPECT_EQ(e.message, "unknown option 'mode'");
}

TEST(ParseOptions, AnUnknownOptionIsRefusedByNameEvenBesideKnownOnes) {
    for (const bool apply : {true, false}) {
        for (const std::string name : {"Interactive", "interactive ", "", "dry-run", "caf\xc3\xa9"}) {
            const auto e =
                refusal({{"interactive", sdbus::Variant(true)}, {name, sdbus::Variant(true)}}, apply);
            EXPECT_EQ(e.kind, ServiceErrorKind::InvalidArgument) << name;
            EXPECT_EQ(e.message, "unknown option '" + name + "'");
        }
    }
}

TEST(ParseOptions, AValueOfTheWrongTypeIsRefusedWithTheTypeExpected) {
    // Booleans: not a string, an integer or a byte that reads as true.
    for (const auto& [name, apply] : {std::pair{"interactive", true}, std::pair{"interactive", false},
                                      std::pair{"strict", true}, std::pair{"force", false}}) {
        for (const auto& value : {sdbus::Variant(std::string("true")), sdbus::Variant(std::int32_t{1}),
                                  sdbus::Variant(std::uint32_t{1}), sdbus::Variant(std::uint8_t{1}),
                                  sdbus::Variant(std::vector<std::string>{"true"})}) {
            const auto e = refusal({{name, value}}, apply);
            EXPECT_EQ(e.kind, ServiceErrorKind::InvalidArgument);
            EXPECT_EQ(e.message, "option '" + std::string(name) + "' must be a boolean (b)")
                << value.peekValueType();
        }
    }
    // The mode: a string, and one of two.
    for (const auto& value : {sdbus::Variant(true), sdbus::Variant(std::int32_t{1}),
                              sdbus::Variant(sdbus::ObjectPath("/complain"))}) {
        const auto e = refusal({{"mode", value}}, true);
        EXPECT_EQ(e.kind, ServiceErrorKind::InvalidArgument);
        EXPECT_EQ(e.message, "option 'mode' must be a string (s)") << value.peekValueType();
    }
    for (const std::string mode : {"", "Complain", "complain ", "kill", "unconfined", "enforce\n"}) {
        const auto e = refusal({{"mode", sdbus::Variant(mode)}}, true);
        EXPECT_EQ(e.kind, ServiceErrorKind::InvalidArgument) << mode;
        EXPECT_EQ(e.message, "option 'mode' must be \"enforce\" or \"complain\"");
    }
}

// ---- to_dbus_error ----

TEST(ToDbusError, EveryKindIsNamedUnderOrgAalayerError) {
    const std::vector<std::pair<ServiceErrorKind, std::string>> kinds = {
        {ServiceErrorKind::InvalidArgument, "InvalidArgument"},
        {ServiceErrorKind::InvalidLayer, "InvalidLayer"},
        {ServiceErrorKind::NotGranted, "NotGranted"},
        {ServiceErrorKind::NoSuchBase, "NoSuchBase"},
        {ServiceErrorKind::NoSuchLayer, "NoSuchLayer"},
        {ServiceErrorKind::PermissionDenied, "PermissionDenied"},
        {ServiceErrorKind::LimitExceeded, "LimitExceeded"},
        {ServiceErrorKind::KernelRefused, "KernelRefused"},
        {ServiceErrorKind::Busy, "Busy"},
        {ServiceErrorKind::Internal, "Internal"},
    };
    // Every enumerator, in order (a new kind fails here until it is listed).
    ASSERT_EQ(static_cast<std::size_t>(ServiceErrorKind::Internal) + 1, kinds.size());
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        ASSERT_EQ(static_cast<std::size_t>(kinds[i].first), i);
        const sdbus::Error e = to_dbus_error(fail(kinds[i].first, "what happened"));
        EXPECT_EQ(e.getName(), "org.aalayer.Error." + kinds[i].second);
        EXPECT_TRUE(valid_error_name(e.getName())) << e.getName();
        EXPECT_EQ(e.getMessage(), "what happened") << e.getName();
    }
}

TEST(ToDbusError, AnInternalErrorWithoutDetailsSaysWhereTheyAre) {
    const sdbus::Error e = to_dbus_error(ServiceError{ServiceErrorKind::Internal, {}, {}});
    EXPECT_EQ(e.getName(), "org.aalayer.Error.Internal");
    EXPECT_EQ(e.getMessage(), "internal error in aalayerd; the system log has the details");
    // Another kind keeps its (empty) message.
    EXPECT_EQ(to_dbus_error(ServiceError{ServiceErrorKind::Busy, {}, {}}).getMessage(), "");
}

TEST(ToDbusError, TheMessageIsMadeValidUtf8) {
    for (const auto& bad : invalid_utf8()) {
        const sdbus::Error e = to_dbus_error(fail(ServiceErrorKind::InvalidLayer, "no such path " + bad));
        EXPECT_TRUE(policy::valid_utf8(e.getMessage())) << e.getMessage();
        EXPECT_TRUE(sd_bus_takes(e.getMessage())) << e.getMessage();
        EXPECT_EQ(e.getMessage().rfind("no such path ", 0), 0U);
    }
    EXPECT_EQ(to_dbus_error(fail(ServiceErrorKind::NoSuchBase, "caf\xe9")).getMessage(), "caf\\xe9");
    // Valid UTF-8 is left as it is.
    EXPECT_EQ(to_dbus_error(fail(ServiceErrorKind::NoSuchBase, "caf\xc3\xa9 \\x41")).getMessage(),
              "caf\xc3\xa9 \\x41");
}

// ---- replies ----

TEST(Replies, TextIsMadeValidUtf8AndValidTextIsUnchanged) {
    for (const auto& bad : invalid_utf8()) {
        const std::string text = to_text("/home/" + bad + "/** r,");
        EXPECT_TRUE(policy::valid_utf8(text)) << text;
        EXPECT_TRUE(sd_bus_takes(text)) << text;
    }
    EXPECT_EQ(to_text("/tmp/\xff r,"), "/tmp/\\xff r,");
    const std::string good = "profile caf\xc3\xa9 {\n  /tmp/\xf0\x9f\x94\x92 r,\n}\n";
    EXPECT_EQ(to_text(good), good);
    EXPECT_EQ(to_text(""), "");
}

TEST(Replies, FindingsKeepTheirPlaceAndSeverityAndGetValidUtf8) {
    std::vector<policy::Finding> findings;
    findings.push_back({policy::Severity::Error, {"layer", 3, 7}, "bad"});
    findings.push_back({policy::Severity::Warning, {"/etc/apparmor.d/\xff", 1, 1}, "rule on /x/\xc3"});
    findings.push_back({policy::Severity::Note, {"", 0, 0}, ""});
    const FindingStructs out = to_structs(findings);
    ASSERT_EQ(out.size(), 3U);
    EXPECT_EQ(std::get<0>(out[0]), "error");
    EXPECT_EQ(std::get<1>(out[0]), 3U);
    EXPECT_EQ(std::get<2>(out[0]), 7U);
    EXPECT_EQ(std::get<3>(out[0]), "layer");
    EXPECT_EQ(std::get<4>(out[0]), "bad");
    EXPECT_EQ(std::get<0>(out[1]), "warning");
    EXPECT_EQ(std::get<3>(out[1]), "/etc/apparmor.d/\\xff");
    EXPECT_EQ(std::get<4>(out[1]), "rule on /x/\\xc3");
    EXPECT_EQ(std::get<0>(out[2]), "note");
    EXPECT_TRUE(sd_bus_takes(out));
    for (const auto& bad : invalid_utf8()) {
        const auto structs = to_structs({{policy::Severity::Error, {bad, 1, 2}, bad}});
        EXPECT_TRUE(sd_bus_takes(structs)) << bad;
    }
    EXPECT_TRUE(to_structs({}).empty());
}

TEST(Replies, ReasonsAndDiffRowsGetValidUtf8InEveryColumn) {
    for (const auto& bad : invalid_utf8()) {
        const Reasons reasons = to_reasons({{bad, "ok"}, {"ok", bad}, {bad, bad}});
        ASSERT_EQ(reasons.size(), 3U);
        for (const auto& r : reasons) {
            EXPECT_TRUE(policy::valid_utf8(std::get<0>(r)));
            EXPECT_TRUE(policy::valid_utf8(std::get<1>(r)));
        }
        EXPECT_TRUE(sd_bus_takes(reasons)) << bad;

        const DiffRows rows = to_rows({{bad, "r", "rw"}, {"/x", bad, ""}, {"/y", "", bad}});
        ASSERT_EQ(rows.size(), 3U);
        for (const auto& r : rows) {
            EXPECT_TRUE(policy::valid_utf8(std::get<0>(r)));
            EXPECT_TRUE(policy::valid_utf8(std::get<1>(r)));
            EXPECT_TRUE(policy::valid_utf8(std::get<2>(r)));
        }
        EXPECT_TRUE(sd_bus_takes(rows)) << bad;
    }
    // Order and valid text are kept.
    const Reasons reasons = to_reasons({{"base", "/home/** r,"}, {"layer", "deny /home/*/.ssh/** r,"}});
    ASSERT_EQ(reasons.size(), 2U);
    EXPECT_EQ(std::get<0>(reasons[0]), "base");
    EXPECT_EQ(std::get<1>(reasons[1]), "deny /home/*/.ssh/** r,");
    const DiffRows rows = to_rows({{"/tmp/caf\xc3\xa9", "r", "rw"}});
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(std::get<0>(rows[0]), "/tmp/caf\xc3\xa9");
    EXPECT_EQ(std::get<1>(rows[0]), "r");
    EXPECT_EQ(std::get<2>(rows[0]), "rw");
}

TEST(Replies, SdBusRefusesWhatTheseFunctionsRepair) {
    // The premise of every test above: unrepaired, the reply could not be sent.
    for (const auto& bad : invalid_utf8())
        EXPECT_FALSE(sd_bus_takes(bad)) << bad;
}

}  // namespace
}  // namespace aalayer::service
