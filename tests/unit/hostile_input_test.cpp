// Inputs that must end in a located error quickly: never a crash or a hang.
#include <chrono>

#include <gtest/gtest.h>

#include "policy/load/loader.h"
#include "policy/source/memory_reader.h"

namespace aalayer::policy {
namespace {

Result<LoadedPolicy> load(MemoryReader& reader, const std::string& root) {
    LoadOptions options;
    options.include_dirs = {"/inc"};
    const Loader loader(reader, options);
    return loader.load_file(root);
}

TEST(HostileInput, IncludeCycleIsALocatedError) {
    MemoryReader reader;
    reader.add("/inc/a", "include <b>\n");
    reader.add("/inc/b", "/x r,\ninclude <a>\n");
    reader.add("/p", "profile p {\n  include <a>\n}\n");
    auto r = load(reader, "/p");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Include);
    EXPECT_EQ(to_string(r.error().where), "/inc/b:2:1");
    EXPECT_EQ(r.error().message, "include cycle: /p -> /inc/a -> /inc/b -> /inc/a");
}

TEST(HostileInput, TenMegabyteLineIsRefusedFastWithItsPosition) {
    MemoryReader reader;
    std::string text = "profile p {\n  /";
    text.append(10U * 1024U * 1024U, 'a');
    text += " r,\n}\n";
    reader.add("/p", std::move(text));
    const auto start = std::chrono::steady_clock::now();
    auto r = load(reader, "/p");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Limit);
    EXPECT_EQ(r.error().where.line, 2U);
    EXPECT_NE(r.error().message.find("line is longer than"), std::string::npos);
    // Not a timing assertion on performance: a guard against a hang.
    EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST(HostileInput, DeepNestingHitsTheDepthLimit) {
    MemoryReader reader;
    std::string text;
    for (int i = 0; i < 1000; ++i)
        text += "profile p" + std::to_string(i) + " {\n";
    reader.add("/p", text);
    auto r = load(reader, "/p");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Limit);
    EXPECT_EQ(r.error().where.line, 33U);
}

TEST(HostileInput, UnbalancedBracesBothWays) {
    MemoryReader reader;
    reader.add("/open", "profile p {\n  /x r,\n");
    reader.add("/close", "profile p {\n}\n}\n");
    auto open = load(reader, "/open");
    ASSERT_FALSE(open.ok());
    EXPECT_EQ(to_string(open.error().where), "/open:1:11");
    auto close = load(reader, "/close");
    ASSERT_FALSE(close.ok());
    EXPECT_EQ(to_string(close.error().where), "/close:3:1");
}

// Each value stays under the expansion limit, their sum is far over it: the
// limit must stop the expansion as values accumulate, not after building them all
// (before the fix this file needed tens of GB).
TEST(HostileInput, ManyLargeVariableValuesStopAtTheLimit) {
    MemoryReader reader;
    std::string text = "@{D} = 0 1 2 3 4 5 6 7 8 9 a b c d e f\n@{Q} = @{D}@{D}@{D}@{D}\n@{M} =";
    for (int i = 0; i < 10000; ++i)
        text += " @{Q}";
    text += "\nprofile p {\n  /@{M} r,\n}\n";
    reader.add("/bomb", text);
    auto r = load(reader, "/bomb");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Limit);
    EXPECT_NE(r.error().message.find("more than 65536"), std::string::npos);
}

}  // namespace
}  // namespace aalayer::policy
