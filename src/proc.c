/* Processes (alive, start time against pid reuse) and clocks. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Reads /proc/PID/stat.  The command name may contain spaces and ')', so
 * fields are counted from the last ')'.  Returns 0 and the state letter and
 * start time (field 22, clock ticks since boot), or -1. */
static int proc_stat(int32_t pid, char *state, uint64_t *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n;
    do {
        n = read(fd, buf, sizeof(buf) - 1);
    } while (n < 0 && errno == EINTR);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long long st = 0;
    if (!p || sscanf(p + 1,
                     " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
                     "%*s %*s %*s %llu",
                     state, &st) != 2)
        return -1;
    *start = st;
    return 0;
}

uint64_t shmfb__proc_start_time(int32_t pid)
{
    char state;
    uint64_t start;
    return proc_stat(pid, &state, &start) == 0 ? start : 0;
}

/* A process is gone when it does not exist, is a zombie (killed but not yet
 * reaped by its parent), or its pid now belongs to a newer process. */
bool shmfb__proc_alive(int32_t pid, uint64_t start_time)
{
    if (pid <= 0)
        return false;
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return false;
    char state;
    uint64_t start;
    if (proc_stat(pid, &state, &start) < 0)
        return true; /* exists, but /proc is not telling: assume alive */
    if (state == 'Z' || state == 'X')
        return false;
    return start_time == 0 || start == start_time;
}

int64_t shmfb__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t shmfb__now_ms(void)
{
    return (uint64_t)(shmfb__now_ns() / 1000000);
}
