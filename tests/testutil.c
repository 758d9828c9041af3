#include "testutil.h"

#include <check.h>
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
    snprintf(buf, size, "shmfbt-%d-", (int)getpid());
}

void tu_name(char *buf, size_t size, const char *tag)
{
    char p[64];
    prefix(p, sizeof(p));
    snprintf(buf, size, "/%s%d-%s", p, ++counter, tag);
}

static int shm_scan(int remove)
{
    char p[64];
    prefix(p, sizeof(p));
    DIR *d = opendir("/dev/shm");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, p, strlen(p)) != 0)
            continue;
        n++;
        if (remove) {
            char name[300];
            snprintf(name, sizeof(name), "/%s", e->d_name);
            shm_unlink(name);
        }
    }
    closedir(d);
    return n;
}

int tu_shm_leftovers(void)
{
    return shm_scan(0);
}

void tu_shm_cleanup(void)
{
    shm_scan(1);
}

void tu_sweep_stale(void)
{
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int pid;
        if (sscanf(e->d_name, "shmfbt-%d-", &pid) != 1 || pid <= 0)
            continue;
        if (kill(pid, 0) < 0 && errno == ESRCH) {
            char name[300];
            snprintf(name, sizeof(name), "/%s", e->d_name);
            shm_unlink(name);
        }
    }
    if (d)
        closedir(d);
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
    int left = tu_shm_leftovers();
    tu_shm_cleanup();
    ck_assert_msg(left == 0, "%d /dev/shm objects left behind", left);
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
