#pragma once

#include <QByteArray>

namespace Alfe::Random {

// n bytes from OpenSSL's CSPRNG (RAND_bytes). A failing CSPRNG is fatal: nothing we make from it
// would be safe to hand out.
QByteArray bytes(int n);

} // namespace Alfe::Random
