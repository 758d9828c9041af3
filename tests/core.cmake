shmfb_check_test(core shmfb)

add_executable(spawn_child spawn_child.c)
target_link_libraries(spawn_child PRIVATE shmfb shmfb_warnings)
shmfb_check_test(events shmfb)
target_compile_definitions(test_events PRIVATE SPAWN_CHILD="$<TARGET_FILE:spawn_child>")
add_dependencies(test_events spawn_child)
