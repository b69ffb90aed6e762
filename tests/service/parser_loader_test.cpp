// The apparmor_parser backend: compile-only with the real parser; its time
// bound with a parser that hangs; the apparmor mode's compile, load and
// binary cache with a stand-in parser (the real kernel: tests/kernel).
#include "service/kernel/parser_loader.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "service/kernel/binary_cache.h"
#include "tests/support/corpus.h"
#include "tests/support/process.h"

namespace aalayer::service {
namespace {

using test::read_all;

TEST(ParserLoader, CompileOnlyAcceptsAChildAndRefusesBrokenText) {
    if (!test::have_apparmor_parser()) GTEST_SKIP() << "apparmor_parser is not installed";
    ParserLoader loader(Backend::CompileOnly, ParserConfig{});
    EXPECT_EQ(loader.backend(), Backend::CompileOnly);
    const ServiceStatus ok =
        loader.load("app//aalayer.1000.w",
                    "abi <abi/3.0>,\nprofile app//aalayer.1000.w {\n  /home/a/** rw,\n  network,\n}\n");
    EXPECT_TRUE(ok.ok()) << (ok ? "" : ok.error().message);
    const ServiceStatus bad =
        loader.load("app//aalayer.1000.w", "profile app//aalayer.1000.w {\n  /x rwz,\n}\n");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().kind, ServiceErrorKind::KernelRefused);
    EXPECT_NE(bad.error().message.find("apparmor_parser refused it"), std::string::npos)
        << bad.error().message;
    EXPECT_TRUE(loader.unload("app//aalayer.1000.w").ok());  // nothing to unload without a kernel
    EXPECT_FALSE(loader.in_use("app//aalayer.1000.w"));
}

TEST(ParserLoader, AnAbi40ChildCompilesWhereTheParserHasAbi40) {
    // apparmor_parser 4.x (Debian 13); Debian 12's 3.0 has no abi/4.0, and there
    // the service writes every child against abi 3.0.
    ParserConfig config;
    if (!test::have_apparmor_parser() || !std::filesystem::exists(config.parser_abi4)) {
        GTEST_SKIP() << "apparmor_parser has no " << config.parser_abi4 << " (AppArmor 3)";
    }
    config.features = config.parser_abi4;
    ParserLoader loader(Backend::CompileOnly, config);
    const policy::SystemAbi abi = loader.system_abi();
    EXPECT_TRUE(abi.userns);
    EXPECT_TRUE(abi.mqueue);
    const ServiceStatus ok =
        loader.load("app//aalayer.1000.w",
                    "abi <abi/4.0>,\nprofile app//aalayer.1000.w {\n  /home/a/** rw,\n  userns,\n  mqueue,\n"
                    "  deny userns create,\n  deny mqueue,\n}\n");
    EXPECT_TRUE(ok.ok()) << (ok ? "" : ok.error().message);
}

TEST(ParserLoader, CompileOnlyAgainstAbi30EnforcesNoAbi40Class) {
    ParserConfig config;
    config.parser_abi4 = "/nonexistent/abi/4.0";
    EXPECT_FALSE(ParserLoader(Backend::CompileOnly, config).system_abi().abi4());
}

TEST(ParserLoader, AHangingParserIsStoppedAtTheTimeBound) {
    test::TempDir dir;
    const std::string fake = dir.write("fake-parser", "#!/bin/sh\nsleep 30\n");
    std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
    ParserConfig config;
    config.parser = fake;
    config.timeout = std::chrono::milliseconds(300);
    ParserLoader loader(Backend::CompileOnly, config);
    const auto start = std::chrono::steady_clock::now();
    const ServiceStatus st = loader.load("x", "profile x {}\n");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind, ServiceErrorKind::KernelRefused);
    EXPECT_NE(st.error().message.find("did not finish in time"), std::string::npos) << st.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(ParserLoader, AMissingParserIsAClearError) {
    ParserConfig config;
    config.parser = "/nonexistent/apparmor_parser";
    ParserLoader loader(Backend::CompileOnly, config);
    const ServiceStatus st = loader.load("x", "profile x {}\n");
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
    ParserLoader loader(Backend::AppArmor, config);
    EXPECT_EQ(loader.backend(), Backend::AppArmor);
    EXPECT_TRUE(loader.in_use("app//aalayer.1000.w"));
    EXPECT_FALSE(loader.in_use("app//aalayer.1000.v"));
    EXPECT_FALSE(loader.in_use("app//aalayer.1000.other"));  // "self" is not a pid
}

TEST(ParserLoader, LoadedProfilesReadsTheKernelsProfileListFromAFakeSecurityfs) {
    test::TempDir dir;
    dir.write("apparmor/profiles",
              "app//aalayer.1000.w (enforce)\napp (enforce)\napp//aalayer.1000.wx (complain)\n");
    ParserConfig config;
    config.securityfs = dir.path() + "/apparmor";
    ParserLoader kernel(Backend::AppArmor, config);
    const auto loaded = kernel.loaded_profiles();
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(*loaded,
              (std::unordered_set<std::string>{"app//aalayer.1000.w", "app", "app//aalayer.1000.wx"}));
    // Without a kernel there is nothing to lose: no list, every child counts as held.
    EXPECT_FALSE(ParserLoader(Backend::CompileOnly, config).loaded_profiles().has_value());
}

// A stand-in apparmor_parser that logs its arguments, "compiles" a text to
// "BIN:" + text, and "loads" a binary into a file, refusing one that starts
// with BAD: the apparmor backend's flow without a kernel.
class FakeParserKernel {
public:
    FakeParserKernel() {
        const std::string parser =
            dir.write("parser",
                      "#!/bin/sh\n"
                      "echo \"$*\" >> " +
                          dir.path() +
                          "/log\n"
                          "case \"$1\" in\n"
                          "  --version) echo 'fake parser 1.0' ;;\n"
                          "  -Q) if [ \"$2\" = -T ]; then\n"  // many files: -Q -T -W --cache-loc=DIR FILE...
                          "    out=${4#--cache-loc=}/f.0; mkdir -p \"$out\"; shift 4; rc=0\n"
                          "    for f in \"$@\"; do t=$(cat \"$f\"); case \"$t\" in\n"
                          "      *NOCOMPILE*) echo \"$f: syntax error\" >&2; rc=1 ;;\n"
                          "      *) printf 'BIN:%s' \"$t\" > \"$out/${f##*/}\" ;; esac; done; exit $rc\n"
                          "  fi\n"
                          "  t=$(cat); case \"$t\" in *NOCOMPILE*) echo 'syntax error' >&2; exit 1 ;; esac;"
                          " printf 'BIN:%s' \"$t\" ;;\n"
                          "  -r) b=$(cat); case \"$b\" in *BAD*) echo refused >&2; exit 1 ;; esac;"
                          " printf '%s' \"$b\" > " +
                          dir.path() +
                          "/loaded ;;\n"
                          "esac\n");
        std::filesystem::permissions(parser, std::filesystem::perms::owner_all);
        dir.write("apparmor/features/file/mask", "create read write exec append\n");
        config.parser = parser;
        config.securityfs = dir.path() + "/apparmor";
        config.cache_dir = dir.path() + "/cache";
        config.features.clear();
    }
    [[nodiscard]] std::size_t compiles() const { return count("-Q -S"); }
    [[nodiscard]] std::size_t batch_compiles() const { return count_prefix("-Q -T -W "); }
    [[nodiscard]] std::size_t loads() const { return count("-r -B"); }
    [[nodiscard]] std::string loaded() const { return read_all(dir.path() + "/loaded"); }

