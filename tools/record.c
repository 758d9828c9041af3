/* shmfb record: runs shmfb-record (built with the GStreamer plugin), so that
 * this tool does not depend on GStreamer. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* shmfb-record beside this program (installed), else in the build tree,
 * else on PATH. */
static void exec_record(char **argv)
{
    char exe[PATH_MAX], path[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash;

    if (n > 0) {
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(path, sizeof(path), "%s/shmfb-record", exe);
            execv(path, argv);
        }
    }
#ifdef SHMFB_RECORD_BUILD_PATH
    execv(SHMFB_RECORD_BUILD_PATH, argv);
#endif
    execvp("shmfb-record", argv);
}

int cli_record(int argc, char **argv)
{
    char prog[] = "shmfb-record";

    (void)argc;
    argv[0] = prog;
    exec_record(argv);
    return cli_fail("record", errno == ENOENT ? "shmfb-record is not installed (this shmfb "
                                                "was built without GStreamer)"
                                              : strerror(errno));
}
