/* Command-line parsing for shmfb-vnc. */
#include "vnc.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

void vnc_usage(FILE *out)
{
    fprintf(out,
            "usage: " VNC_PROG " [options] NAME\n"
            "       " VNC_PROG " [options] -- PROGRAM [ARGS...]\n"
            "Serves the shmfb framebuffer NAME (or the private one PROGRAM creates) to VNC\n"
            "clients, and with --web to a browser through noVNC.  Pointer, buttons, wheel,\n"
            "keys and typed text go back to the producer; so do clients' desktop size\n"
            "requests, as resize requests.\n"
            "\n"
            "  -p, --port N             RFB port (default 5900, display :0); 0 picks a free one\n"
            "  -l, --listen ADDR        address to listen on (default 127.0.0.1); anything\n"
            "                           but loopback needs --password-file\n"
            "  -w, --web PORT           also serve noVNC at http://ADDR:PORT/vnc.html\n"
            "                           (websockify); 0 picks a free port\n"
            "      --password-file FILE VNC password authentication; the password is the\n"
            "                           file's first line (VNC uses its first 8 characters)\n"
            "      --novnc DIR          noVNC's files (default /usr/share/novnc)\n"
            "  -t, --timeout S          with PROGRAM: longest wait for its framebuffer\n"
            "                           (default 10 s)\n"
            "      --no-input           ignore clients' pointer and keys (view only)\n"
            "  -v, --verbose            show libvncserver's and websockify's messages\n"
            "  -h, --help               show this help\n"
            "  -V, --version            show the version\n"
            "\n"
            "One line on stderr says where it serves, and one when a client connects or\n"
            "leaves.  With PROGRAM it exits with PROGRAM's status (128 + N when killed by\n"
            "signal N); SIGINT or SIGTERM stop it (and PROGRAM).\n");
}

static int bad(const char *what, const char *arg)
{
    fprintf(stderr, VNC_PROG ": invalid %s '%s' (try --help)\n", what, arg);
    return VNC_ARGS_BAD;
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
    if (errno || end == s || *end || !(v > 0) || v > 1e6)
        return false;
    *out = v;
    return true;
}

static int parse_port(const char *arg, int *port, const char *what)
{
    long v;
    if (!parse_long(arg, 0, 65535, &v))
        return bad(what, arg);
    *port = (int)v;
    return VNC_ARGS_RUN;
}

static int parse_one(int opt, const char *arg, struct vnc_options *o)
{
    switch (opt) {
    case 'p':
        return parse_port(arg, &o->port, "port");
    case 'l':
        o->listen = arg;
        return VNC_ARGS_RUN;
    case 'w':
        return parse_port(arg, &o->web_port, "web port");
    case 'P':
        o->password_file = arg;
        return VNC_ARGS_RUN;
    case 'N':
        o->novnc_dir = arg;
        return VNC_ARGS_RUN;
    case 't':
        return parse_seconds(arg, &o->timeout) ? VNC_ARGS_RUN : bad("timeout", arg);
    case 'I':
        o->no_input = true;
        return VNC_ARGS_RUN;
    case 'v':
        o->verbose = true;
        return VNC_ARGS_RUN;
    case 'h':
        vnc_usage(stdout);
        return VNC_ARGS_EXIT_OK;
    case 'V':
        printf(VNC_PROG " %d.%d.%d\n", SHMFB_VERSION_MAJOR, SHMFB_VERSION_MINOR,
               SHMFB_VERSION_PATCH);
        return VNC_ARGS_EXIT_OK;
    default:
        fprintf(stderr, VNC_PROG ": try --help\n");
        return VNC_ARGS_BAD;
    }
}

/* Everything after the first "--" is the program to start. */
static int split_program(int argc, char **argv, struct vnc_options *o)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            o->program = argv + i + 1;
            return i;
        }
    }
    return argc;
}

static int parse_target(int argc, char **argv, struct vnc_options *o)
{
    if (o->program) {
        if (optind != argc || !o->program[0]) {
            fprintf(stderr, VNC_PROG ": %s (try --help)\n",
                    optind != argc ? "give either NAME or -- PROGRAM, not both"
                                   : "missing PROGRAM");
            return VNC_ARGS_BAD;
        }
        o->label = o->program[0];
        return VNC_ARGS_RUN;
    }
    if (optind != argc - 1) {
        fprintf(stderr, VNC_PROG ": %s (try --help)\n",
                optind >= argc ? "missing framebuffer NAME" : "too many arguments");
        return VNC_ARGS_BAD;
    }
    int rc = shmfb_name_check(argv[optind], o->name, sizeof o->name);
    if (rc < 0) {
        fprintf(stderr, VNC_PROG ": invalid framebuffer name '%s': %s\n", argv[optind],
                shmfb_strerror(rc));
        return VNC_ARGS_BAD;
    }
    o->label = o->name;
    return VNC_ARGS_RUN;
}

int vnc_parse_args(int argc, char **argv, struct vnc_options *o)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},
        {"listen", required_argument, NULL, 'l'},
        {"web", required_argument, NULL, 'w'},
        {"password-file", required_argument, NULL, 'P'},
        {"novnc", required_argument, NULL, 'N'},
        {"timeout", required_argument, NULL, 't'},
        {"no-input", no_argument, NULL, 'I'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->port = VNC_DEFAULT_PORT;
    o->listen = "127.0.0.1";
    o->web_port = -1;
    o->novnc_dir = "/usr/share/novnc";
    argc = split_program(argc, argv, o);
    int opt;
    while ((opt = getopt_long(argc, argv, "p:l:w:t:vhV", longopts, NULL)) != -1) {
        int rc = parse_one(opt, optarg, o);
        if (rc != VNC_ARGS_RUN)
            return rc;
    }
    return parse_target(argc, argv, o);
}