    test::TempDir dir;
    ParserConfig config;

private:
    [[nodiscard]] std::size_t count_prefix(const std::string& args) const {
        std::istringstream in(read_all(dir.path() + "/log"));
        std::size_t n = 0;
        for (std::string line; std::getline(in, line);)
            n += line.starts_with(args) ? 1 : 0;
        return n;
    }
    [[nodiscard]] std::size_t count(const std::string& args) const {
        std::istringstream in(read_all(dir.path() + "/log"));
        std::size_t n = 0;
        for (std::string line; std::getline(in, line);)
            n += line == args ? 1 : 0;
        return n;
    }
};

TEST(ParserLoader, KernelChildrenAreCompiledOnceAndLoadedFromTheCacheAfterARestart) {
    FakeParserKernel fake;
    const std::string name = "app//aalayer.1000.w";
    ASSERT_TRUE(ParserLoader(Backend::AppArmor, fake.config).load(name, "T1").ok());
    EXPECT_EQ(fake.compiles(), 1U);
    EXPECT_EQ(fake.loaded(), "BIN:T1");
    // A restart: the same text loads from the cache, without a compile (and
    // without writing the entry again).
    const std::string entry = BinaryCache(fake.config.cache_dir).path_of(name);
    const auto written = std::filesystem::last_write_time(entry);
    ParserLoader again(Backend::AppArmor, fake.config);
    ASSERT_TRUE(again.load(name, "T1").ok());
    EXPECT_EQ(fake.compiles(), 1U);
    EXPECT_EQ(std::filesystem::last_write_time(entry), written);
    EXPECT_EQ(fake.loads(), 2U);
    EXPECT_EQ(fake.loaded(), "BIN:T1");
    // Another text, another child name: compiled.
    ASSERT_TRUE(again.load(name, "T2").ok());
    ASSERT_TRUE(again.load("app//aalayer.1000.v", "T1").ok());
    EXPECT_EQ(fake.compiles(), 3U);
    // The kernel's features changed: nothing cached is used.
    fake.dir.write("apparmor/features/file/mask", "create read write exec append mmap\n");
    ASSERT_TRUE(ParserLoader(Backend::AppArmor, fake.config).load(name, "T2").ok());
    EXPECT_EQ(fake.compiles(), 4U);
}

TEST(ParserLoader, ACachedBinaryTheKernelRefusesIsCompiledAfresh) {
    FakeParserKernel fake;
    const std::string name = "app//aalayer.1000.w";
    const BinaryCache cache(fake.config.cache_dir);
    cache.store(name, "T1", compiler_fingerprint("fake parser 1.0\n", fake.config.securityfs + "/features"),
                "BAD binary");
    ParserLoader loader(Backend::AppArmor, fake.config);
    ASSERT_TRUE(loader.load(name, "T1").ok());
    EXPECT_EQ(fake.compiles(), 1U);
    EXPECT_EQ(fake.loads(), 2U);
    EXPECT_EQ(fake.loaded(), "BIN:T1");
    // And the cache holds the good binary now.
    EXPECT_TRUE(ParserLoader(Backend::AppArmor, fake.config).load(name, "T1").ok());
    EXPECT_EQ(fake.compiles(), 1U);
}

// The children compile() found in the cache, as start has them.
std::vector<std::unique_ptr<CompiledChild>> compiled(
    ParserLoader& loader, const std::vector<std::pair<std::string, std::string>>& named) {
    std::vector<std::unique_ptr<CompiledChild>> out;
    for (const auto& [name, text] : named) {
        auto child = loader.compile(name, text);
        EXPECT_TRUE(child.ok()) << name;
        if (child) out.push_back(std::move(child.value()));
    }
    return out;
}

TEST(ParserLoader, CachedBinariesGoToTheKernelInOneParserRun) {
    FakeParserKernel fake;
    const std::vector<std::pair<std::string, std::string>> named{
        {"app//aalayer.1000.a", "TA"}, {"app//aalayer.1000.b", "TB"}, {"app//aalayer.1001.c", "TC"}};
    {
        ParserLoader first(Backend::AppArmor, fake.config);
        for (const auto& [name, text] : named)
            ASSERT_TRUE(first.load(name, text).ok());
    }
    ASSERT_EQ(fake.compiles(), 3U);
    ASSERT_EQ(fake.loads(), 3U);
    ParserLoader restarted(Backend::AppArmor, fake.config);
    auto children = compiled(restarted, named);
    ASSERT_EQ(children.size(), 3U);
    for (const auto& c : children)
        EXPECT_TRUE(c->cached());
    const TogetherLoad done = restarted.load_together(children);
    ASSERT_EQ(done.results.size(), 3U);
    for (const auto& r : done.results)
        EXPECT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(done.parser_runs, 1U);
    EXPECT_EQ(fake.loads(), 4U);
    EXPECT_EQ(fake.compiles(), 3U);
    // One stdin: the binaries one after another, as the kernel unpacks them.
    EXPECT_EQ(fake.loaded(), "BIN:TABIN:TBBIN:TC");
}

// A cold start: binaries just compiled go in one run too, and once the
// kernel took them they are in the cache for the next start.
TEST(ParserLoader, FreshBinariesGoToTheKernelInOneRunAndIntoTheCache) {
    FakeParserKernel fake;
    const std::vector<std::pair<std::string, std::string>> named{{"app//aalayer.1000.a", "TA"},
                                                                 {"app//aalayer.1000.b", "TB"}};
    ParserLoader loader(Backend::AppArmor, fake.config);
    auto children = compiled(loader, named);
    ASSERT_EQ(children.size(), 2U);
    for (const auto& c : children) {
        EXPECT_FALSE(c->cached());
        EXPECT_TRUE(c->loads_together());
    }
    const TogetherLoad done = loader.load_together(children);
    for (const auto& r : done.results)
        EXPECT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(done.parser_runs, 1U);
    EXPECT_EQ(fake.loaded(), "BIN:TABIN:TB");
    ParserLoader restarted(Backend::AppArmor, fake.config);
    for (const auto& c : compiled(restarted, named))
        EXPECT_TRUE(c->cached());
    EXPECT_EQ(fake.compiles(), 2U);
}

TEST(ParserLoader, ARunTheKernelRefusesIsLoadedChildByChildWithEachOnesOwnResult) {
    FakeParserKernel fake;
    const std::string fp = compiler_fingerprint("fake parser 1.0\n", fake.config.securityfs + "/features");
    const BinaryCache cache(fake.config.cache_dir);
    cache.store("app//aalayer.1000.a", "TA", fp, "BIN:TA");
    cache.store("app//aalayer.1000.b", "TB", fp, "BAD stale binary");   // compiles afresh
    cache.store("app//aalayer.1000.c", "NOCOMPILE", fp, "BAD binary");  // cannot
    cache.store("app//aalayer.1000.d", "TD", fp, "BIN:TD");
    const std::vector<std::pair<std::string, std::string>> named{{"app//aalayer.1000.a", "TA"},
                                                                 {"app//aalayer.1000.b", "TB"},
                                                                 {"app//aalayer.1000.c", "NOCOMPILE"},
                                                                 {"app//aalayer.1000.d", "TD"}};
    ParserLoader loader(Backend::AppArmor, fake.config);
    auto children = compiled(loader, named);
    ASSERT_EQ(children.size(), 4U);
    const TogetherLoad done = loader.load_together(children);
    ASSERT_EQ(done.results.size(), 4U);
    EXPECT_TRUE(done.results[0].ok());
    EXPECT_TRUE(done.results[1].ok());
    EXPECT_TRUE(done.results[3].ok());
    ASSERT_FALSE(done.results[2].ok());
    // The run, then a load of each child (b and c with their compile).
    EXPECT_EQ(done.parser_runs, 5U);
    EXPECT_EQ(done.failed_runs,
              std::vector<std::string>{
                  "4 children in one run: apparmor_parser refused it: refused; each is loaded alone"});
    EXPECT_EQ(fake.compiles(), 2U);
    EXPECT_EQ(fake.loads(), 1U + 4U + 1U);
    // c's error is the one its own load gives.
    ParserLoader alone(Backend::AppArmor, fake.config);
    const ServiceStatus single = alone.load("app//aalayer.1000.c", "NOCOMPILE");
    ASSERT_FALSE(single.ok());
    EXPECT_EQ(done.results[2].error().kind, single.error().kind);
    EXPECT_EQ(done.results[2].error().message, single.error().message);
    EXPECT_EQ(single.error().message,
              "cannot compile app//aalayer.1000.c: apparmor_parser refused it: syntax error");
    // b's fresh binary replaced its stale cache entry.
    EXPECT_EQ(cache.find("app//aalayer.1000.b", "TB", fp).value_or(""), "BIN:TB");
}

// A cold start: the children not in the cache are compiled in one run
// (one that does not compile is compiled alone, for its own message), and
// their binaries go into the cache once the kernel took them.
TEST(ParserLoader, KernelChildrenAreCompiledInOneRunAndCachedOnceLoaded) {
    FakeParserKernel fake;
    {
        ParserLoader first(Backend::AppArmor, fake.config);
        ASSERT_TRUE(first.load("app//aalayer.1000.a", "TA").ok());
    }
    const std::vector<ChildText> texts{{"app//aalayer.1000.a", "TA"},
                                       {"app//aalayer.1000.b", "TB"},
                                       {"app//aalayer.1000.c", "NOCOMPILE"},
                                       {"app//aalayer.1001.d", "TD"}};
    ParserLoader loader(Backend::AppArmor, fake.config);
    TogetherCompile compiled = loader.compile_together(texts);
    ASSERT_EQ(compiled.results.size(), 4U);
    EXPECT_EQ(compiled.compiled, 3U);     // a came from the cache
    EXPECT_EQ(compiled.parser_runs, 2U);  // b, c and d together; c alone
    EXPECT_EQ(fake.batch_compiles(), 1U);
    EXPECT_EQ(fake.compiles(), 1U + 1U);
    ASSERT_TRUE(compiled.results[0].ok());
    EXPECT_TRUE(compiled.results[0].value()->cached());
    ASSERT_FALSE(compiled.results[2].ok());
    const auto alone =
        ParserLoader(Backend::AppArmor, fake.config).compile("app//aalayer.1000.c", "NOCOMPILE");
    ASSERT_FALSE(alone.ok());
    EXPECT_EQ(compiled.results[2].error().message, alone.error().message);
    std::vector<std::unique_ptr<CompiledChild>> children;
    for (std::size_t i : {0U, 1U, 3U}) {
        ASSERT_TRUE(compiled.results[i].ok()) << compiled.results[i].error().message;
        EXPECT_TRUE(compiled.results[i].value()->loads_together());
        children.push_back(std::move(compiled.results[i].value()));
    }
    const TogetherLoad done = loader.load_together(children);
    for (const auto& r : done.results)
        EXPECT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(fake.loaded(), "BIN:TABIN:TBBIN:TD");
    ParserLoader restarted(Backend::AppArmor, fake.config);
    const TogetherCompile again = restarted.compile_together({texts[0], texts[1], texts[3]});
    EXPECT_EQ(again.compiled, 0U);
    EXPECT_EQ(again.parser_runs, 0U);
    EXPECT_EQ(fake.batch_compiles(), 1U);
}

// With the real parser: many children in one run, and what the run refused
// is what a compile alone refuses.
TEST(ParserLoader, CompileOnlyCompilesManyChildrenInOneRun) {
    if (!test::have_apparmor_parser()) GTEST_SKIP() << "apparmor_parser is not installed";
    const test::TempDir tmp;  // the run's files go here, to be seen gone
    const char* old_tmpdir = std::getenv("TMPDIR");
    const std::string restore = old_tmpdir == nullptr ? "" : old_tmpdir;
    ::setenv("TMPDIR", tmp.path().c_str(), 1);
    ParserLoader loader(Backend::CompileOnly, ParserConfig{});
    std::vector<ChildText> texts;
    for (const char* name : {"a", "b", "c", "d"}) {
        const std::string kernel_name = std::string("app//aalayer.1000.") + name;
        texts.push_back({kernel_name, "abi <abi/3.0>,\nprofile " + kernel_name + " {\n  /home/" + name +
                                          "/** rw,\n  network,\n}\n"});
    }
    texts[2].text = "profile app//aalayer.1000.c {\n  /x rwz,\n}\n";
    const TogetherCompile compiled = loader.compile_together(texts);
    ASSERT_EQ(compiled.results.size(), 4U);
    EXPECT_EQ(compiled.compiled, 4U);
    EXPECT_EQ(compiled.parser_runs, 2U);
    for (std::size_t i : {0U, 1U, 3U})
        EXPECT_TRUE(compiled.results[i].ok()) << compiled.results[i].error().message;
    ASSERT_FALSE(compiled.results[2].ok());
    const auto alone = loader.compile(texts[2].kernel_name, texts[2].text);
    ASSERT_FALSE(alone.ok());
    EXPECT_EQ(compiled.results[2].error().message, alone.error().message);
    EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));  // nothing left behind
    if (old_tmpdir == nullptr) {
        ::unsetenv("TMPDIR");
    } else {
        ::setenv("TMPDIR", restore.c_str(), 1);
    }
}

TEST(ParserLoader, ACorruptOrForeignCacheEntryIsAMiss) {
    test::TempDir dir;
    const BinaryCache cache(dir.path());
    cache.store("a//b", "text", "fp", "binary");
    EXPECT_EQ(cache.find("a//b", "text", "fp").value_or(""), "binary");
    EXPECT_FALSE(cache.find("a//b", "text2", "fp"));
    EXPECT_FALSE(cache.find("a//b", "text", "fp2"));
    EXPECT_FALSE(cache.find("a//b", "text", ""));
    const std::string path = cache.path_of("a//b");
    const std::string whole = read_all(path);
    for (std::size_t cut : {std::size_t{0}, std::size_t{10}, whole.size() / 2, whole.size() - 1}) {
        dir.write(path.substr(dir.path().size() + 1), whole.substr(0, cut));
        EXPECT_FALSE(cache.find("a//b", "text", "fp")) << cut;
    }
}

}  // namespace
}  // namespace aalayer::service
