/* Names.  A framebuffer's name is a Unix socket the producer listens on, in
 * a runtime directory only its user can write:
 *
 *   $SHMFB_RUNTIME_DIR               if set (an existing directory, e.g. one
 *                                    shared by two users; credentials decide)
 *   $XDG_RUNTIME_DIR/shmfb           otherwise, created 0700
 *   /run/shmfb (root), /tmp/shmfb-UID   when XDG_RUNTIME_DIR is unset
 *
 * Next to KEY.sock lies KEY.lock, which holds the canonical name, the
 * number of the producer's memfd and the region's nonce, and which the
 * producer keeps locked (an open-file-description lock) while it lives.
 * A consumer connects (so the kernel tells it the producer's pid and user),
 * then reopens the memfd through /proc/PID/fd/N without waiting for the
 * producer: a producer busy elsewhere, or in the consumer's own thread,
 * cannot hold it up.
 * The kernel drops that lock when the producer dies, however it dies, so a
 * name is never blocked by a dead producer: the next creator, holding the
 * lock, removes what was left.  KEY is the name itself, or a hash of it when
 * the path would not fit a socket address. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SOCK_PATH_MAX ((int)sizeof(((struct sockaddr_un *)0)->sun_path))
#define LOCK_TRIES    10

struct paths {
    char dir[SOCK_PATH_MAX];
    char sock[SOCK_PATH_MAX];
    char lock[SOCK_PATH_MAX];
};

/* A directory we create ourselves must be ours alone. */
static int dir_private(const char *path)
{
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return -errno;
    struct stat st;
    if (lstat(path, &st) < 0)
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    if (st.st_uid != geteuid() || (st.st_mode & 077))
        return -EACCES;
    return 0;
}

static int runtime_dir(char *buf, size_t size)
{
    const char *env = secure_getenv("SHMFB_RUNTIME_DIR");
    const char *xdg = secure_getenv("XDG_RUNTIME_DIR");
    int n;
    if (env && *env) {
        struct stat st;
        if (env[0] != '/')
            return -EINVAL;
        if (lstat(env, &st) < 0)
            return -errno;
        if (!S_ISDIR(st.st_mode))
            return -ENOTDIR;
        n = snprintf(buf, size, "%s", env);
        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
    }
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, size, "%s/shmfb", xdg);
    else if (geteuid() == 0)
        n = snprintf(buf, size, "/run/shmfb");
    else
        n = snprintf(buf, size, "/tmp/shmfb-%u", (unsigned)geteuid());
    if (n < 0 || (size_t)n >= size)
        return -ENAMETOOLONG;
    return dir_private(buf);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * UINT64_C(1099511628211);
    return h;
}

static int paths_for(const char *canon, struct paths *p)
{
    int rc = runtime_dir(p->dir, sizeof(p->dir));
    if (rc < 0)
        return rc;
    char key[24];
    const char *k = canon + 1;
    /* "dir/" + key + ".sock" must fit a socket address with its NUL. */
    if (strlen(p->dir) + 1 + strlen(k) + 5 >= (size_t)SOCK_PATH_MAX) {
        snprintf(key, sizeof(key), "#%016llx", (unsigned long long)fnv1a(canon));
        k = key;
    }
    int a = snprintf(p->sock, sizeof(p->sock), "%s/%s.sock", p->dir, k);
    int b = snprintf(p->lock, sizeof(p->lock), "%s/%s.lock", p->dir, k);
    if (a < 0 || b < 0 || a >= SOCK_PATH_MAX || b >= SOCK_PATH_MAX)
        return -ENAMETOOLONG;
    return 0;
}

/* Open-file-description locks: released when the last descriptor of the
 * opening goes, i.e. when the producer dies; queryable without taking. */
static int lock_file(int fd, short type, bool test)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET};
    if (fcntl(fd, test ? F_OFD_GETLK : F_OFD_SETLK, &fl) < 0)
        return -errno;
    return test ? fl.l_type != F_UNLCK : 0;
}

