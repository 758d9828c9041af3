/* The library's version at run time, against the one a program was
 * built with (shmfb_version, shmfb_check_version). */
#include <shmfb/shmfb.h>

const char *shmfb_version(void)
{
    return SHMFB_VERSION_STRING;
}

bool shmfb_check_version(int major, int minor, int patch)
{
    return SHMFB_CHECK_VERSION(major, minor, patch);
}
