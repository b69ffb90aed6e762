#include "client/lib/text_file.h"

#include <fstream>
#include <sstream>

namespace aalayer::client {

std::optional<std::string> read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace aalayer::client
