# The delivery log browser and the refused-request view (included by ui/CMakeLists.txt).
target_sources(alfe_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/DeliveriesView.cpp ${CMAKE_CURRENT_LIST_DIR}/DeliveriesView.h
    ${CMAKE_CURRENT_LIST_DIR}/DeliveryCurl.cpp ${CMAKE_CURRENT_LIST_DIR}/DeliveryCurl.h
    ${CMAKE_CURRENT_LIST_DIR}/DeliveryDetailsPane.cpp ${CMAKE_CURRENT_LIST_DIR}/DeliveryDetailsPane.h
    ${CMAKE_CURRENT_LIST_DIR}/DeliveryFilterBar.cpp ${CMAKE_CURRENT_LIST_DIR}/DeliveryFilterBar.h
    ${CMAKE_CURRENT_LIST_DIR}/DeliveryListModel.cpp ${CMAKE_CURRENT_LIST_DIR}/DeliveryListModel.h
    ${CMAKE_CURRENT_LIST_DIR}/DeliveryPayloadText.cpp ${CMAKE_CURRENT_LIST_DIR}/DeliveryPayloadText.h
    ${CMAKE_CURRENT_LIST_DIR}/DeliveryQuery.cpp ${CMAKE_CURRENT_LIST_DIR}/DeliveryQuery.h
    ${CMAKE_CURRENT_LIST_DIR}/DeliveryRow.h
    ${CMAKE_CURRENT_LIST_DIR}/DeliverySearchEdit.cpp ${CMAKE_CURRENT_LIST_DIR}/DeliverySearchEdit.h
    ${CMAKE_CURRENT_LIST_DIR}/DeliveryStatusStyle.cpp ${CMAKE_CURRENT_LIST_DIR}/DeliveryStatusStyle.h
    ${CMAKE_CURRENT_LIST_DIR}/DeliveryViewFilter.h
    ${CMAKE_CURRENT_LIST_DIR}/JsonHighlighter.cpp ${CMAKE_CURRENT_LIST_DIR}/JsonHighlighter.h
    ${CMAKE_CURRENT_LIST_DIR}/RefusedRequestsModel.cpp ${CMAKE_CURRENT_LIST_DIR}/RefusedRequestsModel.h
    ${CMAKE_CURRENT_LIST_DIR}/RefusedRequestsView.cpp ${CMAKE_CURRENT_LIST_DIR}/RefusedRequestsView.h
)
