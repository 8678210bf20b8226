# The deliveries view benchmark for ./dev bench: generates a 1,000,000-row log and prints time to the first
# rows, time to apply the Failed filter and other filters, and RSS, beside a plain-QSqlQuery baseline.
# Not a test: include this file where the benchmarks are built (it needs alfe_ui).
if(TARGET deliveries_view_bench)
    return()
endif()
qt_add_executable(deliveries_view_bench
    ${CMAKE_CURRENT_LIST_DIR}/deliveries_view_bench.cpp
    ${CMAKE_CURRENT_LIST_DIR}/deliveries_view_log.cpp ${CMAKE_CURRENT_LIST_DIR}/deliveries_view_log.h
)
target_link_libraries(deliveries_view_bench PRIVATE alfe_ui)
