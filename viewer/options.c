/* Command-line parsing for shmfb-view. */
#include "view.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

void view_usage(FILE *out)
{
    fprintf(out, "usage: " VIEW_PROG " [options] NAME\n"
                 "       " VIEW_PROG " [options] -- PROGRAM [ARGS...]\n"
                 "Shows the shmfb framebuffer NAME in a window, or starts PROGRAM and shows\n"
                 "the private framebuffer it creates (nothing appears in /dev/shm).  Mouse,\n"
                 "keyboard, focus, resize and close go back to the producer as input events.\n"
                 "\n"
                 "  -s, --scale N            show every pixel as N x N (window sized to it)\n"
                 "  -r, --renderer KIND      software (default) or accelerated\n"
                 "      --vsync              wait for vertical sync when presenting\n"
                 "  -w, --wait               if NAME does not exist yet, wait for it\n"
                 "  -n, --frames N           exit after N frames were shown\n"
                 "  -t, --timeout S          exit after S seconds (fails if no frame was shown);\n"
                 "                           with PROGRAM also the longest wait for its\n"
                 "                           framebuffer (default 10 s)\n"
                 "  -o, --snapshot OUT.png   on exit, write what the window shows to OUT.png\n"
                 "      --no-input           don't send input events to the producer\n"
                 "  -k, --keep               when PROGRAM exits, keep its last frame shown\n"
                 "                           until the window is closed\n"
                 "  -h, --help               show this help\n"
                 "  -V, --version            show the version\n"
                 "\n"
                 "With PROGRAM the viewer exits with PROGRAM's status (128 + N when it was\n"
                 "killed by signal N).  Closing the window asks PROGRAM to quit; after 5 s\n"
                 "it is sent SIGTERM.\n"
                 "Without a display, set DISPLAY or SDL_VIDEODRIVER=offscreen.\n");
}

static int bad(const char *what, const char *arg)
{
    fprintf(stderr, VIEW_PROG ": invalid %s '%s' (try --help)\n", what, arg);
    return VIEW_ARGS_BAD;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 1e7)
        return false;
    *out = v;
    return true;
}

static int parse_renderer(const char *arg, struct view_options *o)
{
    if (strcmp(arg, "software") == 0)
        o->software = true;
    else if (strcmp(arg, "accelerated") == 0)
        o->software = false;
    else
        return bad("renderer", arg);
    return VIEW_ARGS_RUN;
}

static int set_flag(bool *flag)
{
    *flag = true;
    return VIEW_ARGS_RUN;
}

static int parse_one(int opt, const char *arg, struct view_options *o)
{
    long v;
    switch (opt) {
    case 's':
        if (!parse_long(arg, 1, 64, &v))
            return bad("scale", arg);
        o->scale = (int)v;
        return VIEW_ARGS_RUN;
    case 'r':
        return parse_renderer(arg, o);
    case 'S':
        return set_flag(&o->vsync);
    case 'w':
        return set_flag(&o->wait);
    case 'n':
        if (!parse_long(arg, 1, 1000000000L, &o->frames))
            return bad("frame count", arg);
        return VIEW_ARGS_RUN;
    case 't':
        return parse_seconds(arg, &o->timeout) ? VIEW_ARGS_RUN : bad("timeout", arg);
    case 'o':
        o->snapshot = arg;
        return VIEW_ARGS_RUN;
    case 'I':
        return set_flag(&o->no_input);
    case 'k':
        return set_flag(&o->keep);
    case 'h':
        view_usage(stdout);
        return VIEW_ARGS_EXIT_OK;
    case 'V':
        printf(VIEW_PROG " %d.%d.%d\n", SHMFB_VERSION_MAJOR, SHMFB_VERSION_MINOR,
               SHMFB_VERSION_PATCH);
        return VIEW_ARGS_EXIT_OK;
    default:
        fprintf(stderr, VIEW_PROG ": try --help\n");
        return VIEW_ARGS_BAD;
    }
}

/* Everything after the first "--" is the program to start. */
static int split_program(int argc, char **argv, struct view_options *o)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            o->program = argv + i + 1;
            return i;
        }
    }
    return argc;
}

static int check_program(int argc, struct view_options *o)
{
    if (optind != argc || !o->program[0]) {
        fprintf(stderr, VIEW_PROG ": %s (try --help)\n",
                optind != argc ? "give either NAME or -- PROGRAM, not both" : "missing PROGRAM");
        return VIEW_ARGS_BAD;
    }
    o->label = o->program[0];
    return VIEW_ARGS_RUN;
}

static int parse_name(int argc, char **argv, struct view_options *o)
{
    if (o->program)
        return check_program(argc, o);
    if (o->keep) {
        fprintf(stderr, VIEW_PROG ": --keep needs -- PROGRAM (try --help)\n");
        return VIEW_ARGS_BAD;
    }
    o->label = o->name;
    if (optind != argc - 1) {
        fprintf(stderr, VIEW_PROG ": %s (try --help)\n",
                optind >= argc ? "missing framebuffer NAME" : "too many arguments");
        return VIEW_ARGS_BAD;
    }
    int rc = shmfb_name_check(argv[optind], o->name, sizeof o->name);
    if (rc < 0) {
        fprintf(stderr, VIEW_PROG ": invalid framebuffer name '%s': %s\n", argv[optind],
                shmfb_strerror(rc));
        return VIEW_ARGS_BAD;
    }
    return VIEW_ARGS_RUN;
}

int view_parse_args(int argc, char **argv, struct view_options *o)
{
    static const struct option longopts[] = {
        {"scale", required_argument, NULL, 's'},    {"renderer", required_argument, NULL, 'r'},
        {"vsync", no_argument, NULL, 'S'},          {"wait", no_argument, NULL, 'w'},
        {"frames", required_argument, NULL, 'n'},   {"timeout", required_argument, NULL, 't'},
        {"snapshot", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},        {"no-input", no_argument, NULL, 'I'},
        {"keep", no_argument, NULL, 'k'},           {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->software = true;
    argc = split_program(argc, argv, o);
    int opt;
    while ((opt = getopt_long(argc, argv, "s:r:wn:t:o:hVk", longopts, NULL)) != -1) {
        int rc = parse_one(opt, optarg, o);
        if (rc != VIEW_ARGS_RUN)
            return rc;
    }
    return parse_name(argc, argv, o);
}
