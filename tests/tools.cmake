# End-to-end tests of the shmfb command-line tool.
if(TARGET shmfb_tool)
  add_executable(tools_helper tools/tools_helper.c)
  target_compile_definitions(tools_helper PRIVATE _GNU_SOURCE)
  target_link_libraries(tools_helper PRIVATE shmfb_scene shmfb_png shmfb shmfb_warnings)

  foreach(case usage errors snap_pattern snap_now demo_snap demo_damage demo_lifetime ls_reap)
    add_test(NAME tools_${case}
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tools/cli_test.sh ${case}
                     $<TARGET_FILE:shmfb_tool> $<TARGET_FILE:tools_helper>
                     ${PROJECT_SOURCE_DIR}/assets/sprite.png)
    set_tests_properties(tools_${case} PROPERTIES TIMEOUT 90)
  endforeach()
endif()
