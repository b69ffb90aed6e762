// Just enough of a JSON reader to check the tools' --json output strictly.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aalayer::test {

// Just enough of a JSON reader to check the tool's --json output strictly.
struct Json {
    enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
    bool boolean = false;
    std::string text;  // string value, or the number's text
    std::vector<Json> items;
    std::vector<std::string> keys;  // object keys, parallel to items

    [[nodiscard]] const Json* get(const std::string& key) const {
        for (std::size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == key) return &items[i];
        return nullptr;
    }
};

class JsonReader {
public:
    explicit JsonReader(std::string_view s) : s_(s) {}

    // The whole input as one value, or nullopt when it is not JSON.
    std::optional<Json> document() {
        auto v = value(0);
        space();
        if (!v || i_ != s_.size()) return std::nullopt;
        return v;
    }

private:
    void space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
            ++i_;
    }
    bool eat(char c) {
        space();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool word(std::string_view w) {
        if (s_.substr(i_, w.size()) != w) return false;
        i_ += w.size();
        return true;
    }
    std::optional<std::string> string() {
        if (!eat('"')) return std::nullopt;
        std::string out;
        while (i_ < s_.size() && s_[i_] != '"') {
            const char c = s_[i_++];
            if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) return std::nullopt;
            const char e = s_[i_++];
            switch (e) {
                case '"':
                case '\\':
                case '/': out += e; break;
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case 'r': out += '\r'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'u': {
                    if (i_ + 4 > s_.size()) return std::nullopt;
                    unsigned code = 0;
                    for (int k = 0; k < 4; ++k) {
                        const char h = s_[i_++];
                        if (std::isxdigit(static_cast<unsigned char>(h)) == 0) return std::nullopt;
                        code =
                            code * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(h)) != 0
                                                                  ? h - '0'
                                                                  : std::tolower(h) - 'a' + 10);
                    }
                    if (code >= 0x80) return std::nullopt;  // the tool only escapes control bytes
                    out += static_cast<char>(code);
                    break;
                }
                default: return std::nullopt;
            }
        }
        if (i_ >= s_.size()) return std::nullopt;
        ++i_;
        return out;
    }
    std::optional<Json> value(int depth) {
        if (depth > 32) return std::nullopt;
        space();
        if (i_ >= s_.size()) return std::nullopt;
        Json v;
        const char c = s_[i_];
        if (c == '"') {
            auto s = string();
            if (!s) return std::nullopt;
            v.kind = Json::Kind::String;
            v.text = std::move(*s);
        } else if (c == '[' || c == '{') {
            const bool object = c == '{';
            v.kind = object ? Json::Kind::Object : Json::Kind::Array;
            ++i_;
            if (eat(object ? '}' : ']')) return v;
            do {
                if (object) {
                    auto key = string();
                    if (!key || !eat(':')) return std::nullopt;
                    v.keys.push_back(std::move(*key));
                }
                auto item = value(depth + 1);
                if (!item) return std::nullopt;
                v.items.push_back(std::move(*item));
            } while (eat(','));
            if (!eat(object ? '}' : ']')) return std::nullopt;
        } else if (word("true")) {
            v.kind = Json::Kind::Bool;
            v.boolean = true;
        } else if (word("false")) {
            v.kind = Json::Kind::Bool;
        } else if (word("null")) {
            v.kind = Json::Kind::Null;
        } else {
            const std::size_t start = i_;
            while (i_ < s_.size() &&
                   (std::isdigit(static_cast<unsigned char>(s_[i_])) != 0 || s_[i_] == '-' || s_[i_] == '+' ||
                    s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E'))
                ++i_;
            if (i_ == start) return std::nullopt;
            v.kind = Json::Kind::Number;
            v.text = std::string(s_.substr(start, i_ - start));
        }
        return v;
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace aalayer::test
