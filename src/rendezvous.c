/* Names.  A framebuffer's name is a Unix socket the producer listens on, in
 * a runtime directory only its user can write:
 *
 *   $SHMFB_RUNTIME_DIR               if set (an existing directory, e.g. one
 *                                    shared by two users; credentials decide)
 *   $XDG_RUNTIME_DIR/shmfb           otherwise, created 0700
 *   /run/shmfb (root), /tmp/shmfb-UID   when XDG_RUNTIME_DIR is unset
 *   $HOME/.cache/shmfb-HOST          when /tmp/shmfb-UID is not ours
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
 * the path would not fit a socket address; a socket path that still does
 * not fit is reached through a descriptor of its directory.  Whatever
 * stands at these paths may have been planted: it is opened without
 * blocking and used only if it is of the right kind (dispose.c). */
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
    char dir[PATH_MAX];
    char sock[PATH_MAX];
    char lock[PATH_MAX];
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

/* The fallback when /tmp/shmfb-UID is not ours (another user made it first,
 * or put a link there: sticky /tmp lets nobody else remove it): a
 * directory in the user's home, per host since homes may be shared. */
static int home_dir(char *buf, size_t size)
{
    const char *home = secure_getenv("HOME");
    char host[65] = "";
    if (!home || home[0] != '/')
        return -EACCES;
    gethostname(host, sizeof(host) - 1);
    int n = snprintf(buf, size, "%s/.cache", home);
    if (n < 0 || (size_t)n >= size)
        return -ENAMETOOLONG;
    if (mkdir(buf, 0700) < 0 && errno != EEXIST)
        return -errno;
    n = snprintf(buf, size, "%s/.cache/shmfb-%s", home, host[0] ? host : "localhost");
    if (n < 0 || (size_t)n >= size)
        return -ENAMETOOLONG;
    return dir_private(buf);
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
    int rc = dir_private(buf);
    if (rc < 0 && !(xdg && xdg[0] == '/') && geteuid() != 0)
        return home_dir(buf, size);
    return rc;
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
    /* The key is the name when "dir/" + name + ".sock" fits a socket
     * address with its NUL, else a hash of the name (the lock file keeps
     * the name itself). */
    if (strlen(p->dir) + 1 + strlen(k) + 5 >= (size_t)SOCK_PATH_MAX) {
        snprintf(key, sizeof(key), "#%016llx", (unsigned long long)fnv1a(canon));
        k = key;
    }
    int a = snprintf(p->sock, sizeof(p->sock), "%s/%s.sock", p->dir, k);
    int b = snprintf(p->lock, sizeof(p->lock), "%s/%s.lock", p->dir, k);
    if (a < 0 || b < 0 || a >= (int)sizeof(p->sock) || b >= (int)sizeof(p->lock))
        return -ENAMETOOLONG;
    return 0;
}

/* The socket address of p->sock: the path itself where it fits, else the
 * same file reached through a descriptor of its directory (os.h), so
 * runtime directories of any length work.  *dirfd is then that descriptor,
 * to close after bind or connect. */
static int sock_addr(const struct paths *p, struct sockaddr_un *a, int *dirfd)
{
    *a = (struct sockaddr_un){.sun_family = AF_UNIX};
    *dirfd = -1;
    size_t len = strlen(p->sock);
    if (len < (size_t)SOCK_PATH_MAX) {
        memcpy(a->sun_path, p->sock, len + 1);
        return 0;
    }
    int fd =
        shmfb__os_path_via_dir(p->dir, strrchr(p->sock, '/') + 1, a->sun_path, sizeof(a->sun_path));
    if (fd < 0)
        return fd;
    *dirfd = fd;
    return 0;
}

/* A name's file of another kind (a link, a directory, a FIFO...) is
 * reported as one error, which says what to do about it. */
static int not_ours(int rc)
{
    return rc == -ELOOP || rc == -EISDIR ? -EMEDIUMTYPE : rc;
}

