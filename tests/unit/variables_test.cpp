// VariableTable against apparmor_parser's variable rules: `=` once, `+=`
// only after `=`, references expand to every combination of values, and
// self reference or an explosion of alternatives is an error, not a hang.
#include "policy/load/variables.h"

#include <string>

#include <gtest/gtest.h>

namespace aalayer::policy {
namespace {

const Location kAt{"/p", 4, 1};

VariableDefinition def(std::string name, std::vector<std::string> values, bool append = false) {
    VariableDefinition d;
    d.name = std::move(name);
    d.append = append;
    for (auto& v : values)
        d.values.push_back(Word{std::move(v), false});
    return d;
}

std::vector<std::string> expand_ok(const VariableTable& t, std::string_view text) {
    auto r = t.expand(text, kAt);
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().format());
    return r.ok() ? *r : std::vector<std::string>{};
}

using Strings = std::vector<std::string>;

TEST(Variables, DefineAndExpand) {
    VariableTable t;
    ASSERT_TRUE(t.define(def("HOME", {"/home/*/", "/root/"}), kAt).ok());
    EXPECT_TRUE(t.has("HOME"));
    EXPECT_FALSE(t.has("OTHER"));
    EXPECT_EQ(expand_ok(t, "@{HOME}.ssh/**"), (Strings{"/home/*/.ssh/**", "/root/.ssh/**"}));
    ASSERT_NE(t.defined_at("HOME"), nullptr);
    EXPECT_EQ(*t.defined_at("HOME"), kAt);
    EXPECT_EQ(t.defined_at("OTHER"), nullptr);
}

TEST(Variables, TextWithoutReferencesExpandsToItself) {
    const VariableTable t;
    EXPECT_EQ(expand_ok(t, "/etc/passwd"), Strings{"/etc/passwd"});
    EXPECT_EQ(expand_ok(t, ""), Strings{""});
}

TEST(Variables, AppendAddsValuesAfterTheOriginalOnes) {
    VariableTable t;
    ASSERT_TRUE(t.define(def("V", {"a"}), kAt).ok());
    ASSERT_TRUE(t.define(def("V", {"b", "c"}, true), kAt).ok());
    EXPECT_EQ(expand_ok(t, "@{V}"), (Strings{"a", "b", "c"}));
    // += keeps the location of the original definition.
    EXPECT_EQ(*t.defined_at("V"), kAt);
}

TEST(Variables, AppendWithoutDefinitionFails) {
    VariableTable t;
    const Status s = t.define(def("V", {"a"}, true), kAt);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().kind, ErrorKind::Variable);
    EXPECT_EQ(s.error().where, kAt);
    EXPECT_NE(s.error().message.find("'+='"), std::string::npos) << s.error().message;
    EXPECT_FALSE(t.has("V"));
}

TEST(Variables, RedefinitionFailsAndNamesTheFirstDefinition) {
    VariableTable t;
    ASSERT_TRUE(t.define(def("V", {"a"}), Location{"/first", 2, 1}).ok());
    const Status s = t.define(def("V", {"b"}), Location{"/second", 7, 1});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().kind, ErrorKind::Variable);
    EXPECT_EQ(s.error().where, (Location{"/second", 7, 1}));
    EXPECT_NE(s.error().message.find("/first:2:1"), std::string::npos) << s.error().message;
    EXPECT_EQ(expand_ok(t, "@{V}"), Strings{"a"});
}

TEST(Variables, BooleanRedefinitionFails) {
    VariableTable t;
    ASSERT_TRUE(t.define_boolean(BooleanDefinition{"B", true}, kAt).ok());
    const Status s = t.define_boolean(BooleanDefinition{"B", false}, kAt);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().kind, ErrorKind::Variable);
}

TEST(Variables, NestedReferencesExpandToTheCartesianProduct) {
    VariableTable t;
    ASSERT_TRUE(t.define(def("A", {"1", "2"}), kAt).ok());
    ASSERT_TRUE(t.define(def("B", {"@{A}x", "y"}), kAt).ok());
    EXPECT_EQ(expand_ok(t, "@{B}"), (Strings{"1x", "2x", "y"}));
    // Two references: every combination, leftmost varying slowest.
    EXPECT_EQ(expand_ok(t, "/@{A}/@{B}"), (Strings{"/1/1x", "/1/2x", "/1/y", "/2/1x", "/2/2x", "/2/y"}));
}

