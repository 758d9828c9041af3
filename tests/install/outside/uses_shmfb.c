/* Built against an installed shmfb: creates a framebuffer, presents a frame,
 * reads it back as a consumer and writes it as a PNG. */
#include <shmfb/png.h>
#include <shmfb/shmfb.h>

#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char name[64];
    snprintf(name, sizeof(name), "/shmfb-install-%d", (int)getpid());
    struct shmfb_producer_desc d = {.max_width = 4, .max_height = 3, .pacing = SHMFB_PACING_FREE};
    struct shmfb_producer *p;
    struct shmfb_consumer *c;
    struct shmfb_frame f;
    if (argc != 2 || shmfb_producer_create(name, &d, &p) < 0)
        return 1;
    shmfb_producer_pixels(p)[5] = 0xFF123456u;
    int rc = shmfb_consumer_open(name, NULL, &c);
    if (rc == 0)
        rc = shmfb_consumer_attach(c);
    if (rc == 0)
        rc = shmfb_producer_present(p) ? -1 : shmfb_consumer_wait(c, 1000, &f);
    if (rc == 0)
        rc = f.pixels[5] == 0xFF123456u ? 0 : -1;
    if (rc == 0)
        rc = shmfb_png_write(argv[1], f.pixels, f.width, f.height, f.stride, false, NULL, 0);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
    printf("%s\n", rc == 0 ? "ok" : shmfb_strerror(rc));
    return rc == 0 ? 0 : 1;
}
