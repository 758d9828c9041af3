if(TARGET shmfb_png)
  shmfb_check_test(png shmfb_png shmfb)
endif()
