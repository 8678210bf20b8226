# The main window: create, rotate, enable/disable, delete by clicking and typing; the key-file offer.
alfe_add_test(tst_mainwindow SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_mainwindow.cpp LIBS alfe_ui
    ARGS createWebhookByClickingAndTyping rotateThroughTheUi disableAndDeleteAreConfirmedActions
         settingsAreValidatedAndSaved failedDeliveryIsAnnounced
    LABELS ui)
alfe_add_test(tst_mainwindow SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_mainwindow.cpp LIBS alfe_ui
    ARGS noKeychainOffersAKeyFile noKeychainAndNoKeyFileExplains
    LABELS no_keychain
    ENV "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/alfe-no-such-bus")
