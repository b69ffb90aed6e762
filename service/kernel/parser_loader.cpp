#include "service/kernel/parser_loader.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "service/kernel/command.h"
#include "service/kernel/features.h"
#include "service/store/whole_file.h"

namespace aalayer::service {

namespace fs = std::filesystem;

ParserLoader::ParserLoader(Backend backend, ParserConfig config)
    : backend_(backend), config_(std::move(config)), cache_(config_.cache_dir) {}

namespace {

ServiceStatus parser_failed(const std::string& what, const CommandResult& r) {
    if (r.timed_out)
        return fail(ServiceErrorKind::KernelRefused, what + ": apparmor_parser did not finish in time");
    std::string msg = r.err.empty() ? r.out : r.err;
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' '))
        msg.pop_back();
    if (r.exit_code == 127 || r.exit_code < 0) {
        return fail(ServiceErrorKind::KernelRefused,
                    what + ": apparmor_parser could not be run" + (msg.empty() ? "" : ": " + msg));
    }
    return fail(ServiceErrorKind::KernelRefused, what + ": apparmor_parser refused it: " + msg);
}

// Compile-only: the compile was everything.
class CheckedChild final : public CompiledChild {
public:
    ServiceStatus load() override { return Done{}; }
};

// The kernel's binary policy, loaded by apparmor_parser from stdin. Once
// the kernel took a freshly compiled binary, `loaded` runs (it fills the
// cache); a binary from the cache that the kernel refuses is compiled
// afresh once (`recompile`, set only for those).
class BinaryChild final : public CompiledChild {
public:
    struct Hooks {
        std::function<void(const std::string& binary)> loaded;
        std::function<Outcome<std::string>()> recompile;
    };
    BinaryChild(std::string kernel_name, std::string binary, const ParserConfig& config, Hooks hooks)
        : kernel_name_(std::move(kernel_name)),
          binary_(std::move(binary)),
          parser_(config.parser),
          timeout_(config.timeout),
          hooks_(std::move(hooks)) {}
    ServiceStatus load() override {
        bool fresh = !hooks_.recompile;
        ServiceStatus st = load_binary();
        if (!st && hooks_.recompile) {
            auto again = hooks_.recompile();
            if (!again) return again.error();
            binary_ = std::move(again.value());
            fresh = true;
            st = load_binary();
        }
        if (st && fresh && hooks_.loaded) hooks_.loaded(binary_);
        return st;
    }
    [[nodiscard]] bool cached() const override { return static_cast<bool>(hooks_.recompile); }
    [[nodiscard]] bool loads_together() const override { return true; }
    [[nodiscard]] const std::string& binary() const { return binary_; }
    // The kernel took the binary in a run with others.
    void took() {
        if (!hooks_.recompile && hooks_.loaded) hooks_.loaded(binary_);
    }

private:
    ServiceStatus load_binary() {
        // Replace, never remove + add: a failed replace leaves the old child loaded.
        const CommandResult r = run_command({parser_, "-r", "-B"}, binary_, timeout_);
        if (r.exit_code != 0) return parser_failed("cannot load " + kernel_name_, r);
        return Done{};
    }

    std::string kernel_name_;
    std::string binary_;
    std::string parser_;
    std::chrono::milliseconds timeout_;
    Hooks hooks_;
};

}  // namespace

const std::string& ParserLoader::fingerprint() {
    std::call_once(fingerprint_once_, [this] {
        const CommandResult v = run_command({config_.parser, "--version"}, "", config_.timeout);
        if (v.exit_code != 0 || v.out.empty()) return;
        fingerprint_ = compiler_fingerprint(v.out, features());
    });
    return fingerprint_;
}

std::string ParserLoader::features() const {
    return config_.features.empty() ? config_.securityfs + "/features" : config_.features;
}

policy::SystemAbi ParserLoader::system_abi() {
    return detect_system_abi(config_.parser_abi4, features());
}

Outcome<std::string> ParserLoader::compile_binary(const std::string& kernel_name,
                                                  const std::string& profile_text) {
    std::vector<std::string> argv{config_.parser, "-Q", "-S"};  // the binary on stdout
    if (!config_.features.empty()) argv.insert(argv.end(), {"-M", config_.features});
    CommandResult r = run_command(argv, profile_text, config_.timeout);
    if (r.exit_code != 0) return parser_failed("cannot compile " + kernel_name, r).error();
    if (r.out.empty()) {
        return fail(ServiceErrorKind::KernelRefused,
                    "cannot compile " + kernel_name + ": apparmor_parser wrote no binary policy");
    }
    return std::move(r.out);
}

std::unique_ptr<CompiledChild> ParserLoader::binary_child(const std::string& kernel_name,
                                                          const std::string& profile_text, std::string binary,
                                                          bool from_cache) {
    const std::string& print = fingerprint();
    BinaryChild::Hooks hooks;
    hooks.loaded = [this, kernel_name, profile_text, print](const std::string& loaded) {
        cache_.store(kernel_name, profile_text, print, loaded);
    };
    if (from_cache) {
        hooks.recompile = [this, kernel_name, profile_text] {
            return compile_binary(kernel_name, profile_text);
        };
    }
    return std::make_unique<BinaryChild>(kernel_name, std::move(binary), config_, std::move(hooks));
}

