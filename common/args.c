#include "args.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <shmfb/shmfb.h>

void args_start(struct args *a, int argc, char **argv)
{
    int n = 0;

    for (const struct option *o = a->longopts; o && o->name; o++) {
        assert(n < ARGS_MAX_OPTIONS && !o->flag && o->val > 0);
        a->all[n++] = *o;
    }
    a->all[n++] = (struct option){"help", no_argument, NULL, 'h'};
    a->all[n++] = (struct option){"version", no_argument, NULL, 'V'};
    a->all[n] = (struct option){NULL, 0, NULL, 0};
    assert(!a->shortopts || strlen(a->shortopts) < sizeof(a->opts) - 5);
    /* ':' first: a missing value is told apart from an unknown option. */
    snprintf(a->opts, sizeof(a->opts), "%s:%shV", a->in_order ? "+" : "",
             a->shortopts ? a->shortopts : "");
    a->argc = argc;
    a->argv = argv;
    a->value = a->option = NULL;
    a->rest = NULL;
    a->nrest = 0;
    a->status = ARGS_EXIT_OK;
    opterr = 0;
    optind = 0; /* glibc: start afresh, also after an earlier command line */
}

int args_usage_error(const struct args *a, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", a->prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (a->help)
        fprintf(stderr, " (try '%s')\n", a->help);
    else
        fprintf(stderr, " (try '%s --help')\n", a->prog);
    return ARGS_EXIT_USAGE;
}

/* The long name of option \p val, for messages; "-c" when it has none. */
static const char *option_name(struct args *a, int val)
{
    for (const struct option *o = a->all; o->name; o++)
        if (o->val == val)
            return o->name;
    snprintf(a->optname, sizeof(a->optname), "-%c", val);
    return a->optname;
}

/*
 * Says what getopt refused.  The option sits at argv[optind - 1] once getopt
 * moved past it, or at argv[optind] inside a group of short options.
 */
static int bad_option(struct args *a, int opt, int before)
{
    const char *arg = optind > before ? a->argv[optind - 1] : a->argv[optind];
    char name[64];

    if (strncmp(arg, "--", 2) == 0)
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
    else if (optopt > ' ' && optopt < 127)
        snprintf(name, sizeof(name), "-%c", optopt);
    else
        snprintf(name, sizeof(name), "%s", arg);
    if (opt == ':')
        args_usage_error(a, "%s needs a value", name);
    else if (optopt != 0 && strchr(arg, '='))
        args_usage_error(a, "%s takes no value", name);
    else
        args_usage_error(a, "unknown option '%s'", name);
    a->status = ARGS_EXIT_USAGE;
    return ARGS_STOP;
}

static int answer(struct args *a, int opt)
{
    if (opt == 'V')
        printf("%s %s\n", a->prog, shmfb_version());
    else if (a->usage)
        a->usage(stdout, a->prog);
    else if (a->usage_text)
        fputs(a->usage_text, stdout);
    a->status = ARGS_EXIT_OK;
    return ARGS_STOP;
}

int args_next(struct args *a)
{
    int before = optind > 0 ? optind : 1;
    int opt = getopt_long(a->argc, a->argv, a->opts, a->all, NULL);

    a->value = optarg;
    if (opt == -1) {
        a->rest = a->argv + optind;
        a->nrest = a->argc - optind;
        return ARGS_DONE;
    }
    if (opt == '?' || opt == ':')
        return bad_option(a, opt, before);
    a->option = option_name(a, opt);
    if (opt == 'h' || opt == 'V')
        return answer(a, opt);
    return opt;
}

int args_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    /* Digits only, with a sign where negative values are allowed. */
    if (!((*s >= '0' && *s <= '9') || (*s == '-' && min < 0)))
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int args_parse_size(const char *s, int32_t *w, int32_t *h)
{
    char buf[32];
    char *x;
    long lw, lh;

    if (strlen(s) >= sizeof(buf))
        return -1;
    strcpy(buf, s);
    x = strchr(buf, 'x');
    if (!x)
        return -1;
    *x = '\0';
    if (args_parse_long(buf, 1, SHMFB_DIM_MAX, &lw) < 0 ||
        args_parse_long(x + 1, 1, SHMFB_DIM_MAX, &lh) < 0)
        return -1;
    *w = (int32_t)lw;
    *h = (int32_t)lh;
    return 0;
}

static int bad_value(const struct args *a, const char *expected)
{
    args_usage_error(a, "invalid %s '%s': expected %s", a->option ? a->option : "value",
                     a->value ? a->value : "", expected);
    return -1;
}

int args_long(const struct args *a, long min, long max, long *out)
{
    char expected[96];

    if (a->value && args_parse_long(a->value, min, max, out) == 0)
        return 0;
    snprintf(expected, sizeof(expected), "a whole number from %ld to %ld", min, max);
    return bad_value(a, expected);
}

int args_int(const struct args *a, int min, int max, int *out)
{
    long v;
    if (args_long(a, min, max, &v) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

int args_double(const struct args *a, double min, double max, double *out)
{
    char expected[96], *end;
    double v;

    if (a->value) {
        errno = 0;
        v = strtod(a->value, &end);
        if (errno == 0 && end != a->value && *end == '\0' && isfinite(v) && v >= min && v <= max) {
            *out = v;
            return 0;
        }
    }
    snprintf(expected, sizeof(expected), "a number from %g to %g", min, max);
    return bad_value(a, expected);
}

int args_size(const struct args *a, int32_t *w, int32_t *h)
{
    char expected[64];

    if (a->value && args_parse_size(a->value, w, h) == 0)
        return 0;
    snprintf(expected, sizeof(expected), "WIDTHxHEIGHT, each from 1 to %d", SHMFB_DIM_MAX);
    return bad_value(a, expected);
}

bool args_producer_name(const char *given, const char *fallback, const char **name)
{
    if (given) {
        *name = given;
        return true;
    }
    if (getenv(SHMFB_SOCKET_ENV)) {
        *name = NULL;
        return true;
    }
    *name = fallback;
    return fallback != NULL;
}
