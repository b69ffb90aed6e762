#include "service/kernel/features.h"

#include <algorithm>
#include <filesystem>

#include "service/store/whole_file.h"

namespace aalayer::service {
namespace {

std::vector<std::string> words_of(std::string_view text) {
    std::vector<std::string> out;
    std::string word;
    for (const char c : text) {
        if (c == ' ' || c == '\n' || c == '\t') {
            if (!word.empty()) out.push_back(std::move(word));
            word.clear();
        } else {
            word += c;
        }
    }
    if (!word.empty()) out.push_back(std::move(word));
    return out;
}

bool has_word(const std::optional<std::vector<std::string>>& words, std::string_view word) {
    return words && std::find(words->begin(), words->end(), word) != words->end();
}

}  // namespace

std::optional<std::vector<std::string>> flat_feature(std::string_view text,
                                                     const std::vector<std::string>& path) {
    // Braces are tokens of their own ("{mask" is "{" then "mask"); a word
    // followed by "{" names a group, any other word is a value of the
    // innermost group.
    std::string spaced;
    for (const char c : text) {
        if (c == '{' || c == '}') {
            spaced += ' ';
            spaced += c;
            spaced += ' ';
        } else {
            spaced += c;
        }
    }
    const std::vector<std::string> tokens = words_of(spaced);
    std::vector<std::string> open;
    std::optional<std::vector<std::string>> found;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const std::string& t = tokens[i];
        if (t == "}") {
            if (!open.empty()) open.pop_back();
        } else if (t != "{" && i + 1 < tokens.size() && tokens[i + 1] == "{") {
            open.push_back(t);
            ++i;
            if (open == path && !found) found.emplace();
        } else if (t != "{" && open == path && found) {
            found->push_back(t);
        }
    }
    return found;
}

std::optional<std::vector<std::string>> read_feature(const std::string& features,
                                                     const std::vector<std::string>& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(features, ec)) {
        std::filesystem::path p = features;
        for (const auto& part : path)
            p /= part;
        if (std::filesystem::is_directory(p, ec)) return std::vector<std::string>{};
        const auto text = read_whole_file(p);
        if (!text) return std::nullopt;
        return words_of(*text);
    }
    const auto text = read_whole_file(features);
    if (!text) return std::nullopt;
    return flat_feature(*text, path);
}

policy::SystemAbi detect_system_abi(const std::string& parser_abi4, const std::string& features) {
    policy::SystemAbi abi;
    const auto both = [&](const std::vector<std::string>& path) {
        return std::pair{read_feature(parser_abi4, path), read_feature(features, path)};
    };
    const auto [parser_ns, kernel_ns] = both({"namespaces", "mask"});
    abi.userns = has_word(parser_ns, "userns_create") && has_word(kernel_ns, "userns_create");
    const auto [parser_mq, kernel_mq] = both({"ipc", "posix_mqueue"});
    abi.mqueue = parser_mq && kernel_mq && !parser_mq->empty() && !kernel_mq->empty();
    return abi;
}

}  // namespace aalayer::service
