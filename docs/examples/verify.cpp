// Verify Alfe webhook signatures (X-Alfe-Signature-256). C++17 + OpenSSL 3 (libcrypto) only.
//
// Copy signAlfe() / verifyAlfeSignature() into your receiver. The main() below is a small CLI:
//
//   g++ -std=c++17 -Wall -Wextra docs/examples/verify.cpp -lcrypto -o verify
//   ./verify SECRET BODY_FILE HEADER    prints "valid" (exit 0) or "invalid" (exit 1)
//   ./verify --sign SECRET BODY_FILE    prints "sha256=<hex>"
//
// docs/examples/verify-cpp-vectors.sh runs it over docs/signature-test-vectors.json.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace {

using Mac = std::array<unsigned char, 32>;

// HMAC-SHA256 over the exact body bytes; key = the bytes of the whole secret string ("whsec_...").
std::optional<Mac> hmacSha256(std::string_view secret, std::string_view body)
{
    Mac mac{};
    size_t len = 0;
    // On OpenSSL 1.1 use HMAC(EVP_sha256(), ...) instead; the result is the same.
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                   reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac.data(), mac.size(), &len) ||
        len != mac.size())
        return std::nullopt;
    return mac;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

// The header value for `body`: "sha256=" + 64 lower-case hex digits ("" if OpenSSL fails).
std::string signAlfe(std::string_view secret, std::string_view body)
{
    const auto mac = hmacSha256(secret, body);
    if (!mac)
        return {};
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "sha256=";
    for (unsigned char b : *mac) {
        out += digits[b >> 4];
        out += digits[b & 0x0f];
    }
    return out;
}

// secret: the whole "whsec_..." string. body: the raw request bytes exactly as received.
// header: the X-Alfe-Signature-256 value ("" if missing). Hex may be either case.
bool verifyAlfeSignature(std::string_view secret, std::string_view body, std::string_view header)
{
    constexpr std::string_view prefix = "sha256=";
    if (header.size() != prefix.size() + 64 || header.substr(0, prefix.size()) != prefix)
        return false;
    Mac given{};
    for (size_t i = 0; i < given.size(); ++i) {
        const int hi = hexValue(header[prefix.size() + 2 * i]);
        const int lo = hexValue(header[prefix.size() + 2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        given[i] = static_cast<unsigned char>(hi << 4 | lo);
    }
    const auto expected = hmacSha256(secret, body);
    return expected && CRYPTO_memcmp(expected->data(), given.data(), given.size()) == 0;
}

static std::optional<std::string> readFile(const char* path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        return std::nullopt;
    return data;
}

int main(int argc, char** argv)
{
    const bool sign = argc == 4 && std::string_view(argv[1]) == "--sign";
    if (argc != 4) {
        std::fprintf(stderr,
                     "usage: %s SECRET BODY_FILE HEADER\n"
                     "       %s --sign SECRET BODY_FILE\n",
                     argv[0], argv[0]);
        return 2;
    }
    const char* secret = sign ? argv[2] : argv[1];
    const char* bodyPath = sign ? argv[3] : argv[2];
    const auto body = readFile(bodyPath);
    if (!body) {
        std::fprintf(stderr, "%s: cannot read %s\n", argv[0], bodyPath);
        return 2;
    }
    if (sign) {
        const std::string header = signAlfe(secret, *body);
        if (header.empty())
            return 2;
        std::printf("%s\n", header.c_str());
        return 0;
    }
    const bool ok = verifyAlfeSignature(secret, *body, argv[3]);
    std::printf("%s\n", ok ? "valid" : "invalid");
    return ok ? 0 : 1;
}
