/* shmfb ls: the live framebuffers, and removal of what dead ones left. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shmfb/shmfb.h>

static const char ls_usage[] =
    "usage: shmfb ls [--reap] [NAME...]\n"
    "\n"
    "Lists the framebuffers whose producers are running, or only those NAMEs.\n"
    "A producer's name goes with it however it ends, so a dead one is never\n"
    "listed and its name can be taken again at once.  Names live in the runtime\n"
    "directory: $SHMFB_RUNTIME_DIR, else $XDG_RUNTIME_DIR/shmfb, else /run/shmfb\n"
    "(root) or /tmp/shmfb-UID.\n"
    "\n"
    "Options:\n"
    "  --reap          also remove the files dead producers left there (harmless;\n"
    "                  the next producer of the name replaces them), and links,\n"
    "                  FIFOs or empty directories standing in a name's place;\n"
    "                  say which, or what blocks a name (exit 1)\n"
    "  -h, --help      show this help\n";

struct ls_opts {
    bool reap;
    bool failed;
    int nnames;
    char **names;
    bool header;
};

static void print_header(struct ls_opts *o)
{
    if (o->header)
        return;
    o->header = true;
    printf("%-24s %-11s %-11s %8s %9s %10s %s\n", "NAME", "SIZE", "MAX", "PID", "CONSUMERS",
           "FRAMES", "PACING");
}

static const char *pacing_name(uint32_t pacing)
{
    static const char *const names[] = {"fifo", "free", "mailbox"};
    return pacing < sizeof(names) / sizeof(names[0]) ? names[pacing] : "?";
}

static void print_info(const struct shmfb_info *in)
{
    char size[32], max[32];

    snprintf(size, sizeof(size), "%dx%d", (int)in->width, (int)in->height);
    snprintf(max, sizeof(max), "%dx%d", (int)in->max_width, (int)in->max_height);
    printf("%-24s %-11s %-11s %8d %9d %10llu %s\n", in->name, size, max, (int)in->producer_pid,
           (int)in->consumers, (unsigned long long)in->frames, pacing_name(in->pacing));
}

static bool wanted(const struct ls_opts *o, const char *name)
{
    char canon[SHMFB_NAME_MAX + 2];

    if (o->nnames == 0)
        return true;
    for (int i = 0; i < o->nnames; i++)
        if (shmfb_name_check(o->names[i], canon, sizeof(canon)) == 0 && strcmp(canon, name) == 0)
            return true;
    return false;
}

/* One name: a live framebuffer is described; the leftovers of a dead one
 * (reported only with --reap) were removed. */
static int list_one(void *ctx, const char *name, bool alive)
{
    struct ls_opts *o = ctx;
    struct shmfb_info info;

    if (!wanted(o, name))
        return 0;
    print_header(o);
    if (!alive) {
        int rc = shmfb_reap(name);
        if (rc == 0)
            printf("reaped %s\n", name);
        else if (rc != -ENOENT) {
            fflush(stdout);
            fprintf(stderr, "shmfb: cannot reap %s: %s\n", name, shmfb_strerror(rc));
            o->failed = true;
        }
    } else if (shmfb_probe(name, &info) == 0)
        print_info(&info);
    return 0; /* a name that is not a framebuffer we may read is skipped */
}

static int list(struct ls_opts *o)
{
    int rc = shmfb_list(list_one, o, o->reap ? SHMFB_LIST_STALE : 0);

    if (rc < 0)
        return cli_fail("runtime directory", shmfb_strerror(rc));
    print_header(o);
    return o->failed ? CLI_FAIL : CLI_OK;
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
    struct ls_opts o = {0};
    int rc = parse_args(argc, argv, &o);

    return rc == CLI_RUN ? list(&o) : rc;
}
