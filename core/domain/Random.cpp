#include "domain/Random.h"

#include <openssl/rand.h>

namespace Alfe::Random {

QByteArray bytes(int n)
{
    QByteArray out(n, Qt::Uninitialized);
    if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), n) != 1)
        qFatal("OpenSSL RAND_bytes failed: no secure random numbers available");
    return out;
}

} // namespace Alfe::Random
