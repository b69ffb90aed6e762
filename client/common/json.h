// The JSON writer of aalayer's and aalayer-policy's --json output. Strings
// may hold any bytes (paths are bytes): the text written is always UTF-8.
// A byte outside a well-formed UTF-8 character is written as the four
// characters \xNN (the escape policy/common/utf8.h uses for such bytes),
// control characters as \n, \t, \r, \b, \f or \u00NN, DEL as \u007f.
#pragma once

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

namespace aalayer::tool {

// `s` as a JSON string, quotes included.
std::string json_string(std::string_view s);

// Builds one JSON value: `{"a": 1, "b": [true, null]}`, with ", " between
// items and ": " after keys. Containers are closed in the order opened.
class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    // The next value's key, in an object.
    JsonWriter& key(std::string_view name);
    JsonWriter& string(std::string_view s);
    JsonWriter& boolean(bool b);
    JsonWriter& null();
    template <std::integral T>
    JsonWriter& number(T n) {
        before_value();
        text_ += std::to_string(n);
        return *this;
    }
    [[nodiscard]] const std::string& text() const { return text_; }

private:
    void before_value();
    JsonWriter& open(char bracket);
    JsonWriter& close(char bracket);

    std::string text_;
    std::vector<bool> empty_;  // per open container: nothing in it yet
    bool after_key_ = false;
};

}  // namespace aalayer::tool