TEST(Variables, UndefinedReferenceIsAnError) {
    VariableTable t;
    auto r = t.expand("/x/@{NOPE}", kAt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Variable);
    EXPECT_EQ(r.error().where, kAt);
    EXPECT_NE(r.error().message.find("@{NOPE}"), std::string::npos);

    // In a value, the message says which variable's value used it.
    ASSERT_TRUE(t.define(def("A", {"@{NOPE}"}), kAt).ok());
    auto nested = t.expand("@{A}", kAt);
    ASSERT_FALSE(nested.ok());
    EXPECT_NE(nested.error().message.find("used in the value of @{A}"), std::string::npos)
        << nested.error().message;
}

TEST(Variables, RecursionIsAnError) {
    VariableTable t;
    ASSERT_TRUE(t.define(def("SELF", {"/a", "@{SELF}/b"}), kAt).ok());
    auto self = t.expand("@{SELF}", kAt);
    ASSERT_FALSE(self.ok());
    EXPECT_EQ(self.error().kind, ErrorKind::Variable);
    EXPECT_NE(self.error().message.find("refers to itself"), std::string::npos);

    ASSERT_TRUE(t.define(def("A", {"@{B}"}), kAt).ok());
    ASSERT_TRUE(t.define(def("B", {"@{A}"}), kAt).ok());
    auto mutual = t.expand("@{A}", kAt);
    ASSERT_FALSE(mutual.ok());
    EXPECT_EQ(mutual.error().kind, ErrorKind::Variable);
}

TEST(Variables, SameVariableTwiceInOneWordIsNotRecursion) {
    VariableTable t;
    ASSERT_TRUE(t.define(def("A", {"x", "y"}), kAt).ok());
    ASSERT_TRUE(t.define(def("B", {"@{A}@{A}"}), kAt).ok());
    EXPECT_EQ(expand_ok(t, "@{B}"), (Strings{"xx", "xy", "yx", "yy"}));
}

TEST(Variables, TooManyAlternativesIsALimitError) {
    VariableTable t;
    ASSERT_TRUE(t.define(def("D", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}), kAt).ok());
    // 10 x 10 = 100 alternatives: exactly at the limit is fine, one more variable is not.
    auto at_limit = t.expand("@{D}@{D}", kAt, 100);
    ASSERT_TRUE(at_limit.ok()) << at_limit.error().format();
    EXPECT_EQ(at_limit->size(), 100U);
    auto over = t.expand("@{D}@{D}@{D}", kAt, 100);
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.error().kind, ErrorKind::Limit);
    EXPECT_EQ(over.error().where, kAt);
}

TEST(Variables, ExplosionThroughNestingHitsTheDefaultLimit) {
    // Each level squares the count: 10^32 alternatives if nothing stopped it.
    VariableTable t;
    ASSERT_TRUE(t.define(def("L0", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}), kAt).ok());
    for (int i = 1; i <= 5; ++i) {
        const std::string prev = "@{L" + std::to_string(i - 1) + "}";
        ASSERT_TRUE(t.define(def("L" + std::to_string(i), {prev + prev}), kAt).ok());
    }
    auto r = t.expand("@{L5}", kAt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Limit);
}

TEST(Variables, SetReplacesAndNamesAreSorted) {
    VariableTable t;
    ASSERT_TRUE(t.define(def("Z", {"z"}), kAt).ok());
    t.set("A", {"a"});
    t.set("Z", {"new"});
    EXPECT_EQ(t.names(), (Strings{"A", "Z"}));
    EXPECT_EQ(expand_ok(t, "@{Z}"), Strings{"new"});
}

TEST(Variables, VariableReferences) {
    EXPECT_EQ(variable_references("@{A}/x/@{B_2}/@{A}"), (Strings{"A", "B_2", "A"}));
    EXPECT_TRUE(variable_references("/no/refs").empty());
    // An escaped @ is a literal, and an unclosed reference is not one.
    EXPECT_TRUE(variable_references("\\@{A}").empty());
    EXPECT_TRUE(variable_references("@{A").empty());
    EXPECT_EQ(variable_references("@@{A}"), Strings{"A"});
}

TEST(Variables, EscapedReferenceStaysLiteral) {
    const VariableTable t;
    EXPECT_EQ(expand_ok(t, "/a\\@{X}"), Strings{"/a\\@{X}"});
}

}  // namespace
}  // namespace aalayer::policy
