/*
 * impostor /NAME: a test program that plays a producer impostor.  It holds NAME the way a producer
 * does (the name's lock taken, its socket listening, in $SHMFB_RUNTIME_DIR), but what it hands out
 * is not a framebuffer: a sealed memfd of junk.  Prints "ready" when it holds the name; removes it
 * on SIGTERM or SIGINT.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int junk_memfd(void)
{
    int fd = memfd_create("junk", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 131u + 7u);
    if (fd < 0 || ftruncate(fd, 65536) < 0 || pwrite(fd, junk, sizeof junk, 0) < 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
        return -1;
    return fd;
}

/* The lock file, locked, naming the junk as the framebuffer. */
static int take_lock(const char *path, const char *name, int fd)
{
    int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (lock < 0 || fcntl(lock, F_OFD_SETLK, &fl) < 0)
        return -1;
    dprintf(lock, "%s\n%d %016llx\n", name, fd, 0x1234ULL);
    return lock;
}

static int listen_at(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    unlink(path);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 8) < 0)
        return -1;
    return s;
}

int main(int argc, char **argv)
{
    const char *dir = getenv("SHMFB_RUNTIME_DIR");
    if (argc != 2 || argv[1][0] != '/' || !dir) {
        fprintf(stderr, "usage: SHMFB_RUNTIME_DIR=DIR impostor /NAME\n");
        return 2;
    }
    /* The files lie where the library looks for them (src/rendezvous.c):
     * under the name, or under its FNV-1a hash where DIR/NAME.sock would not
     * fit a socket address; relative to DIR, which may be of any length. */
    char key[101], lock_path[108], sock_path[108];
    if (strlen(dir) + strlen(argv[1]) + 5 >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        unsigned long long h = 14695981039346656037ULL;
        for (const char *c = argv[1]; *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
        snprintf(key, sizeof key, "#%016llx", h);
    } else {
        snprintf(key, sizeof key, "%s", argv[1] + 1);
    }
    snprintf(lock_path, sizeof lock_path, "%s.lock", key);
    snprintf(sock_path, sizeof sock_path, "%s.sock", key);
    if (chdir(dir) < 0) {
        perror(dir);
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    int fd = junk_memfd();
    int lock = fd < 0 ? -1 : take_lock(lock_path, argv[1], fd);
    int s = lock < 0 ? -1 : listen_at(sock_path);
    if (s < 0) {
        perror(argv[1]);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    while (!stop)
        pause();
    unlink(sock_path);
    unlink(lock_path);
    return 0;
}