/* Opens and write-locks `path`, making sure the file locked is still the one
 * at that path (a reaper or an exiting producer may unlink it meanwhile). */
static int lock_take(const char *path)
{
    for (int tries = 0; tries < LOCK_TRIES; tries++) {
        int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return -errno;
        int rc = lock_file(fd, F_WRLCK, false);
        struct stat a, b;
        if (rc == 0 && fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev)
            return fd;
        close(fd);
        if (rc < 0 && rc != -EAGAIN && rc != -EACCES)
            return rc;
        if (rc < 0) {
            /* Held: by a live producer (taken), or for a moment by someone
             * removing a dead one's files.  Look again shortly. */
            struct timespec ts = {0, 2 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    return -EEXIST;
}

static int bind_listen(const char *path, uint32_t share_flags)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path, path, strlen(path) + 1);
    unlink(path); /* left by a dead producer: we hold the lock */
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        chmod(path, share_flags ? 0666 : 0600) < 0 || listen(fd, SOMAXCONN) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int shmfb__name_listen(const char *canon, int memfd, uint64_t nonce, struct shmfb__server *s)
{
    struct paths p;
    int rc = paths_for(canon, &p);
    if (rc < 0)
        return rc;
    int lock = lock_take(p.lock);
    if (lock < 0)
        return lock;
    char text[SHMFB_NAME_MAX + 64];
    int n =
        snprintf(text, sizeof(text), "%s\n%d %016llx\n", canon, memfd, (unsigned long long)nonce);
    if (ftruncate(lock, 0) < 0 || pwrite(lock, text, (size_t)n, 0) != n) {
        rc = errno ? -errno : -EIO;
        goto fail_lock;
    }
    rc = bind_listen(p.sock, s->share_flags);
    if (rc < 0)
        goto fail_lock;
    s->listen_fd = rc;
    s->lock_fd = lock;
    memcpy(s->sock_path, p.sock, sizeof(p.sock));
    memcpy(s->lock_path, p.lock, sizeof(p.lock));
    return 0;

fail_lock:
    unlink(p.lock);
    close(lock);
    return rc;
}

/* Removes the name while the lock still says it is ours. */
void shmfb__name_unlisten(struct shmfb__server *s)
{
    if (s->listen_fd >= 0) {
        unlink(s->sock_path);
        close(s->listen_fd);
        s->listen_fd = -1;
    }
    if (s->lock_fd >= 0) {
        unlink(s->lock_path);
        close(s->lock_fd);
        s->lock_fd = -1;
    }
}

/* The memfd number and nonce a producer wrote in its lock file. */
static void lock_read(const char *path, int *memfd_no, uint64_t *nonce)
{
    char text[SHMFB_NAME_MAX + 64];
    *memfd_no = -1;
    *nonce = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
    close(fd);
    text[n > 0 ? n : 0] = '\0';
    const char *line = strchr(text, '\n');
    unsigned long long v;
    int no;
    if (line && sscanf(line + 1, "%d %16llx", &no, &v) == 2 && no >= 0) {
        *memfd_no = no;
        *nonce = v;
    }
}

int shmfb__name_connect(const char *canon, int *sock, int *memfd_no, uint64_t *nonce)
{
    struct paths p;
    int rc = paths_for(canon, &p);
    if (rc < 0)
        return rc;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    /* The producer's credentials come with its handoff message. */
    int on = 1;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path, p.sock, strlen(p.sock) + 1);
    if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0 ||
        connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        rc = -errno;
        close(fd);
        /* No socket, or one nobody listens on (its producer died). */
        return rc == -ECONNREFUSED || rc == -ENOTSOCK ? -ENOENT : rc == -EPERM ? -EACCES : rc;
    }
    lock_read(p.lock, memfd_no, nonce);
    *sock = fd;
    return 0;
}

/* Whether the producer behind lock file `path` is alive: 1 alive, 0 not,
 * negative errno; with `name`, also reads the name it holds. */
