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
    "  ls [--reap]          list framebuffers in /dev/shm; remove stale ones\n"
    "  bench [ARGS]         measure the library against the machine\n"
    "\n"
    "Options:\n"
    "  -h, --help           show this help ('shmfb COMMAND --help' for a command)\n"
    "  --version            show the version\n";

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
    {"demo", cli_demo},
    {"snap", cli_snap},
    {"ls", cli_ls},
    {"bench", cli_bench},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    if (cli_is_help(argv[1])) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("shmfb %d.%d.%d\n", SHMFB_VERSION_MAJOR, SHMFB_VERSION_MINOR, SHMFB_VERSION_PATCH);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "shmfb: unknown command '%s' (see 'shmfb --help')\n", argv[1]);
    return CLI_USAGE;
}
