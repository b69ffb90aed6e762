// Errors as values for the policy engine. The D-Bus edge maps ErrorKind to
// org.aalayer.Error.* names; the CLI prints Error as FILE:LINE:COL: error: MSG.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "policy/common/utf8.h"

namespace aalayer::policy {

// A position in a policy source. line and column are 1-based; 0 means unknown.
struct Location {
    std::string file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;

    friend bool operator==(const Location&, const Location&) = default;
};

std::string to_string(const Location& where);

// What is wrong with policy text, or why the engine stopped. (The service
// has its own vocabulary for what callers are told: service::ServiceErrorKind.)
enum class ErrorKind : std::uint8_t {
    Syntax,       // the text does not parse
    Invalid,      // parses, but is not valid policy (bad permission mix, redefinition...)
    Include,      // an include cannot be found, read, or forms a cycle
    Variable,     // an undefined variable or a bad variable definition
    Unsupported,  // valid AppArmor that this context refuses (e.g. in a layer)
    Limit,        // a size, depth or state budget was exceeded
    Io,           // the source reader failed
};

const char* to_string(ErrorKind kind);

struct Error {
    ErrorKind kind = ErrorKind::Syntax;
    Location where;
    std::string message;

    // FILE:LINE:COL: error: MESSAGE, the format editors jump to.
    [[nodiscard]] std::string format() const;
};

// Holds either a value or an error. Deliberately small: value(), error(),
// explicit bool. Accessing the wrong alternative is a programming error.
// The engine uses Result<T> (with Error); the service its own error type.
template <typename T, typename E>
class [[nodiscard]] BasicResult {
public:
    BasicResult(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    BasicResult(E error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<T>(v_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<T>(v_);
    }
    T&& value() && {
        assert(ok());
        return std::get<T>(std::move(v_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    [[nodiscard]] const E& error() const {
        assert(!ok());
        return std::get<E>(v_);
    }
    E&& take_error() {
        assert(!ok());
        return std::get<E>(std::move(v_));
    }

private:
    std::variant<T, E> v_;
};

template <typename T>
using Result = BasicResult<T, Error>;

// Result for operations that produce nothing but may fail with an Error.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return !error_.has_value(); }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const Error& error() const {
        assert(!ok());
        return *error_;
    }
    Error&& take_error() {
        assert(!ok());
        return std::move(*error_);
    }

private:
    std::optional<Error> error_;
};

// Messages quote policy text, which may hold any byte; they leave the engine
// as UTF-8 (D-Bus strings must be), with other bytes as \xNN (utf8.h).
inline Error make_error(ErrorKind kind, Location where, std::string message) {
    if (!valid_utf8(message)) message = to_valid_utf8(message);
    return Error{kind, std::move(where), std::move(message)};
}

}  // namespace aalayer::policy

// Early return of an error from a Status or Result expression.
#define AA_TRY(expr)                                             \
    do {                                                         \
        auto aa_try_result_ = (expr);                            \
        if (!aa_try_result_) return aa_try_result_.take_error(); \
    } while (false)

#define AA_CONCAT_INNER(a, b) a##b
#define AA_CONCAT(a, b) AA_CONCAT_INNER(a, b)
// NOLINTBEGIN(bugprone-macro-parentheses): lhs may be a declaration
#define AA_ASSIGN_IMPL(tmp, lhs, expr) \
    auto tmp = (expr);                 \
    if (!tmp) return tmp.take_error(); \
    lhs = std::move(tmp).value()
// Declares or assigns `lhs` from a Result expression, returning its error.
#define AA_ASSIGN(lhs, expr) AA_ASSIGN_IMPL(AA_CONCAT(aa_assign_, __LINE__), lhs, expr)
// NOLINTEND(bugprone-macro-parentheses)
