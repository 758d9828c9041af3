/*
 * qemu-vnc-count HOST:DISPLAY SECONDS: a VNC client (libvncclient, raw
 * encoding) that takes framebuffer updates for SECONDS, for comparing
 * QEMU's own -vnc with shmfb-qemu (tests/qemu/bench.sh).  Prints
 * "frames N screens S cpu_ms C": S is the updated area in whole screens.
 */
#include <rfb/rfbclient.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static long frames;
static double screens;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void quiet(const char *format, ...)
{
    (void)format;
}

static void got_rect(rfbClient *cl, int x, int y, int w, int h)
{
    (void)x, (void)y;
    screens += (double)w * h / ((double)cl->width * cl->height);
}

static void finished(rfbClient *cl)
{
    (void)cl;
    frames++;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: qemu-vnc-count HOST:DISPLAY SECONDS\n");
        return 2;
    }
    double seconds = strtod(argv[2], NULL);
    rfbClientLog = quiet;
    rfbClientErr = quiet;
    rfbClient *cl = rfbGetClient(8, 3, 4);
    cl->appData.encodingsString = "raw";
    cl->GotFrameBufferUpdate = got_rect;
    cl->FinishedFrameBufferUpdate = finished;
    char *args[] = {argv[0], argv[1], NULL};
    int n = 2;
    if (!rfbInitClient(cl, &n, args)) {
        fprintf(stderr, "qemu-vnc-count: cannot connect to %s\n", argv[1]);
        return 1;
    }
    double cpu0 = cpu_ms();
    long long end = now_ms() + (long long)(seconds * 1000);
    while (now_ms() < end) {
        int r = WaitForMessage(cl, 100000);
        if (r < 0 || (r > 0 && !HandleRFBServerMessage(cl)))
            break;
    }
    printf("frames %ld screens %.1f cpu_ms %.1f\n", frames, screens, cpu_ms() - cpu0);
    fflush(stdout);
    free(cl->frameBuffer); /* the application's to free, not rfbClientCleanup's */
    rfbClientCleanup(cl);
    return 0;
}
