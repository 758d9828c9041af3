/* Helpers shared by the check suites. */
#ifndef SHMFB_TESTUTIL_H
#define SHMFB_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes a framebuffer name unique to this process: "/shmfbt-PID-N-tag". */
void tu_name(char *buf, size_t size, const char *tag);

/* Live framebuffers whose names tu_name() made in this process. */
int tu_live_names(void);

/* Removes the files of framebuffers whose producers are gone (a failed
 * check test exits before its teardown).  Call at the start of a suite. */
void tu_sweep_stale(void);

/* Number of open file descriptors of this process. */
int tu_open_fds(void);

/* Check fixture: records fds on setup; on teardown asserts that no fd
 * leaked, no framebuffer of this process is still listed, and nothing was
 * created in /dev/shm. */
void tu_setup(void);
void tu_teardown(void);

/* Waits up to timeout_ms for a child; returns its exit code, 128+signal if
 * killed, or -1 on timeout (the child is then killed and reaped). */
int tu_wait_child(pid_t pid, int timeout_ms);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t tu_now_ms(void);

/* A temporary directory unique to this process, created on first use. */
const char *tu_tmpdir(void);

#endif
