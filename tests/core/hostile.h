/* White-box helpers for tests that play a hostile peer.  They know the
 * shared layout (src/wire.h) and how names are laid out in the runtime
 * directory, which the suites set with SHMFB_RUNTIME_DIR to one of their
 * own. */
#ifndef SHMFB_TEST_HOSTILE_H
#define SHMFB_TEST_HOSTILE_H

#include "../../src/wire.h"
#include "testutil.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Points the library at a runtime directory of this test process. */
static inline void hostile_runtime_dir(void)
{
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/run", tu_tmpdir());
    mkdir(dir, 0700);
    setenv(SHMFB_RUNTIME_DIR_ENV, dir, 1);
}

static inline void hostile_path(char *buf, size_t size, const char *name, const char *ext)
{
    snprintf(buf, size, "%s/%s.%s", getenv(SHMFB_RUNTIME_DIR_ENV), name + (name[0] == '/'), ext);
}

/* The shared header as a consumer maps it: the page, before the pixels,
 * whose magic and buffer offset say it starts the mapping. */
static inline struct wire_header *hostile_header(struct shmfb_consumer *c)
{
    char *pixels = (char *)(uintptr_t)shmfb_consumer_pixels(c);
    for (uint64_t back = 4096; back <= (1u << 20); back += 4096) {
        struct wire_header *h = (struct wire_header *)(pixels - back);
        if (atomic_load(&h->magic) == WIRE_MAGIC && h->buffer_offset == back)
            return h;
    }
    ck_abort_msg("no header found before the pixels");
    return NULL;
}

/* A producer impostor in this process: the name's lock file, locked, says
 * the framebuffer is descriptor `fd` of this process with `nonce`, and a
 * socket listens there.  Consumers open `fd` through /proc. */
struct fake_producer {
    int lock, sock;
    char lock_path[108], sock_path[108];
};

static inline void fake_start(struct fake_producer *f, const char *name, int fd, uint64_t nonce)
{
    hostile_path(f->lock_path, sizeof(f->lock_path), name, "lock");
    hostile_path(f->sock_path, sizeof(f->sock_path), name, "sock");
    f->lock = open(f->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ck_assert_int_ge(f->lock, 0);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    ck_assert_int_eq(fcntl(f->lock, F_OFD_SETLK, &fl), 0);
    dprintf(f->lock, "/%s\n%d %016llx\n", name + (name[0] == '/'), fd, (unsigned long long)nonce);
    f->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", f->sock_path);
    ck_assert_int_eq(bind(f->sock, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(f->sock, 8), 0);
}

static inline void fake_stop(struct fake_producer *f)
{
    unlink(f->sock_path);
    unlink(f->lock_path);
    close(f->sock);
    close(f->lock);
}

/* A sealed memfd holding `n` bytes of `head`, sized `size`. */
static inline int sealed_memfd(const void *head, size_t n, size_t size)
{
    int fd = memfd_create("hostile", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
    if (n)
        ck_assert_int_eq(pwrite(fd, head, n, 0), (ssize_t)n);
    ck_assert_int_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
    return fd;
}

/* This process's descriptor of a producer's memfd, from its lock file. */
static inline int producer_memfd(const char *name)
{
    char path[108], text[300];
    hostile_path(path, sizeof(path), name, "lock");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    ck_assert_int_gt(n, 0);
    text[n] = '\0';
    int no = -1;
    ck_assert_int_eq(sscanf(strchr(text, '\n') + 1, "%d", &no), 1);
    return no;
}

#endif
