#pragma once

namespace Alfe {

// The value of one hex digit (either case), or -1. Strict, unlike QByteArray::fromHex(), which skips
// what it does not understand.
constexpr int hexDigitValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace Alfe