Outcome<std::unique_ptr<CompiledChild>> ParserLoader::compile(const std::string& kernel_name,
                                                              const std::string& profile_text) {
    if (backend_ == Backend::CompileOnly) {
        const CommandResult r =
            run_command({config_.parser, "-Q", "-K", "-T", "-M", config_.features, "-o", "/dev/null"},
                        profile_text, config_.timeout);
        if (r.exit_code != 0) return parser_failed("cannot compile " + kernel_name, r).error();
        return std::unique_ptr<CompiledChild>(std::make_unique<CheckedChild>());
    }
    if (auto cached = cache_.find(kernel_name, profile_text, fingerprint()))
        return binary_child(kernel_name, profile_text, std::move(*cached), true);
    auto binary = compile_binary(kernel_name, profile_text);
    if (!binary) return binary.error();
    return binary_child(kernel_name, profile_text, std::move(binary.value()), false);
}

namespace {

// A directory only the service can read, removed with what is in it.
class PrivateTempDir {
public:
    PrivateTempDir() {
        std::error_code ec;
        std::string pattern = (fs::temp_directory_path(ec) / "aalayer-compile.XXXXXX").string();
        if (!ec && ::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
    }
    PrivateTempDir(const PrivateTempDir&) = delete;
    PrivateTempDir& operator=(const PrivateTempDir&) = delete;
    ~PrivateTempDir() {
        std::error_code ec;
        if (!path_.empty()) fs::remove_all(path_, ec);
    }
    [[nodiscard]] const std::string& path() const { return path_; }  // empty: none could be made

private:
    std::string path_;
};

bool write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.close();
    return static_cast<bool>(out);
}

}  // namespace

