/*
 * shmfb-squeak: runs Debian's Squeak VM with its Display in shmfb.
 *
 *   shmfb-squeak [--name NAME] [--vm PATH] [VM options] IMAGE [image arguments]
 *
 * Finds the VM and the vm-display-shmfb module, then replaces itself with
 *   VM -plugins MODULE_DIR/:VM_DIR/ -encoding UTF-8 -vm-display-shmfb
 *      [-shmfb-name NAME] [VM options] IMAGE [image arguments]
 * The module is loaded the moment the VM parses -vm-display-shmfb, so the
 * plugin path must already name its folder; the VM's own folder stays on it
 * so that its sound modules and plugins are still found.
 */
#include <shmfb/shmfb.h>

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG        "shmfb-squeak"
#define MODULE_FILE "so.vm-display-shmfb"
/* Where Debian's squeak-vm package puts the VM. */
#define DEBIAN_VMS "/usr/lib/squeak/*/squeakvm"
/* The module's folder relative to this program's, once installed. */
#ifndef SHMFB_SQUEAK_MODULE_REL
#define SHMFB_SQUEAK_MODULE_REL "../lib/shmfb"
#endif

struct options {
    const char *name; /* NULL: spawned by a viewer */
    const char *vm;   /* NULL: search */
    int first;        /* argv index of the first word passed on to the VM */
};

static void usage(FILE *f)
{
    fprintf(f, "usage: " PROG " [--name NAME] [--vm PATH] [VM options] IMAGE [image arguments]\n"
               "Runs a Squeak image in Debian's Squeak VM with its Display in a shmfb\n"
               "framebuffer.\n"
               "  --name NAME   create the framebuffer NAME (shmfb-view NAME, shmfb snap NAME);\n"
               "                without it the VM must be started by a viewer:\n"
               "                  shmfb-view -- " PROG " /usr/share/scratch/Scratch.image\n"
               "  --vm PATH     the VM to run (default: $SHMFB_SQUEAK_VM, else Debian's\n"
               "                " DEBIAN_VMS ")\n"
               "  -h, --help    this text;  -V, --version  the version\n"
               "Display options for the VM (after these): -swapbtn, -mapdelbs,\n"
               "-shmfb-max WxH (largest screen a viewer may resize to).\n");
}

/* One line on stderr; returns \p status. */
__attribute__((format(printf, 2, 3))) static int fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, PROG ": ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

/* "--opt VALUE" or "--opt=VALUE" at argv[*i]: 1 and *value set, 0 when not
 * this option, -1 when its value is missing. */
static int option_value(int argc, char **argv, int *i, const char *opt, const char **value)
{
    size_t n = strlen(opt);
    if (strncmp(argv[*i], opt, n) != 0)
        return 0;
    if (argv[*i][n] == '=') {
        *value = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        int r;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            printf(PROG " %d.%d.%d\n", SHMFB_VERSION_MAJOR, SHMFB_VERSION_MINOR,
                   SHMFB_VERSION_PATCH);
            return 0;
        }
        if ((r = option_value(argc, argv, &i, "--name", &o->name)) == 0)
            r = option_value(argc, argv, &i, "--vm", &o->vm);
        if (r < 0)
            return fail(2, "%s: needs a value (see --help)", a);
        if (r == 0)
            break;
    }
    o->first = i;
    if (i >= argc)
        return fail(2, "no image given (see --help)");
    int bad = o->name ? shmfb_name_check(o->name, NULL, 0) : 0;
    if (bad < 0)
        return fail(2, "--name %s: %s", o->name, shmfb_strerror(bad));
    if (!o->name && !getenv(SHMFB_SOCKET_ENV))
        return fail(2, "no framebuffer: give --name NAME, or start it from a viewer: "
                       "shmfb-view -- " PROG " IMAGE");
    return -1;
}

/* The VM: --vm, $SHMFB_SQUEAK_VM, or the newest of Debian's. */
static int find_vm(const struct options *o, char *out)
{
    const char *vm = o->vm ? o->vm : getenv("SHMFB_SQUEAK_VM");
    if (vm && *vm) {
        if (!realpath(vm, out) || access(out, X_OK) != 0)
            return fail(1, "the Squeak VM %s: %s", vm, strerror(errno));
        return 0;
    }
    glob_t g;
    int rc = glob(DEBIAN_VMS, 0, NULL, &g);
    bool found = false;
    for (size_t i = g.gl_pathc; rc == 0 && !found && i-- > 0;)
        found = access(g.gl_pathv[i], X_OK) == 0 && realpath(g.gl_pathv[i], out);
    globfree(&g);
    if (!found)
        return fail(1, "no Squeak VM in " DEBIAN_VMS " (install squeak-vm, or give --vm PATH)");
    return 0;
}

/* Cuts a path after its last '/', keeping the '/'. */
static void keep_folder(char *path)
{
    char *slash = strrchr(path, '/');
    if (slash)
        slash[1] = '\0';
}

static bool module_in(const char *dir, char *out)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s%s", dir, MODULE_FILE) >= (int)sizeof(path))
        return false;
    if (!realpath(path, out))
        return false;
    keep_folder(out);
    return true;
}

/* The module's folder: this program's own (the build tree), or the one it
 * is installed in. */
static int find_module(char *out)
{
    char self[PATH_MAX], dir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0)
        return fail(1, "cannot find myself: %s", strerror(errno));
    self[n] = '\0';
    keep_folder(self);
    if (module_in(self, out))
        return 0;
    if (snprintf(dir, sizeof(dir), "%s%s/", self, SHMFB_SQUEAK_MODULE_REL) < (int)sizeof(dir) &&
        module_in(dir, out))
        return 0;
    return fail(1, "cannot find " MODULE_FILE " next to %s or in %s", self, dir);
}

int main(int argc, char **argv)
{
    struct options o = {0};
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    static char vm[PATH_MAX], vm_dir[PATH_MAX], module_dir[PATH_MAX], plugins[2 * PATH_MAX + 2];
    if (find_vm(&o, vm) || find_module(module_dir))
        return 1;
    memcpy(vm_dir, vm, sizeof(vm_dir));
    keep_folder(vm_dir);
    snprintf(plugins, sizeof(plugins), "%s:%s", module_dir, vm_dir);

    char **args = calloc((size_t)argc + 10, sizeof(*args));
    if (!args)
        return fail(1, "%s", strerror(ENOMEM));
    int k = 0;
    args[k++] = vm;
    args[k++] = "-plugins";
    args[k++] = plugins;
    args[k++] = "-encoding";
    args[k++] = "UTF-8";
    args[k++] = "-vm-display-shmfb";
    if (o.name) {
        args[k++] = "-shmfb-name";
        args[k++] = (char *)o.name;
    }
    for (int i = o.first; i < argc; i++)
        args[k++] = argv[i];
    execv(vm, args);
    rc = fail(1, "cannot run %s: %s", vm, strerror(errno));
    free(args);
    return rc;
}
