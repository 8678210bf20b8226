#pragma once

#include <QString>

#include <optional>
#include <utility>

namespace Alfe {

// A failure a user can act on: a stable machine code ("not_found", "invalid_argument", ...) and one
// clear sentence. The HTTP layer and the CLI turn it into a status or an exit code.
struct Error
{
    QString code;
    QString message;
};

// The value of an operation that can fail. Kept deliberately small: C++17 has no std::expected.
template <typename T>
class Result
{
public:
    Result(T value)
        : m_value(std::move(value))
    {}
    Result(Error error)
        : m_error(std::move(error))
    {}

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return *m_value; }
    T& value() & { return *m_value; }
    T&& value() && { return std::move(*m_value); }
    const T* operator->() const { return &*m_value; }
    T* operator->() { return &*m_value; }
    const Error& error() const { return m_error; }

private:
    std::optional<T> m_value;
    Error m_error;
};

template <>
class Result<void>
{
public:
    Result() = default;
    Result(Error error)
        : m_failed(true)
        , m_error(std::move(error))
    {}

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return m_error; }

private:
    bool m_failed = false;
    Error m_error;
};

namespace Errors {
inline Error notFound(const QString& message)
{
    return {QStringLiteral("not_found"), message};
}
inline Error invalid(const QString& message)
{
    return {QStringLiteral("invalid_argument"), message};
}
inline Error storage(const QString& message)
{
    return {QStringLiteral("storage_unavailable"), message};
}
inline Error crypto(const QString& message)
{
    return {QStringLiteral("crypto_error"), message};
}
inline Error key(const QString& message)
{
    return {QStringLiteral("master_key_unavailable"), message};
}
inline Error busy(const QString& message)
{
    return {QStringLiteral("data_dir_locked"), message};
}
} // namespace Errors

} // namespace Alfe
