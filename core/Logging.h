#pragma once

#include <QLoggingCategory>

// One category per subsystem, warnings by default (enable more with QT_LOGGING_RULES="alfe.*=true").
Q_DECLARE_LOGGING_CATEGORY(lcCrypto)
Q_DECLARE_LOGGING_CATEGORY(lcStore)
Q_DECLARE_LOGGING_CATEGORY(lcEngine)
Q_DECLARE_LOGGING_CATEGORY(lcKeychain)
