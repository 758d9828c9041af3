/* Command-line parsing for shmfb-vnc. */
#include "vnc.h"

#include "args.h"
#include "target.h"

#include <string.h>

static void vnc_usage(FILE *out, const char *prog)
{
    (void)prog;
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

static int port_value(const struct args *a, int *port)
{
    long v;
    if (args_long(a, 0, 65535, &v) < 0)
        return ARGS_EXIT_USAGE;
    *port = (int)v;
    return VNC_ARGS_RUN;
}

static int parse_one(const struct args *a, int opt, struct vnc_options *o)
{
    switch (opt) {
    case 'p':
        return port_value(a, &o->port);
    case 'w':
        return port_value(a, &o->web_port);
    case 'l':
        o->listen = a->value;
        return VNC_ARGS_RUN;
    case 'P':
        o->password_file = a->value;
        return VNC_ARGS_RUN;
    case 'N':
        o->novnc_dir = a->value;
        return VNC_ARGS_RUN;
    case 't':
        return args_double(a, 0.001, 1e6, &o->timeout) < 0 ? ARGS_EXIT_USAGE : VNC_ARGS_RUN;
    case 'I':
        o->no_input = true;
        return VNC_ARGS_RUN;
    default: /* 'v' */
        o->verbose = true;
        return VNC_ARGS_RUN;
    }
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
        {NULL, 0, NULL, 0},
    };
    struct args a = {
        .prog = VNC_PROG, .usage = vnc_usage, .shortopts = "p:l:w:t:v", .longopts = longopts};
    memset(o, 0, sizeof *o);
    o->port = VNC_DEFAULT_PORT;
    o->listen = "127.0.0.1";
    o->web_port = -1;
    o->novnc_dir = "/usr/share/novnc";
    args_start(&a, target_split(argc, argv, &o->target), argv);
    int opt;
    while ((opt = args_next(&a)) > 0) {
        int rc = parse_one(&a, opt, o);
        if (rc != VNC_ARGS_RUN)
            return rc;
    }
    if (opt == ARGS_STOP)
        return a.status;
    return target_check(&a, &o->target) == 0 ? VNC_ARGS_RUN : ARGS_EXIT_USAGE;
}
