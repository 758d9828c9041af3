/* Small helpers shared by every measurement: clock, errors, memory, pixels. */
#include "bench_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Records the first failure of a run; returns code so callers can
 * `return bench_fail(...)`. */
int bench_fail(struct bench_run *run, int code, const char *fmt, ...)
{
    if (run->err[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(run->err, sizeof(run->err), fmt, ap);
        va_end(ap);
    }
    return code < 0 ? code : -EIO;
}

/* Page-backed memory, touched so that no page fault is measured later. */
void *bench_map(size_t bytes, bool shared)
{
    int flags = MAP_ANONYMOUS | (shared ? MAP_SHARED : MAP_PRIVATE);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    memset(p, 0x5a, bytes);
    return p;
}

void bench_unmap(void *p, size_t bytes)
{
    if (p != NULL)
        munmap(p, bytes);
}

size_t bench_frame_bytes(int32_t width, int32_t height)
{
    return (size_t)width * (size_t)height * 4;
}

/* Writes every pixel of r, the way a renderer would touch them. */
void bench_fill(uint32_t *px, int32_t stride_px, const struct shmfb_rect *r, uint32_t value)
{
    if (r->x == 0 && r->w == stride_px) {
        uint32_t *p = px + (size_t)r->y * (size_t)stride_px;
        size_t n = (size_t)r->w * (size_t)r->h;
        for (size_t i = 0; i < n; i++)
            p[i] = value;
        return;
    }
    for (int32_t y = r->y; y < r->y + r->h; y++) {
        uint32_t *row = px + (size_t)y * (size_t)stride_px + (size_t)r->x;
        for (int32_t x = 0; x < r->w; x++)
            row[x] = value;
    }
}

/* Copies r from src to the same place in dst (both with stride_px). */
void bench_copy(uint32_t *dst, const uint32_t *src, int32_t stride_px, const struct shmfb_rect *r)
{
    size_t off = (size_t)r->y * (size_t)stride_px + (size_t)r->x;
    if (r->x == 0 && r->w == stride_px) {
        memcpy(dst + off, src + off, (size_t)r->w * (size_t)r->h * 4);
        return;
    }
    for (int32_t y = 0; y < r->h; y++, off += (size_t)stride_px)
        memcpy(dst + off, src + off, (size_t)r->w * 4);
}

/* Keeps the compiler from dropping stores into memory nobody reads. */
void bench_clobber(const void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* A different opaque colour for every frame. */
uint32_t bench_pixel(int i)
{
    return 0xff000000u | ((uint32_t)i * 0x010307u & 0x00ffffffu);
}

/* The damage square of the damage cases, clipped to small frames. */
struct shmfb_rect bench_damage_rect(int32_t width, int32_t height)
{
    int32_t w = width < BENCH_DAMAGE_SIDE ? width : BENCH_DAMAGE_SIDE;
    int32_t h = height < BENCH_DAMAGE_SIDE ? height : BENCH_DAMAGE_SIDE;
    struct shmfb_rect r = {(width - w) / 2, (height - h) / 2, w, h};
    return r;
}
