// Result<T>: the value of an operation that can fail, or the reason it failed.
//
// Shaped like std::expected (C++23), which this C++20 code base cannot use yet.
// An Error carries the errno-style code of the failure (0 when none applies) and a
// message with context, written for the person who will read it in a log or terminal.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace cradle {

struct Error {
    int code = 0;         // errno value, or 0 when the failure is not a system error
    std::string message;  // what was being done, and the offending value in quotes
};

// The one way to make an Error from an errno value: system_error("opening \"/x\"") takes the
// current errno, system_error(code, context) a given one (negative as libbpf returns them, or
// positive). The message is `<context>: <strerror(code)>`.
Error system_error(std::string context);
Error system_error(int code, std::string context);

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_state); }
    const T& value() const& { return std::get<0>(m_state); }
    T&& value() && { return std::get<0>(std::move(m_state)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(m_state); }

private:
    std::variant<T, Error> m_state;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_failed(true) {}

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return m_error; }

private:
    Error m_error;
    bool m_failed = false;
};

// Prefixes the message of a failed result with more context, keeping the code:
// with_context(error, "flushing \"web\"") gives "flushing \"web\": <original>".
inline Error with_context(Error error, const std::string& context) {
    error.message = context + ": " + error.message;
    return error;
}

}  // namespace cradle
