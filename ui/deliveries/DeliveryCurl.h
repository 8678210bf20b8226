#pragma once

#include "domain/Delivery.h"

#include <QString>

namespace Alfe::DeliveryCurl {

// A curl command line that sends `delivery` again as it was received: POST to `url` with the original
// headers (the signature header as received; Host, Content-Length and hop-by-hop headers left to curl)
// and the exact body through --data-binary. A body that is not text goes through base64 -d so that
// the bytes survive the shell.
QString command(const Delivery& delivery, const QString& url);
// The text as one shell word: 'it'\''s'.
QString shellQuote(const QString& text);

} // namespace Alfe::DeliveryCurl
