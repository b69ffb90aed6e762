// The apparmor_parser backend in compile-only mode, with the real parser,
// and its time bound with a parser that hangs.
#include "service/kernel/parser_loader.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "tests/support/corpus.h"
#include "tests/support/process.h"

namespace aalayer::service {
namespace {

TEST(ParserLoader, CompileOnlyAcceptsAChildAndRefusesBrokenText) {
    if (!test::have_apparmor_parser()) GTEST_SKIP() << "apparmor_parser is not installed";
    ParserLoader loader(ParserLoader::Mode::CompileOnly, ParserConfig{});
    EXPECT_EQ(loader.backend(), "compile-only");
    const Status ok =
        loader.load("app//aalayer.1000.w",
                    "abi <abi/3.0>,\nprofile app//aalayer.1000.w {\n  /home/a/** rw,\n  network,\n}\n");
    EXPECT_TRUE(ok.ok()) << (ok ? "" : ok.error().message);
    const Status bad = loader.load("app//aalayer.1000.w", "profile app//aalayer.1000.w {\n  /x rwz,\n}\n");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().kind, ErrorKind::KernelRefused);
    EXPECT_NE(bad.error().message.find("apparmor_parser refused it"), std::string::npos)
        << bad.error().message;
    EXPECT_TRUE(loader.unload("app//aalayer.1000.w").ok());  // nothing to unload without a kernel
    EXPECT_FALSE(loader.in_use("app//aalayer.1000.w"));
}

TEST(ParserLoader, AHangingParserIsStoppedAtTheTimeBound) {
    test::TempDir dir;
    const std::string fake = dir.write("fake-parser", "#!/bin/sh\nsleep 30\n");
    std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
    ParserConfig config;
    config.parser = fake;
    config.timeout = std::chrono::milliseconds(300);
    ParserLoader loader(ParserLoader::Mode::CompileOnly, config);
    const auto start = std::chrono::steady_clock::now();
    const Status st = loader.load("x", "profile x {}\n");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind, ErrorKind::KernelRefused);
    EXPECT_NE(st.error().message.find("did not finish in time"), std::string::npos) << st.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(ParserLoader, AMissingParserIsAClearError) {
    ParserConfig config;
    config.parser = "/nonexistent/apparmor_parser";
    ParserLoader loader(ParserLoader::Mode::CompileOnly, config);
    const Status st = loader.load("x", "profile x {}\n");
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("could not be run"), std::string::npos) << st.error().message;
}

TEST(ParserLoader, InUseReadsLabelsFromAFakeProc) {
    // A fake /proc with one stacked process and one unconfined.
    test::TempDir dir;
    dir.write("proc/100/attr/apparmor/current", "app//&app//aalayer.1000.w (enforce)\n");
    dir.write("proc/101/attr/current", "unconfined\n");
    dir.write("proc/self/attr/current", "app//aalayer.1000.other (enforce)\n");
    ParserConfig config;
    config.proc_dir = dir.path() + "/proc";
    ParserLoader loader(ParserLoader::Mode::Kernel, config);
    EXPECT_EQ(loader.backend(), "apparmor");
    EXPECT_TRUE(loader.in_use("app//aalayer.1000.w"));
    EXPECT_FALSE(loader.in_use("app//aalayer.1000.v"));
    EXPECT_FALSE(loader.in_use("app//aalayer.1000.other"));  // "self" is not a pid
}

TEST(ParserLoader, IsLoadedReadsTheKernelsProfileListFromAFakeSecurityfs) {
    test::TempDir dir;
    dir.write("apparmor/profiles",
              "app//aalayer.1000.w (enforce)\napp (enforce)\napp//aalayer.1000.wx (complain)\n");
    ParserConfig config;
    config.securityfs = dir.path() + "/apparmor";
    ParserLoader kernel(ParserLoader::Mode::Kernel, config);
    EXPECT_TRUE(kernel.is_loaded("app//aalayer.1000.w"));
    EXPECT_TRUE(kernel.is_loaded("app//aalayer.1000.wx"));
    EXPECT_FALSE(kernel.is_loaded("app//aalayer.1000"));
    EXPECT_FALSE(kernel.is_loaded("app//aalayer.1000.v"));
    // Without a kernel there is nothing to lose.
    EXPECT_TRUE(ParserLoader(ParserLoader::Mode::CompileOnly, config).is_loaded("app//aalayer.1000.v"));
}

}  // namespace
}  // namespace aalayer::service
