/*
 * e2e-garbage: creates (or with -d removes) a POSIX shared memory object that
 * is not a shmfb framebuffer, for the viewer's error handling.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int create(const char *name)
{
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror(name);
        return 1;
    }
    char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 131u + 7u);
    int rc = ftruncate(fd, 65536) == 0 && write(fd, junk, sizeof junk) == (ssize_t)sizeof junk;
    if (!rc)
        perror(name);
    close(fd);
    return rc ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "-d"))
        return shm_unlink(argv[2]) == 0 ? 0 : 1;
    if (argc == 2)
        return create(argv[1]);
    fprintf(stderr, "usage: e2e-garbage [-d] /NAME\n");
    return 2;
}