std::vector<std::optional<std::string>> ParserLoader::compile_in_one_run(
    const std::vector<const ChildText*>& children) {
    // apparmor_parser takes many files in one run and compiles them on every
    // core; -W writes each one's binary, named as its file, under
    // --cache-loc (in a subdirectory named for the features), and a file
    // that does not compile does not stop the others. Its stdout (-S) cannot
    // serve: with several jobs their binaries would interleave.
    std::vector<std::optional<std::string>> binaries(children.size());
    const PrivateTempDir dir;
    if (dir.path().empty()) return binaries;
    const fs::path texts = fs::path(dir.path()) / "texts";
    const fs::path out = fs::path(dir.path()) / "binaries";
    std::error_code ec;
    fs::create_directory(texts, ec);
    if (!ec) fs::create_directory(out, ec);
    if (ec) return binaries;
    std::vector<std::string> argv{config_.parser, "-Q", "-T", "-W", "--cache-loc=" + out.string()};
    if (!config_.features.empty()) argv.insert(argv.end(), {"-M", config_.features});
    for (std::size_t i = 0; i < children.size(); ++i) {
        const fs::path file = texts / std::to_string(i);
        if (!write_file(file, children[i]->text)) return binaries;
        argv.push_back(file.string());
    }
    // As long as a sixteenth of its children would each get alone: far more
    // than compiling them takes, yet a hung parser holds a start up for a
    // bounded time before each child is compiled alone.
    const auto bound = config_.timeout * static_cast<long>(std::max<std::size_t>(1, children.size() / 16));
    (void)run_command(argv, "", bound);  // what it did not compile is compiled alone
    for (fs::recursive_directory_iterator it(out, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        const std::string name = it->path().filename().string();
        if (name.empty() || name.size() > 9 || name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        const std::size_t i = std::stoul(name);
        if (i >= binaries.size() || binaries[i] || it->file_size(ec) == 0 || ec) continue;
        // Compile-only keeps no binary: that it was written is the check.
        binaries[i] =
            backend_ == Backend::CompileOnly ? std::optional<std::string>("") : read_whole_file(it->path());
    }
    return binaries;
}

TogetherCompile ParserLoader::compile_together(const std::vector<ChildText>& children) {
    TogetherCompile out;
    out.results.reserve(children.size());
    std::vector<std::optional<Outcome<std::unique_ptr<CompiledChild>>>> results(children.size());
    // The apparmor backend's cached binaries need no run.
    std::vector<const ChildText*> to_compile;
    std::vector<std::size_t> where;
    for (std::size_t i = 0; i < children.size(); ++i) {
        const ChildText& child = children[i];
        if (backend_ == Backend::AppArmor) {
            if (auto cached = cache_.find(child.kernel_name, child.text, fingerprint())) {
                results[i].emplace(binary_child(child.kernel_name, child.text, std::move(*cached), true));
                continue;
            }
        }
        to_compile.push_back(&child);
        where.push_back(i);
    }
    out.compiled = to_compile.size();
    if (to_compile.size() > 1) {
        auto binaries = compile_in_one_run(to_compile);
        ++out.parser_runs;
        for (std::size_t j = 0; j < to_compile.size(); ++j) {
            if (!binaries[j]) continue;
            const ChildText& child = *to_compile[j];
            if (backend_ == Backend::CompileOnly) {
                results[where[j]].emplace(std::unique_ptr<CompiledChild>(std::make_unique<CheckedChild>()));
                continue;
            }
            results[where[j]].emplace(
                binary_child(child.kernel_name, child.text, std::move(*binaries[j]), false));
        }
    }
    for (std::size_t i = 0; i < children.size(); ++i) {
        if (!results[i]) {  // alone, with its own message
            results[i].emplace(compile(children[i].kernel_name, children[i].text));
            ++out.parser_runs;
        }
        out.results.push_back(std::move(*results[i]));
    }
    return out;
}

TogetherLoad ParserLoader::load_together(std::vector<std::unique_ptr<CompiledChild>>& children) {
    // The binaries one after another on one parser's stdin: apparmor_parser
    // -B writes what it reads to the kernel in one write, and the kernel
    // unpacks every profile in it or takes none. Nothing is written to a file.
    // A bound on one run's input keeps its memory (twice: here and in the
    // kernel) modest however many children there are.
    constexpr std::size_t kMaxRunBytes = 64U << 20U;
    TogetherLoad out;
    out.results.resize(children.size(), Done{});
    std::size_t next = 0;
    while (next < children.size()) {
        auto* first = dynamic_cast<BinaryChild*>(children[next].get());
        if (first == nullptr) {  // not this loader's binary (compile-only): its own load
            out.results[next] = children[next]->load();
            ++out.parser_runs;
            ++next;
            continue;
        }
        std::string input = first->binary();
        std::size_t end = next + 1;
        for (; end < children.size(); ++end) {
            auto* child = dynamic_cast<BinaryChild*>(children[end].get());
            if (child == nullptr || input.size() + child->binary().size() > kMaxRunBytes) break;
            input += child->binary();
        }
        if (end == next + 1) {  // alone: its own load, with its retry
            out.results[next] = children[next]->load();
            ++out.parser_runs;
            ++next;
            continue;
        }
        const CommandResult r = run_command({config_.parser, "-r", "-B"}, input, config_.timeout);
        ++out.parser_runs;
        if (r.exit_code != 0) {
            const auto why = parser_failed(std::to_string(end - next) + " children in one run", r);
            out.failed_runs.push_back(why.error().message + "; each is loaded alone");
        }
        for (std::size_t i = next; i < end; ++i) {
            if (r.exit_code == 0) {
                static_cast<BinaryChild&>(*children[i]).took();
            } else {
                // Kernel refused the run: each child alone, its own message.
                out.results[i] = children[i]->load();
                ++out.parser_runs;
            }
        }
        next = end;
    }
    return out;
}

ServiceStatus ParserLoader::unload(const std::string& kernel_name) {
    if (backend_ == Backend::CompileOnly) return Done{};
    // -R removes the profiles named in its input; the body does not matter.
    const CommandResult r =
        run_command({config_.parser, "-R"}, "profile \"" + kernel_name + "\" {}\n", config_.timeout);
    // Removing what is not loaded is done already (apparmor_parser 3.0: "Profile doesn't exist").
    if (r.exit_code != 0 && r.err.find("does not exist") == std::string::npos &&
        r.err.find("doesn't exist") == std::string::npos) {
        return parser_failed("cannot remove " + kernel_name, r);
    }
    return Done{};
}

bool ParserLoader::in_use(const std::string& kernel_name) {
    if (backend_ == Backend::CompileOnly) return false;
    std::error_code ec;
    for (fs::directory_iterator it(config_.proc_dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string pid = it->path().filename().string();
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
        for (const char* attr : {"/attr/apparmor/current", "/attr/current"}) {
            std::ifstream in(it->path().string() + attr);
            std::string label;
            if (!std::getline(in, label)) continue;
            // A stack reads "base//&base//aalayer.1000.name (enforce)".
            const auto mode = label.rfind(" (");
            if (mode != std::string::npos) label.resize(mode);
            if (label == kernel_name || label.ends_with("//&" + kernel_name) ||
                label.find("//&" + kernel_name + "//&") != std::string::npos) {
                return true;
            }
            break;
        }
    }
    return false;
}

std::optional<std::unordered_set<std::string>> ParserLoader::loaded_profiles() {
    if (backend_ == Backend::CompileOnly) return std::nullopt;
    // One line per loaded profile: "NAME (MODE)".
    std::unordered_set<std::string> names;
    std::ifstream in(config_.securityfs + "/profiles");
    std::string line;
    while (std::getline(in, line)) {
        const auto mode = line.rfind(" (");
        if (mode != std::string::npos) names.insert(line.substr(0, mode));
    }
    return names;
}

Backend detect_backend(const std::string& securityfs) {
    std::error_code ec;
    return fs::exists(securityfs + "/profiles", ec) ? Backend::AppArmor : Backend::CompileOnly;
}

}  // namespace aalayer::service
