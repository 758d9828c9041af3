/* The version the headers say against the one the library answers at run
 * time, and shmfb_check_version() around it.  Prints "shmfb VERSION". */
#include <shmfb/shmfb.h>

#include <stdio.h>
#include <string.h>

static int fail(const char *what)
{
    fprintf(stderr, "version_check: %s (headers %s, library %s)\n", what, SHMFB_VERSION_STRING,
            shmfb_version());
    return 1;
}

int main(void)
{
    char expect[32];
    const int maj = SHMFB_VERSION_MAJOR, min = SHMFB_VERSION_MINOR, pat = SHMFB_VERSION_PATCH;

    snprintf(expect, sizeof(expect), "%d.%d.%d", maj, min, pat);
    if (strcmp(expect, SHMFB_VERSION_STRING) != 0)
        return fail("SHMFB_VERSION_STRING is not MAJOR.MINOR.PATCH");
    if (strcmp(shmfb_version(), SHMFB_VERSION_STRING) != 0)
        return fail("the library is not the version of its headers");
    if (!SHMFB_CHECK_VERSION(maj, min, pat) || !shmfb_check_version(maj, min, pat))
        return fail("not at least its own version");
    if (!shmfb_check_version(maj, min, 0) || !shmfb_check_version(0, 0, 0) ||
        (maj > 0 && !shmfb_check_version(maj - 1, 99, 99)))
        return fail("not at least an older version");
    if (shmfb_check_version(maj, min, pat + 1) || shmfb_check_version(maj, min + 1, 0) ||
        shmfb_check_version(maj + 1, 0, 0) || SHMFB_CHECK_VERSION(maj, min + 1, 0))
        return fail("at least a newer version");
    printf("shmfb %s\n", shmfb_version());
    return 0;
}
