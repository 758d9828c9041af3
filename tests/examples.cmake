# Examples: the VM display adapter's check suite, and toy-vm driven like a
# viewer would, its frames compared with golden PNGs in examples/tests/golden/.
# Regenerate those with  SHMFB_UPDATE_GOLDEN=1 ctest -R vmdisplay_toyvm
# and look at them before committing.
if(NOT TARGET shmfb_vmdisplay)
  return()
endif()

shmfb_check_test(vmdisplay shmfb_vmdisplay shmfb)

# toy-vm, once by name and once spawned, played against by a pretend viewer.
add_executable(toyvm-drive ${PROJECT_SOURCE_DIR}/examples/tests/toyvm_drive.c)
target_compile_definitions(toyvm-drive PRIVATE _GNU_SOURCE)
target_link_libraries(toyvm-drive PRIVATE shmfb shmfb_warnings)
if(TARGET shmfb_png)
  target_compile_definitions(toyvm-drive PRIVATE HAVE_SHMFB_PNG)
  target_link_libraries(toyvm-drive PRIVATE shmfb_png)
else()
  shmfb_tests_unavailable("vmdisplay_toyvm tests: golden images not compared (needs shmfb_png)")
endif()
foreach(mode named spawned)
  add_test(NAME vmdisplay_toyvm_${mode}
           COMMAND toyvm-drive $<TARGET_FILE:toy-vm> ${mode}
                   ${PROJECT_SOURCE_DIR}/examples/tests/golden
                   ${CMAKE_CURRENT_BINARY_DIR}/toyvm-out)
  set_tests_properties(vmdisplay_toyvm_${mode} PROPERTIES TIMEOUT 120)
endforeach()
