#include "client/sync/layer_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

namespace aalayer::sync {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kHex = "0123456789ABCDEF";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent(unsigned char c) {
    return {'%', kHex[c >> 4U], kHex[c & 0xFU]};
}

}  // namespace

std::string escape_base(std::string_view base) {
    std::string out;
    for (std::size_t i = 0; i < base.size(); ++i) {
        const char c = base[i];
        if (c == '%' || c == '/' || (c == '.' && i == 0)) {
            out += percent(static_cast<unsigned char>(c));
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<std::string> unescape_base(std::string_view directory) {
    if (directory.empty() || directory == "." || directory == "..") return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < directory.size(); ++i) {
        if (directory[i] != '%') {
            out += directory[i];
            continue;
        }
        if (i + 2 >= directory.size()) return std::nullopt;
        const int high = hex_value(directory[i + 1]);
        const int low = hex_value(directory[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        out += static_cast<char>((high << 4) | low);
        i += 2;
    }
    if (out.empty() || out.find('\0') != std::string::npos) return std::nullopt;
    return out;
}

std::string layers_directory(const char* xdg_config_home, const std::string& home) {
    if (xdg_config_home != nullptr && xdg_config_home[0] == '/')
        return std::string(xdg_config_home) + "/aalayer/layers";
    if (!home.empty() && home[0] == '/') return home + "/.config/aalayer/layers";
    return {};
}

LayerFiles read_layer_files(const std::string& directory) {
    LayerFiles out;
    std::error_code error;
    if (!fs::is_directory(directory, error)) return out;
    for (const auto& base_dir : fs::directory_iterator(directory, error)) {
        const std::string dir_name = base_dir.path().filename().string();
        if (dir_name.starts_with('.') || !base_dir.is_directory(error)) continue;
        const auto base = unescape_base(dir_name);
        if (!base) {
            out.problems.push_back(base_dir.path().string() +
                                   ": skipped: not a base's name (a '%' must be followed by two hex digits)");
            continue;
        }
        for (const auto& entry : fs::directory_iterator(base_dir.path(), error)) {
            const std::string file_name = entry.path().filename().string();
            if (file_name.starts_with('.') || !file_name.ends_with(".layer") || file_name == ".layer")
                continue;
            if (!entry.is_regular_file(error)) continue;
            std::ifstream in(entry.path(), std::ios::binary);
            if (!in) {
                out.problems.push_back(entry.path().string() + ": skipped: cannot read it");
                continue;
            }
            std::stringstream text;
            text << in.rdbuf();
            out.files.push_back(
                {*base, file_name.substr(0, file_name.size() - 6), entry.path().string(), text.str()});
        }
        if (error) out.problems.push_back(base_dir.path().string() + ": cannot list it: " + error.message());
        error.clear();
    }
    std::ranges::sort(out.files, [](const LayerFile& a, const LayerFile& b) {
        return std::tie(a.base, a.name) < std::tie(b.base, b.name);
    });
    return out;
}

}  // namespace aalayer::sync
