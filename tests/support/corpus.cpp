#include "tests/support/corpus.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "policy/load/include_resolver.h"

namespace aalayer::test {

namespace fs = std::filesystem;

std::vector<std::string> corpus_files() {
    std::vector<std::string> files;
    std::stringstream dirs(
        env_or("AALAYER_CORPUS_DIRS", "/etc/apparmor.d:/usr/share/apparmor/extra-profiles"));
    for (std::string dir; std::getline(dirs, dir, ':');) {
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (!it->is_regular_file() || policy::is_skipped_policy_entry(name)) continue;
            files.push_back(it->path().string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

bool have_apparmor_parser() {
    return run_process({"apparmor_parser", "--version"}).exit_code == 0;
}

std::optional<ParserVersion> parse_parser_version(const std::string& output) {
    const std::string marker = "version ";
    const std::string first_line = output.substr(0, output.find('\n'));
    const auto at = first_line.find(marker);
    if (at == std::string::npos) return std::nullopt;
    std::istringstream in(first_line.substr(at + marker.size()));
    ParserVersion v;
    char dot = 0;
    if (!(in >> v.major >> dot >> v.minor) || dot != '.' || v.major < 0 || v.minor < 0) return std::nullopt;
    return v;
}

std::optional<ParserVersion> apparmor_parser_version(std::string* error) {
    const ProcessResult r = run_process({"apparmor_parser", "--version"});
    if (r.exit_code != 0) {
        if (error != nullptr)
            *error =
                "`apparmor_parser --version` failed (exit " + std::to_string(r.exit_code) + "): " + r.err;
        return std::nullopt;
    }
    auto v = parse_parser_version(r.out);
    if (!v && error != nullptr) *error = "no version in the output of `apparmor_parser --version`: " + r.out;
    return v;
}

std::optional<std::string> compile_profile(const std::string& path, std::string* error,
                                           const std::vector<std::string>& include_dirs) {
    const TempDir dir;
    const std::string out = dir.path() + "/policy.bin";
    // -Q: skip the kernel load; -K: no cache; -T: no cache read;
    // -M: the 3.0 ABI, so the output does not depend on this machine's kernel.
    std::vector<std::string> argv{"apparmor_parser",         "-Q", "-K", "-T", "-M",
                                  "/etc/apparmor.d/abi/3.0", "-o", out};
    for (const auto& inc : include_dirs) {
        argv.emplace_back("-I");
        argv.push_back(inc);
    }
    argv.push_back(path);
    const ProcessResult r = run_process(argv, std::chrono::seconds(120));
    if (r.exit_code != 0) {
        if (error != nullptr) *error = r.timed_out ? std::string("apparmor_parser timed out") : r.err;
        return std::nullopt;
    }
    std::ifstream in(out, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace aalayer::test
