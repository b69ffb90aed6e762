#include "service/bus/object_paths.h"

namespace aalayer::service {

std::string escape_path_element(const std::string& s) {
    if (s.empty()) return "_";
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')) {
            out += c;
        } else {
            out += '_';
            out += digits[u >> 4U];
            out += digits[u & 15U];
        }
    }
    return out;
}

std::string layer_object_path(std::uint32_t uid, const std::string& base, const std::string& name) {
    return std::string(kObjectManagerPath) + "/layers/" + std::to_string(uid) + "/" +
           escape_path_element(base) + "/" + escape_path_element(name);
}

}  // namespace aalayer::service
