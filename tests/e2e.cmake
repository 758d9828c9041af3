# End-to-end tests: the real shmfb-view under an Xvfb server that each test
# starts for itself, screenshots taken from the X server and compared with the
# golden PNGs in assets/golden/.  Regenerate those with
#   SHMFB_UPDATE_GOLDEN=1 ctest -R e2e_
# and look at them before committing.
if(NOT TARGET shmfb-view OR NOT TARGET shmfb_png)
  shmfb_tests_unavailable("e2e tests skipped: they need shmfb-view and shmfb_png")
  return()
endif()

function(shmfb_e2e_tool name)
  add_executable(e2e-${name} e2e/e2e_${name}.c)
  target_compile_definitions(e2e-${name} PRIVATE _GNU_SOURCE)
  target_link_libraries(e2e-${name} PRIVATE shmfb::shmfb shmfb_png shmfb_warnings ${ARGN})
endfunction()
shmfb_e2e_tool(producer)
shmfb_e2e_tool(compare)
shmfb_e2e_tool(garbage rt)
shmfb_e2e_tool(mksprite)

# The viewer's input translation as pure functions, without a window.
find_package(SDL2 REQUIRED)
add_executable(test_viewer_input e2e/test_viewer_input.c ${PROJECT_SOURCE_DIR}/viewer/input.c)
target_compile_definitions(test_viewer_input PRIVATE _GNU_SOURCE)
target_include_directories(test_viewer_input PRIVATE ${PROJECT_SOURCE_DIR}/viewer
                                                     ${SDL2_INCLUDE_DIRS})
if(TARGET SDL2::SDL2)
  target_link_libraries(test_viewer_input PRIVATE SDL2::SDL2)
else()
  target_link_libraries(test_viewer_input PRIVATE ${SDL2_LIBRARIES})
endif()
target_link_libraries(test_viewer_input PRIVATE shmfb::shmfb PkgConfig::CHECK shmfb_warnings)
add_test(NAME viewer_input COMMAND test_viewer_input)
set_tests_properties(viewer_input PROPERTIES TIMEOUT 60 ENVIRONMENT "CK_DEFAULT_TIMEOUT=30")

# Sends WM_DELETE_WINDOW, as a window manager's close button does.
pkg_check_modules(X11 IMPORTED_TARGET x11)
if(X11_FOUND)
  add_executable(e2e-wmclose e2e/e2e_wmclose.c)
  target_link_libraries(e2e-wmclose PRIVATE PkgConfig::X11 shmfb_warnings)
endif()

find_program(SHMFB_XVFB Xvfb)
find_program(SHMFB_XWD xwd)
find_program(SHMFB_XDOTOOL xdotool)
find_program(SHMFB_CONVERT convert)
find_program(SHMFB_VALGRIND valgrind)
if(NOT SHMFB_XVFB OR NOT SHMFB_XWD OR NOT SHMFB_XDOTOOL OR NOT SHMFB_CONVERT)
  shmfb_tests_unavailable("e2e tests skipped: need Xvfb, xwd, xdotool and ImageMagick (tools/deps.sh)")
  return()
endif()

set(SHMFB_E2E_CASES shown argb scale2 letterbox resize producer_killed stuck hidden snapshot
                    no_frame cli missing_name not_shmfb no_display)
if(SHMFB_VALGRIND AND NOT SHMFB_SANITIZE)
  list(APPEND SHMFB_E2E_CASES valgrind)
endif()

# Input, spawned producers and close requests, played against toy-vm.
set(SHMFB_E2E_EXTRA)
if(TARGET toy-vm AND TARGET e2e-wmclose AND TARGET shmfb_tool)
  list(APPEND SHMFB_E2E_CASES input input_scale2 spawned resize_request close)
  set(SHMFB_E2E_EXTRA $<TARGET_FILE:toy-vm> $<TARGET_FILE:e2e-wmclose>
                      $<TARGET_FILE:shmfb_tool>)
else()
  shmfb_tests_unavailable("e2e input cases skipped: they need toy-vm, libX11 and the shmfb tool")
endif()

foreach(case IN LISTS SHMFB_E2E_CASES)
  add_test(NAME e2e_${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/run.sh ${case}
                   $<TARGET_FILE:shmfb-view> $<TARGET_FILE:e2e-producer>
                   $<TARGET_FILE:e2e-compare> $<TARGET_FILE:e2e-garbage>
                   ${PROJECT_SOURCE_DIR}/assets/golden ${CMAKE_CURRENT_BINARY_DIR}/e2e-out
                   ${SHMFB_E2E_EXTRA})
  set_tests_properties(e2e_${case} PROPERTIES TIMEOUT 60 LABELS e2e)
endforeach()
