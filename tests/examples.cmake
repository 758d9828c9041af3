# Examples: the VM display adapter's check suite, and toy-vm driven like a
# viewer would, its frames compared with golden PNGs in examples/tests/golden/.
# Regenerate those with  SHMFB_UPDATE_GOLDEN=1 ctest -R vmdisplay_toyvm
# and look at them before committing.
if(NOT TARGET shmfb_vmdisplay)
  return()
endif()

shmfb_check_test(vmdisplay shmfb_vmdisplay shmfb)
