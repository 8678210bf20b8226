# The secret shown once: the clipboard service for secrets and the dialog after create and rotate.
target_sources(alfe_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/SecretClipboard.cpp ${CMAKE_CURRENT_LIST_DIR}/SecretClipboard.h
    ${CMAKE_CURRENT_LIST_DIR}/SecretDialog.cpp ${CMAKE_CURRENT_LIST_DIR}/SecretDialog.h
)
