/*
 * Command-line parsing shared by the shmfb programs (not part of libshmfb):
 * getopt_long with --help and --version built in, value parsers with ranges,
 * and usage errors said in one line, "PROG: what (try 'PROG --help')", after
 * which the program exits with status 2.
 *
 *     struct args a = {.prog = "shmfb", .help = "shmfb demo --help",
 *                      .usage_text = usage, .shortopts = "", .longopts = opts};
 *     args_start(&a, argc, argv);
 *     while ((opt = args_next(&a)) > 0)
 *         switch (opt) {
 *         case 's': if (args_size(&a, &w, &h) < 0) return ARGS_EXIT_USAGE; ...
 *         }
 *     if (opt == ARGS_STOP)
 *         return a.status;
 *     ... a.rest[0 .. a.nrest) are the operands ...
 *
 * getopt keeps global state: parse one command line at a time, from one thread.
 */
#ifndef SHMFB_ARGS_H
#define SHMFB_ARGS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/** Exit statuses of every program: success, failure, bad usage. */
enum { ARGS_EXIT_OK = 0, ARGS_EXIT_FAIL = 1, ARGS_EXIT_USAGE = 2 };

/** What args_next() returns besides an option's \c val (always > 0). */
enum {
    ARGS_DONE = 0,  /**< no more options; rest / nrest hold the operands */
    ARGS_STOP = -1, /**< --help or --version answered, or a usage error said:
                         exit with a->status */
};

/** The most long options a program may have (besides help and version). */
#define ARGS_MAX_OPTIONS 32

struct args {
    /* Set by the caller. */
    const char *prog;                           /**< starts every message ("shmfb", "shmfb-view") */
    const char *help;                           /**< how to ask for help; NULL: "PROG --help" */
    const char *usage_text;                     /**< the --help text ... */
    void (*usage)(FILE *out, const char *prog); /**< ... or a function printing it */
    const char *shortopts;                      /**< getopt's, without h, V and ':' */
    const struct option *longopts;              /**< NULL-terminated, flag NULL, val > 0 and
                                                     not 'h' or 'V'; may be NULL */
    bool in_order; /**< stop at the first operand (a command follows) */

    /* Set by args_next() for the option it returns. */
    const char *value;  /**< the option's value, or NULL */
    const char *option; /**< its name ("scale" for --scale or -s) for messages */
    /* Set when args_next() returns ARGS_DONE ... */
    char **rest; /**< the operands */
    int nrest;
    /* ... or ARGS_STOP. */
    int status; /**< ARGS_EXIT_OK or ARGS_EXIT_USAGE */

    /* Private. */
    int argc;
    char **argv;
    char opts[64];
    char optname[8];
    struct option all[ARGS_MAX_OPTIONS + 3];
};

/** Prepares to parse argv[1 .. argc) (argv[0] is skipped). */
void args_start(struct args *a, int argc, char **argv);

/**
 * The next option: its \c val, with a->value set for an option that takes
 * one.  --help (-h) prints the usage to stdout and --version (-V) prints
 * "PROG X.Y.Z" (a->status ARGS_EXIT_OK); an unknown option or a missing
 * value is said in one line (a->status ARGS_EXIT_USAGE): both return
 * ARGS_STOP.  Returns ARGS_DONE after the last option.
 */
int args_next(struct args *a);

/** Says "PROG: <message> (try 'PROG --help')" on stderr; returns ARGS_EXIT_USAGE. */
int args_usage_error(const struct args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Parsers of the current option's value.  Each returns 0, or says what was
 * expected in one line and returns -1.
 */

/** A whole number in [min, max], decimal. */
int args_long(const struct args *a, long min, long max, long *out);
/** The same, for an int option (min and max within int). */
int args_int(const struct args *a, int min, int max, int *out);
/** A number in [min, max] (for seconds). */
int args_double(const struct args *a, double min, double max, double *out);
/** WxH, each 1..SHMFB_DIM_MAX. */
int args_size(const struct args *a, int32_t *w, int32_t *h);

/** The same on any string, silently: 0 or -1. */
int args_parse_long(const char *s, long min, long max, long *out);
int args_parse_size(const char *s, int32_t *w, int32_t *h);

/**
 * The framebuffer name a producer program passes to shmfb_producer_create():
 * \p given when the user named one; else NULL when the program was started
 * by a viewer (SHMFB_SOCKET is set), which makes the framebuffer private and
 * hands it to that viewer; else \p fallback.
 * \returns false when there is none of them (no name, not spawned, no
 *          fallback): the caller says that a name is missing.
 */
bool args_producer_name(const char *given, const char *fallback, const char **name);

#endif /* SHMFB_ARGS_H */
