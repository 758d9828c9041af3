/* shmfb: run, inspect and snapshot shared framebuffers. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include <shmfb/shmfb.h>

#ifdef SHMFB_HAVE_BENCH
#include "bench.h"
#endif

static const char usage[] =
    "usage: shmfb COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  demo [NAME]          run an animated producer (default name /shmfb-demo)\n"
    "  snap NAME OUT.png    write the next frame of a framebuffer to a PNG file\n"
    "  ls [--reap]          list live framebuffers; remove what dead ones left\n"
    "  record NAME OUT      record a framebuffer into a video file (with GStreamer)\n"
    "  bench [ARGS]         measure the library against the machine\n"
    "\n"
    "Options:\n"
    "  -h, --help           show this help ('shmfb COMMAND --help' for a command)\n"
    "  -V, --version        show the version\n";

int cli_fail(const char *what, const char *reason)
{
    fprintf(stderr, "shmfb: %s: %s\n", what, reason);
    return CLI_FAIL;
}

static int cli_bench(int argc, char **argv)
{
#ifdef SHMFB_HAVE_BENCH
    return shmfb_bench_main(argc, argv);
#else
    (void)argc;
    (void)argv;
    return cli_fail("bench", "this shmfb was built without the benchmark");
#endif
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"demo", cli_demo},     {"snap", cli_snap},   {"ls", cli_ls},
    {"record", cli_record}, {"bench", cli_bench},
};

int main(int argc, char **argv)
{
    struct args a = {.prog = "shmfb", .usage_text = usage, .in_order = true};
    int opt;

    args_start(&a, argc, argv);
    while ((opt = args_next(&a)) > 0)
        ; /* only --help and --version, which args_next() answers */
    if (opt == ARGS_STOP)
        return a.status;
    if (a.nrest == 0) {
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(a.rest[0], commands[i].name) == 0)
            return commands[i].run(a.nrest, a.rest);
    return args_usage_error(&a, "unknown command '%s'", a.rest[0]);
}