static int lock_state(const char *path, char *name, size_t size)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int alive = lock_file(fd, F_WRLCK, true);
    if (alive >= 0 && name) {
        ssize_t n = pread(fd, name, size - 1, 0);
        name[n > 0 ? n : 0] = '\0';
        name[strcspn(name, "\n")] = '\0';
        if (shmfb_name_check(name, NULL, 0) < 0 || name[0] != '/')
            alive = alive ? -EBADMSG : 0; /* a dead one's files go anyway */
    }
    close(fd);
    return alive;
}

/* Removes the files of a dead producer, holding the lock while it does. */
static int reap_paths(const struct paths *p)
{
    int fd = open(p->lock, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = lock_file(fd, F_WRLCK, false);
    if (rc == 0) {
        unlink(p->sock);
        unlink(p->lock);
    }
    close(fd);
    return rc == -EAGAIN || rc == -EACCES ? -EBUSY : rc;
}

int shmfb_reap(const char *name)
{
    char canon[SHMFB_NAME_MAX + 2];
    struct paths p;
    int rc = shmfb_name_check(name, canon, sizeof(canon));
    if (rc == 0)
        rc = paths_for(canon, &p);
    if (rc < 0)
        return rc;
    rc = lock_state(p.lock, NULL, 0);
    if (rc < 0)
        return rc;
    return rc > 0 ? -EBUSY : reap_paths(&p);
}

struct entry {
    char *name;
    bool alive;
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* Looks at one lock file: adds its name to the list if wanted, removes a
 * dead producer's files with SHMFB_LIST_REAP. */
static int list_one(const struct paths *base, const char *entry, uint32_t flags,
                    struct entry **list, int *n, int *cap)
{
    size_t len = strlen(entry);
    struct paths p = *base;
    char name[SHMFB_NAME_MAX + 64];
    if (len < 6 || strcmp(entry + len - 5, ".lock") != 0)
        return 0;
    int a = snprintf(p.lock, sizeof(p.lock), "%s/%s", base->dir, entry);
    int b = snprintf(p.sock, sizeof(p.sock), "%s/%.*s.sock", base->dir, (int)(len - 5), entry);
    if (a < 0 || b < 0 || a >= (int)sizeof(p.lock) || b >= (int)sizeof(p.sock))
        return 0; /* not one of ours: ours always fit */
    int alive = lock_state(p.lock, name, sizeof(name));
    if (alive < 0 || (!alive && !(flags & (SHMFB_LIST_STALE | SHMFB_LIST_REAP))))
        return 0;
    if (!alive && (flags & SHMFB_LIST_REAP) && reap_paths(&p) < 0)
        return 0;
    if (!alive && name[0] != '/')
        snprintf(name, sizeof(name), "/%.*s", (int)(len - 5), entry);
    if (*n == *cap) {
        int more_cap = *cap ? 2 * *cap : 16;
        struct entry *more = realloc(*list, sizeof(**list) * (size_t)more_cap);
        if (!more)
            return -ENOMEM;
        *list = more;
        *cap = more_cap;
    }
    if (!((*list)[*n].name = strdup(name)))
        return -ENOMEM;
    (*list)[(*n)++].alive = alive > 0;
    return 0;
}

int shmfb_list(int (*fn)(void *ctx, const char *name, bool alive), void *ctx, uint32_t flags)
{
    if (!fn || (flags & ~(SHMFB_LIST_STALE | SHMFB_LIST_REAP)))
        return -EINVAL;
    struct paths base;
    int rc = runtime_dir(base.dir, sizeof(base.dir));
    if (rc < 0)
        return rc;
    DIR *d = opendir(base.dir);
    if (!d)
        return -errno;
    struct entry *list = NULL;
    int n = 0, cap = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));)
        rc = list_one(&base, e->d_name, flags, &list, &n, &cap);
    closedir(d);
    if (n > 1)
        qsort(list, (size_t)n, sizeof(*list), by_name);
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            rc = fn(ctx, list[i].name, list[i].alive);
        free(list[i].name);
    }
    free(list);
    return rc ? rc : n;
}
