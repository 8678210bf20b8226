# The secret shown once: clipboard service (a real in-process clipboard on the offscreen platform) and the
# dialog, whose keychain case uses the gnome-keyring that ./dev test starts.
alfe_add_test(tst_secretclipboard SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_secretclipboard.cpp LIBS alfe_ui LABELS ui)
alfe_add_test(tst_secretdialog SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_secretdialog.cpp LIBS alfe_ui LABELS ui)
# The same binary with a session bus that answers nothing: saving fails with a clear message.
alfe_add_test(tst_secretdialog SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_secretdialog.cpp
    ARGS saveWithoutKeychainSaysWhy
    LABELS no_secret_service
    ENV "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/alfe-no-such-bus")
# On X11 (Xvfb): the selection clipboard (middle-click paste) never keeps the secret.
alfe_add_test(tst_secretdialog SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_secretdialog.cpp
    ARGS selectionClipboardDoesNotKeepTheSecret
    LABELS x11
    ENV "QT_QPA_PLATFORM=xcb"
    WRAP xvfb-run -a)
