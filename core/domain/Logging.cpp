#include "domain/Logging.h"

Q_LOGGING_CATEGORY(lcCrypto, "alfe.crypto", QtWarningMsg)
Q_LOGGING_CATEGORY(lcKeychain, "alfe.keychain", QtWarningMsg)
Q_LOGGING_CATEGORY(lcStore, "alfe.store", QtWarningMsg)
Q_LOGGING_CATEGORY(lcIngress, "alfe.ingress", QtWarningMsg)
Q_LOGGING_CATEGORY(lcDelivery, "alfe.delivery", QtWarningMsg)
Q_LOGGING_CATEGORY(lcApi, "alfe.api", QtWarningMsg)
Q_LOGGING_CATEGORY(lcEngine, "alfe.engine", QtWarningMsg)
