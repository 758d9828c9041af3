#include "testutil.h"

#include <shmfb/shmfb.h>

#include <check.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int counter;
static int fds_at_setup;

static void prefix(char *buf, size_t size)
{
    snprintf(buf, size, "/shmfbt-%d-", (int)getpid());
}

void tu_name(char *buf, size_t size, const char *tag)
{
    char p[64];
    prefix(p, sizeof(p));
    snprintf(buf, size, "%s%d-%s", p, ++counter, tag);
}

/* Anything of this process's in /dev/shm: framebuffers never go there. */
static int shm_scan(void)
{
    char p[64];
    prefix(p, sizeof(p));
    DIR *d = opendir("/dev/shm");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strncmp(e->d_name, p + 1, strlen(p) - 1) == 0;
    closedir(d);
    return n;
}

static int count_ours(void *ctx, const char *name, bool alive)
{
    (void)alive;
    char p[64];
    prefix(p, sizeof(p));
    *(int *)ctx += strncmp(name, p, strlen(p)) == 0;
    return 0;
}

int tu_live_names(void)
{
    int n = 0;
    int rc = shmfb_list(count_ours, &n, 0);
    ck_assert_msg(rc >= 0, "shmfb_list: %s", shmfb_strerror(rc));
    return n;
}

void tu_sweep_stale(void)
{
    /* Names of test processes that died (a failed check exits before its
     * teardown) are not listed; their files go. */
    shmfb_list(count_ours, &(int){0}, SHMFB_LIST_REAP);
}

int tu_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n - 3; /* ".", ".." and the directory's own fd */
}

void tu_setup(void)
{
    fds_at_setup = tu_open_fds();
}

void tu_teardown(void)
{
    ck_assert_msg(shm_scan() == 0, "something was created in /dev/shm");
    ck_assert_msg(tu_live_names() == 0, "a framebuffer of this test is still listed");
    ck_assert_int_eq(tu_open_fds(), fds_at_setup);
}

int tu_wait_child(pid_t pid, int timeout_ms)
{
    int64_t end = tu_now_ms() + timeout_ms;
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0 && errno != EINTR)
            return -1;
        if (tu_now_ms() >= end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        usleep(2000);
    }
}

int64_t tu_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *tu_tmpdir(void)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/shmfbt-%d", (int)getpid());
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
            return NULL;
    }
    return dir;
}
