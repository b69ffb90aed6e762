// The JSON writer aalayer and aalayer-policy share (client/common/json.h),
// the explain --json shape (client/common/explanation.h) and how aalayer
// reads the service's Explain answer into it (client/cli/output.h).
#include <string>

#include <gtest/gtest.h>

#include "client/cli/output.h"
#include "client/common/explanation.h"
#include "client/common/json.h"
#include "policy/common/utf8.h"
#include "tests/support/json_reader.h"

namespace aalayer::test {
namespace {

using tool::json_string;
using tool::JsonWriter;

// What a JSON reader makes of json_string(s).
std::string read_back(const std::string& s) {
    const std::string text = json_string(s);
    const auto doc = JsonReader(text).document();
    if (!doc || doc->kind != Json::Kind::String) {
        ADD_FAILURE() << "not a JSON string: " << text;
        return "";
    }
    return doc->text;
}

TEST(JsonWriterTest, QuotesAndBackslashesAreEscaped) {
    EXPECT_EQ(json_string(""), R"("")");
    EXPECT_EQ(json_string(R"(a "b" \c)"), R"("a \"b\" \\c")");
    EXPECT_EQ(json_string("/"), R"("/")");
    EXPECT_EQ(read_back(R"(a "b" \c)"), R"(a "b" \c)");
}

TEST(JsonWriterTest, ControlCharactersAreEscaped) {
    EXPECT_EQ(json_string("\n\t\r\b\f"), R"("\n\t\r\b\f")");
    EXPECT_EQ(json_string(std::string("a\0b", 3)), R"("a\u0000b")");
    EXPECT_EQ(json_string("\x01\x1f\x7f"), R"("\u0001\u001f\u007f")");
    std::string every;
    for (int c = 0; c < 0x20; ++c)
        every += static_cast<char>(c);
    EXPECT_EQ(read_back(every), every);
    for (const char c : json_string(every))
        EXPECT_GE(static_cast<unsigned char>(c), 0x20U);
}

TEST(JsonWriterTest, ValidUtf8IsKept) {
    const std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92 \xef\xbf\xbf";
    EXPECT_EQ(json_string(text), "\"" + text + "\"");
}

TEST(JsonWriterTest, BytesThatAreNotUtf8AreWrittenEscaped) {
    EXPECT_EQ(json_string("a\xff"), R"("a\\xff")");
    EXPECT_EQ(read_back("a\xff"), "a\\xff");
    // A truncated character, an overlong NUL, a surrogate, past U+10FFFF, a lone continuation byte.
    EXPECT_EQ(json_string("\xc3"), R"("\\xc3")");
    EXPECT_EQ(json_string("\xc0\x80"), R"("\\xc0\\x80")");
    EXPECT_EQ(json_string("\xed\xa0\x80"), R"("\\xed\\xa0\\x80")");
    EXPECT_EQ(json_string("\xf4\x90\x80\x80"), R"("\\xf4\\x90\\x80\\x80")");
    EXPECT_EQ(json_string("\x80z"), R"("\\x80z")");
    // Valid characters next to invalid bytes stay as they are.
    EXPECT_EQ(json_string("\xc3\xa9\xff\"\n"), "\"\xc3\xa9\\\\xff\\\"\\n\"");
    // Whatever the bytes, the text written is UTF-8 with no raw control character.
    std::string all;
    for (int c = 0; c < 256; ++c)
        all += static_cast<char>(c);
    const std::string written = json_string(all + all);
    EXPECT_TRUE(policy::valid_utf8(written));
    EXPECT_TRUE(JsonReader(written).document());
}

TEST(JsonWriterTest, ContainersAndSeparators) {
    JsonWriter w;
    w.begin_object().key("a").number(1).key("b").begin_array();
    w.boolean(true).null().string("x").begin_object().end_object().begin_array().end_array();
    w.end_array().key("c").number(std::uint64_t{18446744073709551615U}).key("d").boolean(false);
    w.key("e").number(-3).end_object();
    EXPECT_EQ(w.text(),
              R"({"a": 1, "b": [true, null, "x", {}, []], "c": 18446744073709551615, "d": false, "e": -3})");
    EXPECT_TRUE(JsonReader(w.text()).document());
    JsonWriter empty;
    EXPECT_EQ(empty.begin_array().end_array().text(), "[]");
    JsonWriter keys;
    EXPECT_EQ(keys.begin_object().key("q\"\n").string("\xff").end_object().text(), R"({"q\"\n": "\\xff"})");
}

TEST(JsonWriterTest, ExplanationsHaveOneShape) {
    const tool::ExplainedPath e{
        "/home/a/\"x\"",
        "rw",
        "",
        true,
        {{"base", "base:3:2", "owner /home/*/** rw,"}, {"layer", "l.layer:1:1", "deny /x w,"}}};
    const std::string text = tool::explanations_json({e, {"/y", "", "", false, {}}});
    EXPECT_EQ(text,
              R"([{"path": "/home/a/\"x\"", "owner": "rw", "other": "", "in_grant": true, "decided_by": )"
              R"([{"source": "base", "at": "base:3:2", "rule": "owner /home/*/** rw,"}, )"
              R"({"source": "layer", "at": "l.layer:1:1", "rule": "deny /x w,"}]}, )"
              R"({"path": "/y", "owner": "", "other": "", "in_grant": false, "decided_by": []}])");
    EXPECT_EQ(tool::explanations_json({}), "[]");
}

TEST(JsonWriterTest, ServiceReasonsAreSplitAtTheirLocation) {
    using P = std::pair<std::string, std::string>;
    EXPECT_EQ(cli::split_location("/etc/apparmor.d/x:104:3: owner @{HOME}/** rw,"),
              P("/etc/apparmor.d/x:104:3", "owner @{HOME}/** rw,"));
    EXPECT_EQ(cli::split_location("g.conf:6: outside the grant for app: the base decides"),
              P("g.conf:6", "outside the grant for app: the base decides"));
    // ": " in the file name before the location, and in the rule after it.
    EXPECT_EQ(cli::split_location("a: b:1:2: /x r, # c: d"), P("a: b:1:2", "/x r, # c: d"));
    EXPECT_EQ(cli::split_location("file: rule"), P("file", "rule"));
    EXPECT_EQ(cli::split_location("no location"), P("", "no location"));
}

TEST(JsonWriterTest, ServiceExplanationsInTheSharedShape) {
    client::Explanation inside{"owner=rwa other=r",
                               {{"base", "b:1:1: owner /** rw,"},
                                {"grant", "g:2:3: owner /n/** rw,"},
                                {"layer", "x.layer:1:1: owner /n/** rw,"}},
                               "rwa",
                               "r"};
    const auto in = cli::explained("/n/a", inside);
    EXPECT_EQ(in.path, "/n/a");
    EXPECT_EQ(in.owner, "rwa");
    EXPECT_EQ(in.other, "r");
    EXPECT_TRUE(in.in_grant);
    ASSERT_EQ(in.decided_by.size(), 3U);
    EXPECT_EQ(in.decided_by[1].source, "grant");
    EXPECT_EQ(in.decided_by[1].at, "g:2:3");
    EXPECT_EQ(in.decided_by[1].rule, "owner /n/** rw,");
    client::Explanation outside{
        "owner= other=",
        {{"base", "b:1:1: /etc/** r,"}, {"grant", "g:1:1: outside the grant for app: the base decides"}},
        "",
        ""};
    const auto out = cli::explained("/etc/x", outside);
    EXPECT_EQ(out.owner, "");
    EXPECT_EQ(out.other, "");
    EXPECT_FALSE(out.in_grant);
    // The halves come as fields: the perms string is never cut apart.
    EXPECT_EQ(cli::explained("/z", {"garbled", {}, "r", "w"}).owner, "r");
    EXPECT_EQ(cli::explained("/z", {"garbled", {}, "r", "w"}).other, "w");
}

}  // namespace
}  // namespace aalayer::test
