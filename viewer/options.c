/* Command-line parsing for shmfb-view. */
#include "view.h"

#include "args.h"
#include "target.h"

#include <string.h>

static void view_usage(FILE *out, const char *prog)
{
    (void)prog;
    fprintf(out, "usage: " VIEW_PROG " [options] NAME\n"
                 "       " VIEW_PROG " [options] -- PROGRAM [ARGS...]\n"
                 "Shows the shmfb framebuffer NAME in a window, or starts PROGRAM and shows\n"
                 "the private framebuffer it creates (nothing appears in /dev/shm).  Mouse,\n"
                 "keyboard, focus, resize and close go back to the producer as input events;\n"
                 "the clipboard (text) goes both ways, files dropped on the window go to the\n"
                 "producer, and the producer's title names the window.\n"
                 "\n"
                 "  -s, --scale N            show every pixel as N x N (window sized to it)\n"
                 "  -r, --renderer KIND      software (default) or accelerated\n"
                 "      --present HOW        auto (default): while the window shows the frame\n"
                 "                           1:1 with the software renderer, send only what\n"
                 "                           changed to the display; renderer: always draw the\n"
                 "                           whole window through the renderer\n"
                 "      --vsync              wait for vertical sync when presenting\n"
                 "  -w, --wait               if NAME does not exist yet, wait for it\n"
                 "  -n, --frames N           exit after N frames were shown\n"
                 "  -t, --timeout S          exit after S seconds (fails if no frame was shown);\n"
                 "                           with PROGRAM also the longest wait for its\n"
                 "                           framebuffer (default 10 s)\n"
                 "  -o, --snapshot OUT.png   on exit, write what the window shows to OUT.png\n"
                 "      --no-input           don't send input events, the clipboard or drops\n"
                 "                           to the producer\n"
                 "  -f, --fullscreen         start full screen (F11 toggles; so may the\n"
                 "                           producer)\n"
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

static int parse_renderer(const struct args *a, struct view_options *o)
{
    if (strcmp(a->value, "software") == 0)
        o->software = true;
    else if (strcmp(a->value, "accelerated") == 0)
        o->software = false;
    else
        return args_usage_error(a, "invalid renderer '%s': expected software or accelerated",
                                a->value);
    return VIEW_ARGS_RUN;
}

static int parse_present(const struct args *a, struct view_options *o)
{
    if (strcmp(a->value, "auto") == 0)
        o->renderer_only = false;
    else if (strcmp(a->value, "renderer") == 0)
        o->renderer_only = true;
    else
        return args_usage_error(a, "invalid present mode '%s': expected auto or renderer",
                                a->value);
    return VIEW_ARGS_RUN;
}

static int set_flag(bool *flag)
{
    *flag = true;
    return VIEW_ARGS_RUN;
}

static int parse_one(const struct args *a, int opt, struct view_options *o)
{
    long v;
    switch (opt) {
    case 's':
        if (args_long(a, 1, 64, &v) < 0)
            return ARGS_EXIT_USAGE;
        o->scale = (int)v;
        return VIEW_ARGS_RUN;
    case 'r':
        return parse_renderer(a, o);
    case 'P':
        return parse_present(a, o);
    case 'S':
        return set_flag(&o->vsync);
    case 'w':
        return set_flag(&o->wait);
    case 'n':
        return args_long(a, 1, 1000000000L, &o->frames) < 0 ? ARGS_EXIT_USAGE : VIEW_ARGS_RUN;
    case 't':
        return args_double(a, 0.001, 1e7, &o->timeout) < 0 ? ARGS_EXIT_USAGE : VIEW_ARGS_RUN;
    case 'o':
        o->snapshot = a->value;
        return VIEW_ARGS_RUN;
    case 'I':
        return set_flag(&o->no_input);
    case 'f':
        return set_flag(&o->fullscreen);
    default: /* 'k' */
        return set_flag(&o->keep);
    }
}

static int parse_target(const struct args *a, struct view_options *o)
{
    if (o->keep && !o->target.program)
        return args_usage_error(a, "--keep needs -- PROGRAM");
    return target_check(a, &o->target) == 0 ? VIEW_ARGS_RUN : ARGS_EXIT_USAGE;
}

int view_parse_args(int argc, char **argv, struct view_options *o)
{
    static const struct option longopts[] = {
        {"scale", required_argument, NULL, 's'},    {"renderer", required_argument, NULL, 'r'},
        {"vsync", no_argument, NULL, 'S'},          {"wait", no_argument, NULL, 'w'},
        {"frames", required_argument, NULL, 'n'},   {"timeout", required_argument, NULL, 't'},
        {"snapshot", required_argument, NULL, 'o'}, {"no-input", no_argument, NULL, 'I'},
        {"keep", no_argument, NULL, 'k'},           {"present", required_argument, NULL, 'P'},
        {"fullscreen", no_argument, NULL, 'f'},     {NULL, 0, NULL, 0},
    };
    struct args a = {
        .prog = VIEW_PROG, .usage = view_usage, .shortopts = "s:r:wn:t:o:kf", .longopts = longopts};
    memset(o, 0, sizeof *o);
    o->software = true;
    args_start(&a, target_split(argc, argv, &o->target), argv);
    int opt;
    while ((opt = args_next(&a)) > 0) {
        int rc = parse_one(&a, opt, o);
        if (rc != VIEW_ARGS_RUN)
            return rc;
    }
    if (opt == ARGS_STOP)
        return a.status;
    return parse_target(&a, o);
}
