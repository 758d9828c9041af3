/* Where the two processes of a measurement run (any CPU, two different
 * CPUs, one CPU), and the optional load: a process that keeps one CPU busy
 * for the whole run. */
#include "bench_internal.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

static struct {
    bool ready;
    int first, second; /* the first two CPUs we may run on; second -1 if none */
    int last;          /* the last one: where the load goes */
    cpu_set_t saved;   /* our own affinity outside a pinned measurement */
    bool pinned;
    int child_cpu; /* where the next helper process goes; -1 anywhere */
} place = {.child_cpu = -1};

static void place_init(void)
{
    if (place.ready)
        return;
    place.ready = true;
    place.first = place.second = place.last = -1;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set))
            continue;
        if (place.first < 0)
            place.first = cpu;
        else if (place.second < 0)
            place.second = cpu;
        place.last = cpu;
    }
}

static int pin_self(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

const char *bench_place_name(enum bench_place pl)
{
    return pl == BENCH_PLACE_SPLIT ? "split" : pl == BENCH_PLACE_SAME ? "same" : "any";
}

/* The CPUs a placement uses: ours and the helper's, -1 for any. */
bool bench_place_cpus(enum bench_place pl, int *self, int *child)
{
    place_init();
    *self = *child = -1;
    if (pl == BENCH_PLACE_ANY)
        return true;
    *self = place.first;
    *child = pl == BENCH_PLACE_SPLIT ? place.second : place.first;
    return *self >= 0 && *child >= 0;
}

/* Pins this process, and the helper processes it spawns from now on, until
 * bench_place_leave(). */
int bench_place_enter(enum bench_place pl)
{
    int self, child;
    if (!bench_place_cpus(pl, &self, &child))
        return -ENOTSUP;
    if (pl == BENCH_PLACE_ANY)
        return 0;
    if (sched_getaffinity(0, sizeof(place.saved), &place.saved) < 0)
        return -errno;
    int rc = pin_self(self);
    if (rc < 0)
        return rc;
    place.pinned = true;
    place.child_cpu = child;
    return 0;
}

void bench_place_leave(void)
{
    if (place.pinned)
        sched_setaffinity(0, sizeof(place.saved), &place.saved);
    place.pinned = false;
    place.child_cpu = -1;
}

/* In a freshly forked helper: go where the measurement wants it. */
int bench_place_child(void)
{
    return place.child_cpu >= 0 ? pin_self(place.child_cpu) : 0;
}

/* ---- load ------------------------------------------------------------- */

/* Plain arithmetic, never a pause or a sleep: a process that wants the
 * whole CPU, until it is killed or its parent goes. */
static int load_child(void *arg, const struct bench_peer *parent)
{
    (void)arg;
    volatile uint64_t sink = 1;
    while (bench_peer_alive(parent))
        for (int i = 0; i < 1 << 24; i++)
            sink = sink * 6364136223846793005u + 1442695040888963407u;
    return 0;
}

int bench_load_cpu(void)
{
    place_init();
    return place.last;
}

/* The parent pins the helper, so that a failure shows here. */
int bench_load_start(struct bench_peer *load)
{
    int cpu = bench_load_cpu();
    if (cpu < 0)
        return -ENOTSUP;
    int rc = bench_spawn(load_child, NULL, load);
    if (rc < 0)
        return rc;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(load->pid, sizeof(set), &set) < 0) {
        rc = -errno;
        bench_kill(load);
    }
    return rc;
}

void bench_load_stop(struct bench_peer *load)
{
    bench_kill(load);
}
