#pragma once

#include <QString>

namespace Alfe::SchemeLabel {

// A signature scheme's name ("stripe", as stored with each delivery) in words: the header it reads and, for a
// provider's scheme, the name ("Stripe-Signature (stripe)", "X-Alfe-Signature-256"). "—" for none (deliveries
// stored before schemes were recorded); an unknown name as it is.
QString text(const QString& scheme);

} // namespace Alfe::SchemeLabel
