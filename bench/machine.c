/* What machine the figures were taken on. */
#include "bench_internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

static void cpu_model(char *out, size_t size)
{
    snprintf(out, size, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "re");
    if (f == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f) != NULL) {
        char *colon = strchr(line, ':');
        if (colon == NULL || strncmp(line, "model name", 10) != 0)
            continue;
        colon++;
        while (*colon == ' ' || *colon == '\t')
            colon++;
        snprintf(out, size, "%s", colon);
        trim(out);
        break;
    }
    fclose(f);
}

static bool read_line(const char *path, char *buf, int size)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return false;
    bool ok = fgets(buf, size, f) != NULL;
    fclose(f);
    return ok;
}

/* Size of one cache of cpu0 from sysfs ("32768K"), 0 if unknown. */
static size_t cache_size(int index, int *level)
{
    char path[96], buf[64];
    snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
    if (!read_line(path, buf, sizeof(buf)) || sscanf(buf, "%d", level) != 1)
        return 0;
    snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
    size_t n = 0;
    char unit = 'K';
    if (!read_line(path, buf, sizeof(buf)) || sscanf(buf, "%zu%c", &n, &unit) < 1)
        return 0;
    return unit == 'M' ? n << 20 : unit == 'K' ? n << 10 : n;
}

/* The last-level cache; 32 MiB when the system does not say. */
size_t bench_llc_bytes(void)
{
    size_t best = 0;
    int best_level = 0;
    for (int i = 0; i < 8; i++) {
        int level = 0;
        size_t n = cache_size(i, &level);
        if (n > 0 && level >= best_level) {
            best = n;
            best_level = level;
        }
    }
    if (best == 0) {
        long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
        best = l3 > 0 ? (size_t)l3 : (size_t)32 << 20;
    }
    return best;
}

void bench_machine_describe(struct bench_machine *m)
{
    memset(m, 0, sizeof(*m));
    cpu_model(m->cpu, sizeof(m->cpu));
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    m->cores = n > 0 ? (int)n : 1;
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(m->kernel, sizeof(m->kernel), "%s %s %s", u.sysname, u.release, u.machine);
    else
        snprintf(m->kernel, sizeof(m->kernel), "unknown kernel");
    m->llc_bytes = bench_llc_bytes();
    m->loadavg = -1;
    char buf[128];
    if (read_line("/proc/loadavg", buf, sizeof(buf)))
        sscanf(buf, "%lf", &m->loadavg);
}
