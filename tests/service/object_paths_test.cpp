// Layers' object paths: every element is a valid D-Bus path element whatever
// the base and name hold, the escape reads back to the bytes it came from,
// and two different layers never share a path.
#include "service/bus/object_paths.h"

#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>

namespace aalayer::service {
namespace {

bool path_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The D-Bus specification's object path: "/" alone, or "/" followed by
// elements of [A-Za-z0-9_] separated by "/", none empty, no trailing "/".
bool valid_object_path(const std::string& path) {
    if (path.empty() || path[0] != '/') return false;
    if (path == "/") return true;
    if (path.back() == '/') return false;
    for (std::size_t i = 1; i < path.size(); ++i) {
        if (path[i] == '/') {
            if (path[i - 1] == '/') return false;
        } else if (!path_char(path[i])) {
            return false;
        }
    }
    return true;
}

// The inverse of escape_path_element, written from its contract ("_" alone
// for the empty string, else [A-Za-z0-9] as is and any other byte as _XX):
// empty when `element` is not something the escape could have made.
std::optional<std::string> unescape(const std::string& element) {
    if (element == "_") return std::string();
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < element.size(); ++i) {
        const char c = element[i];
        if (c != '_') {
            if (!path_char(c)) return std::nullopt;
            out += c;
            continue;
        }
        if (i + 2 >= element.size() || hex(element[i + 1]) < 0 || hex(element[i + 2]) < 0)
            return std::nullopt;
        out += static_cast<char>(hex(element[i + 1]) * 16 + hex(element[i + 2]));
        i += 2;
    }
    if (out.empty()) return std::nullopt;  // only "_" stands for the empty string
    return out;
}

std::vector<std::string> split(const std::string& path) {
    std::vector<std::string> out;
    std::size_t start = 1;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const auto end = slash == std::string::npos ? path.size() : slash;
        out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// Names a hostile (or merely unusual) user or admin could choose.
std::vector<std::string> hostile_names() {
    std::vector<std::string> names = {
        "",
        "_",
        "__",
        "_5f",
        "_5F",
        "a_b",
        "a_5fb",
        "/",
        "a/b",
        "../..",
        ".",
        "..",
        "-",
        "firefox",
        "usr.bin.firefox",
        "Firefox",
        "caf\xc3\xa9",       // é in UTF-8
        "caf\xe9",           // é in Latin-1: not UTF-8
        "\xf0\x9f\x94\x92",  // an emoji
        "\xff\xfe",
        std::string("nul\0byte", 8),
        std::string(1, '\0'),
        " ",
        "tab\there",
        "new\nline",
        "%41",
        "\\x41",
        std::string(4096, 'x'),
        std::string(4096, '/'),
        std::string(1000, '_'),
    };
    std::string every_byte;
    for (int b = 0; b < 256; ++b)
        every_byte += static_cast<char>(b);
    names.push_back(every_byte);
    return names;
}

// sd-bus's own check: it refuses to put an invalid object path in a message.
bool sd_bus_takes(const std::string& path) {
    try {
        const sdbus::Variant wire{sdbus::ObjectPath(path)};
        return true;
    } catch (const sdbus::Error&) {
        return false;
    }
}

TEST(ObjectPaths, TheFixedPathsAreValidObjectPaths) {
    EXPECT_TRUE(valid_object_path(kManagerPath));
    EXPECT_TRUE(valid_object_path(kObjectManagerPath));
    // The manager lives under the object manager, which finds the layers below it.
    EXPECT_EQ(std::string(kManagerPath).rfind(std::string(kObjectManagerPath) + "/", 0), 0U);
}

TEST(ObjectPaths, TheValidatorFollowsTheSpecificationAndAgreesWithSdBus) {
    // The test's own validator, checked on the spec's cases first.
    const std::vector<std::pair<std::string, bool>> cases = {
        {"/", true},     {"/a", true},    {"/a_b/C9", true},       {"", false},
        {"a", false},    {"/a/", false},  {"//", false},           {"/a//b", false},
        {"/a-b", false}, {"/a.b", false}, {"/caf\xc3\xa9", false},
    };
    for (const auto& [path, valid] : cases) {
        EXPECT_EQ(valid_object_path(path), valid) << path;
        EXPECT_EQ(sd_bus_takes(path), valid) << path;
    }
}

TEST(ObjectPaths, LettersAndDigitsAreKeptAndEveryOtherByteIsEscapedAsLowercaseHex) {
    EXPECT_EQ(escape_path_element("firefox"), "firefox");
    EXPECT_EQ(escape_path_element("AZaz09"), "AZaz09");
    EXPECT_EQ(escape_path_element("usr.bin.firefox"), "usr_2ebin_2efirefox");
    EXPECT_EQ(escape_path_element("_"), "_5f");
    EXPECT_EQ(escape_path_element("a/b"), "a_2fb");
    EXPECT_EQ(escape_path_element("-"), "_2d");
    EXPECT_EQ(escape_path_element(std::string(1, '\0')), "_00");
    EXPECT_EQ(escape_path_element("\xff"), "_ff");
    EXPECT_EQ(escape_path_element("caf\xc3\xa9"), "caf_c3_a9");
    // Every byte that is not a letter or a digit, one by one.
    for (int b = 0; b < 256; ++b) {
        const std::string s(1, static_cast<char>(b));
        const bool alnum = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9');
        const std::string escaped = escape_path_element(s);
        if (alnum) {
            EXPECT_EQ(escaped, s) << b;
        } else {
            ASSERT_EQ(escaped.size(), 3U) << b;
            EXPECT_EQ(escaped[0], '_') << b;
            EXPECT_EQ(unescape(escaped), s) << b;
        }
    }
}

TEST(ObjectPaths, TheEmptyStringIsALoneUnderscoreSoNoElementIsEmpty) {
    EXPECT_EQ(escape_path_element(""), "_");
    const std::string path = layer_object_path(1000, "", "");
    EXPECT_EQ(path, "/org/aalayer/layers/1000/_/_");
    EXPECT_TRUE(valid_object_path(path)) << path;
}

TEST(ObjectPaths, ALayersPathIsUidBaseAndNameUnderTheLayersNode) {
    EXPECT_EQ(layer_object_path(1000, "firefox", "nodownloads"),
              "/org/aalayer/layers/1000/firefox/nodownloads");
    EXPECT_EQ(layer_object_path(0, "usr.bin.man", "x"), "/org/aalayer/layers/0/usr_2ebin_2eman/x");
    EXPECT_EQ(layer_object_path(4294967295U, "a", "b"), "/org/aalayer/layers/4294967295/a/b");
}

TEST(ObjectPaths, HostileNamesGiveValidPathsThatReadBack) {
    const auto names = hostile_names();
    for (const auto& base : names) {
        for (const auto& name : names) {
            const std::string path = layer_object_path(1000, base, name);
            ASSERT_TRUE(valid_object_path(path)) << path;
            ASSERT_TRUE(sd_bus_takes(path)) << path;
            const auto elements = split(path);
            ASSERT_EQ(elements.size(), 6U) << path;  // org aalayer layers uid base name
            EXPECT_EQ(elements[3], "1000");
            EXPECT_EQ(unescape(elements[4]), base) << path;
            EXPECT_EQ(unescape(elements[5]), name) << path;
        }
    }
}

TEST(ObjectPaths, AnElementIsAtMostThreeTimesItsInput) {
    // Bounded growth: three bytes per input byte, one for the empty string.
    for (const auto& name : hostile_names()) {
        EXPECT_LE(escape_path_element(name).size(), std::max<std::size_t>(3 * name.size(), 1)) << name.size();
    }
}

TEST(ObjectPaths, DistinctLayersGetDistinctPaths) {
    // Every (uid, base, name) among hostile names, near-collisions (an
    // escape's text written literally, '/' moved between base and name) and
    // random bytes: no two share a path.
    std::vector<std::string> names = hostile_names();
    for (const std::string s : {"a", "a_", "a_2f", "a/", "/a", "_2fa", "a_2fb", "a/b", "b", "_2"})
        names.emplace_back(s);
    std::mt19937 rng(13);
    for (int i = 0; i < 300; ++i) {
        std::string s(rng() % 6, '\0');
        for (auto& c : s)
            c = "a_/5f\xc3\x00"[rng() % 7];
        names.push_back(s);
    }
    std::set<std::tuple<std::uint32_t, std::string, std::string>> keys;
    std::set<std::string> paths;
    for (const std::uint32_t uid : {0U, 1U, 10U, 1000U}) {
        for (const auto& base : names) {
            for (std::size_t j = 0; j < names.size(); j += 7) {
                if (!keys.emplace(uid, base, names[j]).second) continue;  // the same key twice
                const std::string path = layer_object_path(uid, base, names[j]);
                EXPECT_TRUE(paths.insert(path).second) << "a second key maps to " << path;
            }
        }
    }
    EXPECT_EQ(keys.size(), paths.size());
}

TEST(ObjectPaths, EscapingIsInjectiveOnAllShortStrings) {
    // Exhaustive over every string of up to two bytes: 65,793 strings, as
    // many distinct elements.
    std::set<std::string> seen;
    std::size_t count = 1;
    seen.insert(escape_path_element(""));
    for (int a = 0; a < 256; ++a) {
        seen.insert(escape_path_element(std::string(1, static_cast<char>(a))));
        ++count;
        for (int b = 0; b < 256; ++b) {
            seen.insert(escape_path_element(std::string{static_cast<char>(a), static_cast<char>(b)}));
            ++count;
        }
    }
    EXPECT_EQ(seen.size(), count);
}

}  // namespace
}  // namespace aalayer::service
