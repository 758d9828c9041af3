/* A producer started through shmfb_spawn() by test_spawn.
 *   spawn_child frames N   create (no name), wait for one event, present N
 *                          frames whose first pixel is 0xFF000000 | n, exit N
 *   spawn_child exit       exit 7 without creating anything
 *   spawn_child sleep      sleep without creating anything
 *   spawn_child hold       create, present one frame, sleep (until killed) */
#include <shmfb/shmfb.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int frames(int n)
{
    struct shmfb_producer_desc d = {.max_width = 16, .max_height = 16};
    struct shmfb_producer *p;
    if (shmfb_producer_create(NULL, &d, &p) < 0)
        return 100;
    if (shmfb_producer_wait(p, 5000, SHMFB_WAIT_EVENT) != SHMFB_WAIT_EVENT)
        return 101;
    for (int i = 1; i <= n; i++) {
        shmfb_producer_pixels(p)[0] = 0xFF000000u | (uint32_t)i;
        shmfb_producer_present(p);
    }
    shmfb_producer_destroy(p);
    return n;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "frames") == 0)
        return frames(atoi(argv[2]));
    if (argc == 2 && strcmp(argv[1], "exit") == 0)
        return 7;
    if (argc == 2 && strcmp(argv[1], "hold") == 0) {
        struct shmfb_producer_desc d = {.max_width = 16, .max_height = 16};
        struct shmfb_producer *p;
        if (shmfb_producer_create(NULL, &d, &p) < 0)
            return 100;
        shmfb_producer_present(p);
        sleep(30);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "sleep") == 0) {
        sleep(30);
        return 0;
    }
    return 99;
}
