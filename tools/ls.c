/* shmfb ls: the framebuffers in /dev/shm, and removal of stale ones. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shmfb/shmfb.h>

static const char ls_usage[] =
    "usage: shmfb ls [--reap] [NAME...]\n"
    "\n"
    "Lists the shmfb framebuffers in /dev/shm, or only those NAMEs; other shared\n"
    "memory objects are skipped.  STATE is \"alive\" while the producer runs and\n"
    "\"stale\" when it is gone without removing the name.\n"
    "\n"
    "Options:\n"
    "  --reap          remove the stale framebuffers listed and say which\n"
    "  -h, --help      show this help\n";

#define SHM_DIR "/dev/shm"

struct ls_opts {
    bool reap;
    int nnames;
    char **names;
};

static void print_header(void)
{
    printf("%-24s %-11s %-11s %8s %9s %10s %s\n", "NAME", "SIZE", "MAX", "PID", "CONSUMERS",
           "FRAMES", "STATE");
}

static void print_info(const struct shmfb_info *in)
{
    char size[32], max[32];

    snprintf(size, sizeof(size), "%dx%d", (int)in->width, (int)in->height);
    snprintf(max, sizeof(max), "%dx%d", (int)in->max_width, (int)in->max_height);
    printf("%-24s %-11s %-11s %8d %9d %10llu %s\n", in->name, size, max, (int)in->producer_pid,
           (int)in->consumers, (unsigned long long)in->frames, in->alive ? "alive" : "stale");
}

/* Returns 1 if a stale framebuffer could not be removed. */
static int reap(const struct shmfb_info *in)
{
    int rc = shmfb_reap(in->name);

    if (rc < 0) {
        cli_fail(in->name, shmfb_strerror(rc));
        return 1;
    }
    printf("reaped %s\n", in->name);
    return 0;
}

static bool wanted(const struct ls_opts *o, const char *entry)
{
    char canon[SHMFB_NAME_MAX + 2];

    if (o->nnames == 0)
        return true;
    for (int i = 0; i < o->nnames; i++)
        if (shmfb_name_check(o->names[i], canon, sizeof(canon)) == 0 &&
            strcmp(canon + 1, entry) == 0)
            return true;
    return false;
}

/* Lists one entry; returns 1 if reaping it failed. */
static int list_entry(const struct ls_opts *o, const char *entry)
{
    struct shmfb_info info;

    if (entry[0] == '.' || shmfb_name_check(entry, NULL, 0) < 0 || !wanted(o, entry))
        return 0;
    if (shmfb_probe(entry, &info) < 0)
        return 0; /* not a framebuffer, or not ours to read */
    print_info(&info);
    return o->reap && !info.alive ? reap(&info) : 0;
}

static int list(const struct ls_opts *o)
{
    struct dirent **entries;
    int n = scandir(SHM_DIR, &entries, NULL, alphasort);
    int failed = 0;

    if (n < 0)
        return cli_fail(SHM_DIR, shmfb_strerror(-errno));
    print_header();
    for (int i = 0; i < n; i++) {
        failed |= list_entry(o, entries[i]->d_name);
        free(entries[i]);
    }
    free(entries);
    return failed ? CLI_FAIL : CLI_OK;
}

static int parse_args(int argc, char **argv, struct ls_opts *o)
{
    static const struct option longopts[] = {
        {"reap", no_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    struct args a = {
        .prog = "shmfb", .help = "shmfb ls --help", .usage_text = ls_usage, .longopts = longopts};
    int opt;

    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0)
        o->reap = true; /* --reap, the only option */
    if (opt == ARGS_STOP)
        return a.status;
    for (int i = 0; i < a.nrest; i++)
        if (shmfb_name_check(a.rest[i], NULL, 0) < 0)
            return args_usage_error(&a, "invalid name '%s'", a.rest[i]);
    o->names = a.rest;
    o->nnames = a.nrest;
    return CLI_RUN;
}

int cli_ls(int argc, char **argv)
{
    struct ls_opts o = {false, 0, NULL};
    int rc = parse_args(argc, argv, &o);

    return rc == CLI_RUN ? list(&o) : rc;
}
