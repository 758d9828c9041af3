/*
 * shmfb-hostbench: the round trip of a clipboard offer through the host
 * channel, against the same bytes over a plain socket pair.
 *
 * A producer (this process) offers SIZE bytes; a consumer in a child
 * process takes the offer and offers it back; the round ends when the
 * producer has the echo.  The baseline sends the same bytes over a
 * socketpair to a child that reads them and writes them back (blocking
 * reads and writes, nothing else): what moving the bytes costs here.
 */
#include "args.h"

#include <shmfb/shmfb.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "shmfb-hostbench"

struct opts {
    long size;
    long rounds;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Median and 99th percentile, in milliseconds. */
static void stats(int64_t *ns, long n, double *median, double *p99)
{
    qsort(ns, (size_t)n, sizeof(*ns), by_value);
    *median = (double)ns[n / 2] / 1e6;
    *p99 = (double)ns[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1e6;
}

/* ---- the host channel ------------------------------------------------------ */

/* The child: takes every offer and offers it back, until the producer goes. */
static int echo_consumer(const char *name)
{
    struct shmfb_consumer *c;
    if (shmfb_consumer_open(name, NULL, &c) < 0 || shmfb_consumer_attach(c) < 0)
        return 1;
    for (;;) {
        struct shmfb_host_msg m;
        int rc = shmfb_consumer_wait_any(c, 1000, SHMFB_WAIT_HOST, NULL);
        if (rc == -EPIPE)
            break;
        while ((rc = shmfb_consumer_host_recv(c, &m)) == 0)
            if (m.type == SHMFB_HOST_CLIPBOARD)
                shmfb_consumer_offer_clipboard(c, m.items, m.count);
        if (rc == -EPIPE)
            break;
    }
    shmfb_consumer_close(c);
    return 0;
}

/* One round: offer, wait for the echo that starts with the round's number. */
static int round_trip(struct shmfb_producer *p, uint8_t *data, size_t size, uint32_t k, int64_t *ns)
{
    memcpy(data, &k, sizeof(k));
    struct shmfb_clip_item it = {.mime = "application/octet-stream", .data = data, .size = size};
    int64_t t0 = now_ns();
    int rc = shmfb_producer_offer_clipboard(p, &it, 1);
    while (rc == 0) {
        struct shmfb_host_msg m;
        if (shmfb_producer_host_recv(p, &m) == 0) {
            if (m.type == SHMFB_HOST_CLIPBOARD && m.count == 1 && m.items[0].size == size &&
                memcmp(m.items[0].data, &k, sizeof(k)) == 0)
                break;
            continue;
        }
        if (now_ns() - t0 > 10 * 1000000000LL)
            return -ETIMEDOUT;
        shmfb_producer_wait(p, 100, SHMFB_WAIT_HOST);
    }
    *ns = now_ns() - t0;
    return rc;
}

static int bench_channel(const struct opts *o, int64_t *ns)
{
    char name[64];
    snprintf(name, sizeof(name), "/hostbench-%d", (int)getpid());
    struct shmfb_producer_desc d = {.max_width = 16, .max_height = 16};
    struct shmfb_producer *p;
    int rc = shmfb_producer_create(name, &d, &p);
    if (rc < 0)
        return rc;
    pid_t pid = fork();
    if (pid == 0)
        _exit(echo_consumer(name));
    uint8_t *data = calloc(1, (size_t)o->size);
    for (int i = 0; i < 1000 && shmfb_producer_consumers(p) == 0; i++)
        shmfb_producer_wait(p, 10, SHMFB_WAIT_EVENT);
    rc = data && shmfb_producer_consumers(p) ? 0 : -ENOTCONN;
    for (long k = 0; rc == 0 && k <= o->rounds; k++) /* round 0 warms up */
        rc = round_trip(p, data, (size_t)o->size, (uint32_t)k + 1, &ns[k ? k - 1 : 0]);
    free(data);
    shmfb_producer_destroy(p);
    waitpid(pid, NULL, 0);
    return rc;
}

/* ---- the baseline: a socketpair ------------------------------------------- */

static int full(ssize_t (*io)(int, void *, size_t), int fd, uint8_t *buf, size_t n)
{
    for (size_t done = 0; done < n;) {
        ssize_t r = io(fd, buf + done, n - done);
        if (r <= 0 && !(r < 0 && errno == EINTR))
            return -1;
        done += r > 0 ? (size_t)r : 0;
    }
    return 0;
}

static ssize_t write_some(int fd, void *buf, size_t n)
{
    return write(fd, buf, n);
}

static int bench_socket(const struct opts *o, int64_t *ns)
{
    int sv[2];
    size_t n = (size_t)o->size;
    uint8_t *buf = calloc(1, n);
    if (!buf || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        while (full(read, sv[1], buf, n) == 0 && full(write_some, sv[1], buf, n) == 0)
            ;
        _exit(0);
    }
    close(sv[1]);
    int rc = 0;
    for (long k = 0; rc == 0 && k <= o->rounds; k++) {
        int64_t t0 = now_ns();
        rc = full(write_some, sv[0], buf, n) || full(read, sv[0], buf, n) ? -EIO : 0;
        ns[k ? k - 1 : 0] = now_ns() - t0;
    }
    close(sv[0]);
    waitpid(pid, NULL, 0);
    free(buf);
    return rc;
}

static const char usage[] = "usage: " PROG " [--size BYTES] [--rounds N]\n"
                            "The round trip of a clipboard offer through the host channel (a\n"
                            "consumer process offers each one back), against the same bytes\n"
                            "there and back over a socketpair.  Prints medians and 99th\n"
                            "percentiles in milliseconds.\n"
                            "  --size BYTES   offer size (default 1048576, at most 16 MiB)\n"
                            "  --rounds N     round trips measured (default 200)\n";

int main(int argc, char **argv)
{
    static const struct option longopts[] = {{"size", required_argument, NULL, 's'},
                                             {"rounds", required_argument, NULL, 'r'},
                                             {NULL, 0, NULL, 0}};
    struct args a = {.prog = PROG, .usage_text = usage, .longopts = longopts};
    struct opts o = {.size = 1 << 20, .rounds = 200};
    int opt;
    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0) {
        if ((opt == 's' ? args_long(&a, 4, SHMFB_HOST_DATA_MAX, &o.size)
                        : args_long(&a, 1, 100000, &o.rounds)) < 0)
            return ARGS_EXIT_USAGE;
    }
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest)
        return args_usage_error(&a, "unexpected argument '%s'", a.rest[0]);
    int64_t *host = calloc((size_t)o.rounds, sizeof(int64_t));
    int64_t *sock = calloc((size_t)o.rounds, sizeof(int64_t));
    int rc = host && sock ? bench_channel(&o, host) : -ENOMEM;
    if (rc == 0)
        rc = bench_socket(&o, sock);
    if (rc < 0) {
        fprintf(stderr, PROG ": %s\n", shmfb_strerror(rc));
        return 1;
    }
    double hm, hp, sm, sp;
    stats(host, o.rounds, &hm, &hp);
    stats(sock, o.rounds, &sm, &sp);
    printf("| %ld bytes, %ld round trips | median | p99 |\n|---|---|---|\n", o.size, o.rounds);
    printf("| host channel: offer, echo offer | %.3f ms | %.3f ms |\n", hm, hp);
    printf("| socketpair: write, echo write | %.3f ms | %.3f ms |\n", sm, sp);
    printf("| ratio | %.2f | %.2f |\n", hm / sm, hp / sp);
    free(host);
    free(sock);
    return 0;
}
