#include "client/common/json.h"

#include <cassert>

#include "policy/common/utf8.h"

namespace aalayer::tool {

namespace {

void append_escaped(std::string& out, char c) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
        case '"': out += "\\\""; return;
        case '\\': out += "\\\\"; return;
        case '\n': out += "\\n"; return;
        case '\t': out += "\\t"; return;
        case '\r': out += "\\r"; return;
        case '\b': out += "\\b"; return;
        case '\f': out += "\\f"; return;
        default: break;
    }
    if (u < 0x20 || u == 0x7f) {
        out += "\\u00";
        out += kHex[u >> 4U];
        out += kHex[u & 15U];
    } else {
        out += c;
    }
}

}  // namespace

std::string json_string(std::string_view s) {
    // Bytes that are not UTF-8 become \xNN first: the result is valid UTF-8.
    const std::string text = policy::to_valid_utf8(s);
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (const char c : text)
        append_escaped(out, c);
    out += '"';
    return out;
}

void JsonWriter::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!empty_.empty()) {
        if (!empty_.back()) text_ += ", ";
        empty_.back() = false;
    }
}

JsonWriter& JsonWriter::open(char bracket) {
    before_value();
    text_ += bracket;
    empty_.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
    assert(!empty_.empty() && !after_key_);
    empty_.pop_back();
    text_ += bracket;
    return *this;
}

JsonWriter& JsonWriter::begin_object() {
    return open('{');
}

JsonWriter& JsonWriter::end_object() {
    return close('}');
}

JsonWriter& JsonWriter::begin_array() {
    return open('[');
}

JsonWriter& JsonWriter::end_array() {
    return close(']');
}

JsonWriter& JsonWriter::key(std::string_view name) {
    before_value();
    text_ += json_string(name);
    text_ += ": ";
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
    before_value();
    text_ += json_string(s);
    return *this;
}

JsonWriter& JsonWriter::boolean(bool b) {
    before_value();
    text_ += b ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::null() {
    before_value();
    text_ += "null";
    return *this;
}

}  // namespace aalayer::tool
