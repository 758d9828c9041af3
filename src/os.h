/* The operating system under the library: every call whose form differs
 * between platforms, behind shmfb__os_ names (as libwayland keeps its own
 * in one file).  src/os_linux.c is the one implementation; a port provides
 * another os_*.c with the same functions and the same promises:
 *
 * - futex-like waits on a 32-bit word in memory shared between processes,
 *   bounded by a relative timeout, and a wake of every sleeper on a word;
 * - a monotonic clock, the CPU the caller runs on (or -1), and random
 *   bytes that never wait for entropy;
 * - a connected Unix socket's peer credentials as the kernel saw them,
 *   and a receive that returns the descriptors and credentials a message
 *   carries (every descriptor it carries, so that none is left behind);
 * - a process handle that becomes readable when the process exits, or a
 *   start time that tells a reused pid from the process it named; and a
 *   spawned child that ends with its parent;
 * - an anonymous shared-memory file that can be sealed against resizing,
 *   and a test that a received one is so sealed;
 * - locks owned by an open file description (gone with its last
 *   descriptor, i.e. with the process), queryable without taking them;
 * - opens that never block on what a peer planted: a FIFO, a device, a
 *   leased file, a link; reopening another process's descriptor; and a
 *   short path to a file in a directory whose own path is too long.
 *
 * Every function returns a negative errno on failure unless it says
 * otherwise, retries EINTR, and creates descriptors close-on-exec. */
#ifndef SHMFB_OS_H
#define SHMFB_OS_H

#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* The poll event of a peer that shut its side of a connection down; where
 * poll has none, the hang-up shows as POLLHUP or as the end of the stream. */
#ifdef POLLRDHUP
#define SHMFB__OS_POLLRDHUP POLLRDHUP
#else
#define SHMFB__OS_POLLRDHUP 0
#endif

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

/* Fills buf with n random bytes without waiting for entropy: 0, or -errno
 * (none yet, early in boot). */
int shmfb__os_random(void *buf, unsigned long n);

/* The process and user at the other end of a connected Unix socket; pid is
 * 0 where the peer's process cannot be seen (another pid namespace). */
int shmfb__os_peer_cred(int sock, int32_t *pid, uint32_t *uid);
/* Asks the kernel to attach the sender's credentials to every message
 * this socket receives. */
int shmfb__os_pass_cred(int sock);

/* The most descriptors one received message can carry. */
#define SHMFB__OS_MAX_FDS 253

/* What one received message carried besides its bytes. */
struct shmfb__os_msg {
    int fds[SHMFB__OS_MAX_FDS]; /* close-on-exec, now the caller's */
    int nfds;
    bool have_cred; /* the sender's credentials, vouched for by the kernel */
    int32_t pid;    /* 0 when not visible */
    uint32_t uid;
};
/* Receives one message without waiting: the bytes read (0 at the end of
 * the stream), -EAGAIN when nothing is there, or another -errno; m tells
 * what came with it (nothing on an error). */
long shmfb__os_recv(int sock, void *buf, unsigned long len, struct shmfb__os_msg *m);
/* Whether fd is a Unix-domain socket (its queue may hold descriptors). */
bool shmfb__os_is_unix_socket(int fd);

/* Asks for this process to be sent SIGTERM when its parent exits (a child
 * between fork and exec); the caller checks getppid() afterwards. */
void shmfb__os_die_with_parent(void);

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
/* Writes to out (size bytes) a short path that reaches `leaf` in directory
 * `dir` through a descriptor of the directory, for paths too long to bind
 * or connect to: that descriptor (to close once the path is used), or
 * -ENAMETOOLONG, or -errno. */
int shmfb__os_path_via_dir(const char *dir, const char *leaf, char *out, unsigned long size);

#endif /* SHMFB_OS_H */
