// Just enough JSON writing for the tool's --json output.
#pragma once

#include <string>
#include <string_view>

namespace aalayer::tool {

inline std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (u < 0x20) {
                    static const char* hex = "0123456789abcdef";
                    out += "\\u00";
                    out += hex[u >> 4U];
                    out += hex[u & 15U];
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

}  // namespace aalayer::tool
