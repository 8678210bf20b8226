# The deliveries view and the refused-request view (offscreen, temporary data dirs).
# A 1,000,000-row log, written straight into SQLite by the benchmark's generator: lazy paging and filters.
alfe_add_test(tst_deliveries_large
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_deliveries_large.cpp
            ${PROJECT_SOURCE_DIR}/bench/deliveries_view_log.cpp ${PROJECT_SOURCE_DIR}/bench/deliveries_view_log.h
    LIBS alfe_ui LABELS ui)
target_include_directories(tst_deliveries_large PRIVATE ${PROJECT_SOURCE_DIR}/bench)
# Live arrivals, Retry and Copy as cURL against the real ingress, scheduler and a scripted receiver.
alfe_add_test(tst_deliveries_actions SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_deliveries_actions.cpp
    LIBS alfe_ui alfe_deliveryfixture LABELS ui)
target_include_directories(tst_deliveries_actions PRIVATE ${PROJECT_SOURCE_DIR}/tests/delivery)
# Details pane, Retry all failed (progress, cancel), Export JSON, empty states, refused requests;
# screenshots when ALFE_SCREENSHOT_DIR is set.
alfe_add_test(tst_deliveries_widgets
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_deliveries_widgets.cpp
            ${PROJECT_SOURCE_DIR}/bench/deliveries_view_log.cpp ${PROJECT_SOURCE_DIR}/bench/deliveries_view_log.h
    LIBS alfe_ui LABELS ui)
target_include_directories(tst_deliveries_widgets PRIVATE ${PROJECT_SOURCE_DIR}/bench)