/* Opens and write-locks `path`, making sure the file locked is still the one
 * at that path (a reaper or an exiting producer may unlink it meanwhile). */
static int lock_take(const char *path)
{
    for (int tries = 0; tries < LOCK_TRIES; tries++) {
        int fd = shmfb__os_open_regular(path, O_RDWR | O_CREAT);
        if (fd < 0)
            return not_ours(fd);
        int rc = shmfb__os_lock(fd, false);
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

static int bind_listen(const struct paths *p, uint32_t share_flags)
{
    struct sockaddr_un a;
    int dirfd;
    int rc = sock_addr(p, &a, &dirfd);
    if (rc < 0)
        return rc;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        rc = -errno;
    /* Whatever is there was left by a dead producer: we hold the lock. */
    if (fd >= 0 && unlink(p->sock) < 0 && errno != ENOENT)
        rc = errno == EISDIR || errno == EPERM ? -EMEDIUMTYPE : -errno;
    if (fd >= 0 && rc == 0 &&
        (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
         chmod(p->sock, share_flags ? 0666 : 0600) < 0 || listen(fd, SOMAXCONN) < 0))
        rc = -errno;
    if (dirfd >= 0)
        close(dirfd);
    if (rc < 0 && fd >= 0)
        close(fd);
    return rc < 0 ? rc : fd;
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
    rc = bind_listen(&p, s->share_flags);
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

/* The memfd number and nonce a producer wrote in its lock file; a lock
 * file that is not a regular file (a FIFO would block the open) says
 * nothing. */
static void lock_read(const char *path, int *memfd_no, uint64_t *nonce)
{
    char text[SHMFB_NAME_MAX + 64];
    *memfd_no = -1;
    *nonce = 0;
    int fd = shmfb__os_open_regular(path, O_RDONLY);
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

/* A connected socket to p->sock, or a negative errno. */
static int sock_connect(const struct paths *p, int *sock)
{
    struct sockaddr_un a;
    int dirfd;
    int rc = sock_addr(p, &a, &dirfd);
    if (rc < 0)
        return rc;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    /* The producer's credentials come with its handoff message. */
    rc = fd < 0 ? -errno : shmfb__os_pass_cred(fd);
    if (rc == 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        rc = -errno;
    if (dirfd >= 0)
        close(dirfd);
    if (rc < 0) {
        if (fd >= 0)
            close(fd);
        /* No socket, or one nobody listens on (its producer died). */
        return rc == -ECONNREFUSED || rc == -ENOTSOCK ? -ENOENT : rc == -EPERM ? -EACCES : rc;
    }
    *sock = fd;
    return 0;
}

int shmfb__name_connect(const char *canon, int *sock, int *memfd_no, uint64_t *nonce)
{
    struct paths p;
    int rc = paths_for(canon, &p);
    if (rc == 0)
        rc = sock_connect(&p, sock);
    if (rc < 0)
        return rc;
    lock_read(p.lock, memfd_no, nonce);
    return 0;
}

bool shmfb__name_held(const char *canon, uint64_t nonce)
{
    struct paths p;
    int memfd_no;
    uint64_t held = 0;
    if (!canon[0] || paths_for(canon, &p) < 0)
        return false;
    int fd = shmfb__os_open_regular(p.lock, O_RDONLY);
    if (fd < 0)
        return false;
    bool locked = shmfb__os_lock(fd, true) > 0;
    close(fd);
    lock_read(p.lock, &memfd_no, &held);
    return locked && held == nonce;
}

/* Whether the producer behind lock file `path` is alive: 1 alive, 0 not,
 * -EMEDIUMTYPE when something else stands there, negative errno; with
 * `name`, also reads the name it holds. */
static int lock_state(const char *path, char *name, size_t size)
{
    int fd = shmfb__os_open_regular(path, O_RDONLY);
    if (fd < 0)
        return not_ours(fd);
    int alive = shmfb__os_lock(fd, true);
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

/* Removes what stands at a name's path when it cannot belong to a live
 * producer: a file, link or FIFO, an empty directory, a socket nobody
 * listens on.  -EBUSY for a listened socket, -ENOTEMPTY for a directory
 * with something in it. */
static int junk_remove(const struct paths *p, const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (S_ISDIR(st.st_mode))
        return rmdir(path) < 0 ? -errno : 0;
    if (S_ISSOCK(st.st_mode) && path == p->sock) {
        int sock;
        if (sock_connect(p, &sock) == 0) {
            close(sock);
            return -EBUSY;
        }
    }
    return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* Removes the files of a dead producer, holding the lock while it does,
 * and whatever of another kind stands in their place. */
static int reap_paths(const struct paths *p)
{
    int fd = shmfb__os_open_regular(p->lock, O_RDWR);
    if (fd < 0 && fd != -ENOENT && not_ours(fd) != -EMEDIUMTYPE)
        return fd;
    if (fd < 0) {
        /* No lock file, or junk in its place: no producer can hold it. */
        int rc = junk_remove(p, p->lock);
        int rs = junk_remove(p, p->sock);
        return rc < 0 ? rc : rs;
    }
    int rc = shmfb__os_lock(fd, false);
    if (rc == 0) {
        struct stat st;
        if (lstat(p->sock, &st) == 0 && S_ISDIR(st.st_mode))
            rc = rmdir(p->sock) < 0 ? -errno : 0;
        else
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
    if (rc < 0 && rc != -ENOENT && rc != -EMEDIUMTYPE)
        return rc;
    if (rc == -ENOENT) {
        struct stat st;
        if (lstat(p.sock, &st) < 0)
            return -ENOENT; /* nothing there at all */
    }
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

static int entry_add(struct entry **list, int *n, int *cap, const char *name, bool alive)
{
    for (int i = 0; i < *n; i++)
        if (strcmp((*list)[i].name, name) == 0)
            return 0; /* the .sock of a name already listed by its .lock */
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
    (*list)[(*n)++].alive = alive;
    return 0;
}

/* Looks at one entry of the runtime directory: a name's lock file, or a
 * socket whose lock file is missing.  Adds the name to the list if wanted,
 * removes a dead producer's files with SHMFB_LIST_REAP.  Something of
 * another kind in a name's place counts as a dead producer's files. */
static int list_one(const struct paths *base, const char *entry, uint32_t flags,
                    struct entry **list, int *n, int *cap)
{
    size_t len = strlen(entry);
    struct paths p;
    char name[SHMFB_NAME_MAX + 64];
    bool is_sock = len > 5 && strcmp(entry + len - 5, ".sock") == 0;
    if (len < 6 || (!is_sock && strcmp(entry + len - 5, ".lock") != 0))
        return 0;
    memcpy(p.dir, base->dir, sizeof(p.dir));
    int a = snprintf(p.lock, sizeof(p.lock), "%s/%.*s.lock", base->dir, (int)(len - 5), entry);
    int b = snprintf(p.sock, sizeof(p.sock), "%s/%.*s.sock", base->dir, (int)(len - 5), entry);
    if (a < 0 || b < 0 || a >= (int)sizeof(p.lock) || b >= (int)sizeof(p.sock))
        return 0;
    struct stat st;
    if (is_sock && lstat(p.lock, &st) == 0)
        return 0; /* listed by its lock file */
    name[0] = '\0';
    int alive = is_sock ? 0 : lock_state(p.lock, name, sizeof(name));
    if (alive == -EMEDIUMTYPE)
        alive = 0;
    if (alive < 0 || (!alive && !(flags & (SHMFB_LIST_STALE | SHMFB_LIST_REAP))))
        return 0;
    if (!alive && (flags & SHMFB_LIST_REAP) && reap_paths(&p) < 0)
        return 0;
    if (!alive && name[0] != '/')
        snprintf(name, sizeof(name), "/%.*s", (int)(len - 5), entry);
    return entry_add(list, n, cap, name, alive > 0);
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
