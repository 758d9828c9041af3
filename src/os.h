/* The operating system under the library: every call whose form differs
 * between platforms, behind shmfb__os_ names (as libwayland keeps its own
 * in one file).  src/os_linux.c is the one implementation; a port provides
 * another os_*.c with the same functions and the same promises:
 *
 * - futex-like waits on a 32-bit word in memory shared between processes,
 *   bounded by a relative timeout, and a wake of every sleeper on a word;
 * - a monotonic clock, and the CPU the caller runs on (or -1);
 * - a connected Unix socket's peer credentials as the kernel saw them;
 * - a process handle that becomes readable when the process exits, or a
 *   start time that tells a reused pid from the process it named;
 * - an anonymous shared-memory file that can be sealed against resizing,
 *   and a test that a received one is so sealed;
 * - locks owned by an open file description (gone with its last
 *   descriptor, i.e. with the process), queryable without taking them;
 * - opens that never block on what a peer planted: a FIFO, a device, a
 *   leased file, a link; and reopening another process's descriptor.
 *
 * Every function returns a negative errno on failure unless it says
 * otherwise, retries EINTR, and creates descriptors close-on-exec. */
#ifndef SHMFB_OS_H
#define SHMFB_OS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Clocks: CLOCK_MONOTONIC. */
int64_t shmfb__now_ns(void);
uint64_t shmfb__now_ms(void);

/* Sleeps while *word == expected, at most timeout_ns (relative).  Returns 0
 * when woken, when the value already differed, or on a signal (callers
 * recheck their condition in a loop); -ETIMEDOUT when the time ran out. */
int shmfb__os_futex_wait(_Atomic uint32_t *word, uint32_t expected, int64_t timeout_ns);
/* Wakes every process sleeping on word. */
void shmfb__os_futex_wake(_Atomic uint32_t *word);
/* The CPU this thread runs on now, -1 unknown. */
int32_t shmfb__os_cpu(void);

/* The process and user at the other end of a connected Unix socket; pid is
 * 0 where the peer's process cannot be seen (another pid namespace). */
int shmfb__os_peer_cred(int sock, int32_t *pid, uint32_t *uid);
/* A descriptor that polls readable once process pid has exited, or a
 * negative errno (no such process, or no such handles here). */
int shmfb__os_pidfd_open(int32_t pid);
/* A process's start time (against pid reuse), 0 unknown. */
uint64_t shmfb__os_proc_start(int32_t pid);
/* A process is gone when it does not exist, is a zombie (killed but not yet
 * reaped by its parent), or its pid now belongs to a newer process than the
 * one that started at start_time (0: any). */
bool shmfb__os_proc_alive(int32_t pid, uint64_t start_time);

/* A new anonymous shared-memory file of `size` bytes, sealed against
 * shrinking, growing and further seals. */
int shmfb__os_memfd_sealed(uint64_t size);
/* Whether a received file is sealed against shrinking: only then can it be
 * mapped without a peer being able to make us fault. */
bool shmfb__os_memfd_is_sealed(int fd);

/* Takes the write lock owned by this open file description without
 * waiting: 0 or -errno (-EAGAIN: held elsewhere).  With `test`, takes
 * nothing: 1 if another description holds it, 0 if not. */
int shmfb__os_lock(int fd, bool test);

/* Opens a file by path (flags: O_RDONLY, O_RDWR, O_CREAT) only if it is a
 * regular file that no lease holds, never following a link: the
 * descriptor, or -EMEDIUMTYPE for a file of another kind (FIFO, device,
 * socket, directory, leased file), -ELOOP for a link, or -errno. */
int shmfb__os_open_regular(const char *path, int flags);
/* Reopens descriptor `no` of process pid read-write, the same way. */
int shmfb__os_open_proc_fd(int32_t pid, int no);

#endif /* SHMFB_OS_H */
