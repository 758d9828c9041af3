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
#include "args.h"

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

static const char usage_text[] =
    "usage: " PROG " [--name NAME] [--vm PATH] [VM options] IMAGE [image arguments]\n"
    "Runs a Squeak image in Debian's Squeak VM with its Display in a shmfb\n"
    "framebuffer.  This program's options come first; every word from the first\n"
    "other one on goes to the VM.\n"
    "\n"
    "  -n, --name NAME   create the framebuffer NAME (shmfb-view NAME, shmfb snap\n"
    "                    NAME); without it the VM must be started by a viewer:\n"
    "                      shmfb-view -- " PROG " /usr/share/scratch/Scratch.image\n"
    "      --vm PATH     the VM to run (default: $SHMFB_SQUEAK_VM, else Debian's\n"
    "                    " DEBIAN_VMS ")\n"
    "  -h, --help        show this help\n"
    "  -V, --version     show the version\n"
    "\n"
    "Display options for the VM: -swapbtn, -mapdelbs, -shmfb-max WxH (largest\n"
    "screen a viewer may resize to).\n";

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

/* How many leading words are this program's options: the VM's own options
 * (-memory 100m, -vm-sound-pulse, ...) must reach it untouched, so the
 * shared parser only sees ours. */
static int own_words(int argc, char **argv)
{
    int i = 1;
    while (i < argc) {
        const char *w = argv[i];
        if (!strcmp(w, "--name") || !strcmp(w, "-n") || !strcmp(w, "--vm"))
            i += 2;
        else if (!strcmp(w, "-h") || !strcmp(w, "--help") || !strcmp(w, "-V") ||
                 !strcmp(w, "--version") || !strncmp(w, "--name=", 7) || !strncmp(w, "--vm=", 5))
            i++;
        else
            break;
    }
    return i < argc ? i : argc;
}

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longs[] = {
        {"name", required_argument, NULL, 'n'}, {"vm", required_argument, NULL, 'm'}, {0}};
    struct args a = {.prog = PROG, .usage_text = usage_text, .shortopts = "n:", .longopts = longs};
    int opt;
    o->first = own_words(argc, argv);
    args_start(&a, o->first, argv);
    while ((opt = args_next(&a)) > 0) {
        if (opt == 'n')
            o->name = a.value;
        else
            o->vm = a.value;
    }
    if (opt == ARGS_STOP)
        return a.status;
    if (o->first >= argc)
        return args_usage_error(&a, "no image given");
    int bad = o->name ? shmfb_name_check(o->name, NULL, 0) : 0;
    if (bad < 0)
        return args_usage_error(&a, "--name %s: %s", o->name, shmfb_strerror(bad));
    if (!args_producer_name(o->name, NULL, &o->name))
        return args_usage_error(&a, "no framebuffer: give --name NAME, or start it from a "
                                    "viewer (shmfb-view -- " PROG " IMAGE)");
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
