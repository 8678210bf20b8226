#include "Logging.h"

Q_LOGGING_CATEGORY(lcCrypto, "alfe.crypto", QtWarningMsg)
Q_LOGGING_CATEGORY(lcStore, "alfe.store", QtWarningMsg)
Q_LOGGING_CATEGORY(lcEngine, "alfe.engine", QtWarningMsg)
Q_LOGGING_CATEGORY(lcKeychain, "alfe.keychain", QtWarningMsg)
