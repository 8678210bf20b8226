# The main window's webhooks page, its dialogs and the launch sequence.
target_sources(alfe_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/ConsoleStartup.cpp ${CMAKE_CURRENT_LIST_DIR}/ConsoleStartup.h
    ${CMAKE_CURRENT_LIST_DIR}/NewWebhookDialog.cpp ${CMAKE_CURRENT_LIST_DIR}/NewWebhookDialog.h
    ${CMAKE_CURRENT_LIST_DIR}/RotateDialog.cpp ${CMAKE_CURRENT_LIST_DIR}/RotateDialog.h
    ${CMAKE_CURRENT_LIST_DIR}/SendTestDialog.cpp ${CMAKE_CURRENT_LIST_DIR}/SendTestDialog.h
    ${CMAKE_CURRENT_LIST_DIR}/SettingsDialog.cpp ${CMAKE_CURRENT_LIST_DIR}/SettingsDialog.h
    ${CMAKE_CURRENT_LIST_DIR}/WebhookListModel.cpp ${CMAKE_CURRENT_LIST_DIR}/WebhookListModel.h
)
