shmfb_check_test(core shmfb)
