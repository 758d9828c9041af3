shmfb_check_test(core shmfb)
shmfb_check_test(cursor shmfb)

add_executable(spawn_child spawn_child.c)
target_link_libraries(spawn_child PRIVATE shmfb shmfb_warnings)
shmfb_check_test(events shmfb)
target_compile_definitions(test_events PRIVATE SPAWN_CHILD="$<TARGET_FILE:spawn_child>")
find_package(Threads REQUIRED)
target_link_libraries(test_events PRIVATE Threads::Threads)
add_dependencies(test_events spawn_child)

# The install rules, exported package and .pc files work for an outside project.
if(SHMFB_BUILD_PNG AND NOT SHMFB_SANITIZE)
  add_test(NAME install_package
           COMMAND ${CMAKE_COMMAND} -DBUILD=${PROJECT_BINARY_DIR}
                   -DSRC=${CMAKE_CURRENT_SOURCE_DIR}/install
                   -DWORK=${CMAKE_CURRENT_BINARY_DIR}/install-check -P
                   ${CMAKE_CURRENT_SOURCE_DIR}/install/check.cmake)
  set_tests_properties(install_package PROPERTIES TIMEOUT 300)
endif()
