#pragma once

#include <QLoggingCategory>

// One category per part of core, warnings by default (enable more with QT_LOGGING_RULES="alfe.*=true", or
// one part: QT_LOGGING_RULES="alfe.ingress.debug=true").
Q_DECLARE_LOGGING_CATEGORY(lcCrypto)
Q_DECLARE_LOGGING_CATEGORY(lcKeychain)
Q_DECLARE_LOGGING_CATEGORY(lcStore)
Q_DECLARE_LOGGING_CATEGORY(lcIngress)
Q_DECLARE_LOGGING_CATEGORY(lcDelivery)
Q_DECLARE_LOGGING_CATEGORY(lcApi)
Q_DECLARE_LOGGING_CATEGORY(lcEngine)
