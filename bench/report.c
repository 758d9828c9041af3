/* The aligned table for people and the JSON document for scripts. */
#include "bench_internal.h"

#include <stdio.h>
#include <string.h>

double bench_fps(const struct bench_result *r)
{
    return r->p50_ns > 0 ? 1e9 / r->p50_ns : 0;
}

/* Bytes moved per iteration over the median iteration time. */
double bench_gbps(const struct bench_result *r)
{
    return r->p50_ns > 0 && r->bytes > 0 ? r->bytes / r->p50_ns : 0;
}

const char *bench_basis_name(enum bench_basis b)
{
    switch (b) {
    case BENCH_BASIS_P50:
        return "p50 time";
    case BENCH_BASIS_P99:
        return "p99 time";
    case BENCH_BASIS_FPS:
        return "frames/s";
    default:
        return "p99 us";
    }
}

static bool shows_size(const struct bench_result *r)
{
    return r->c->sizes != BENCH_UNSIZED;
}

static void size_text(char *out, size_t size, int32_t w, int32_t h)
{
    if (w > 0)
        snprintf(out, size, "%dx%d", w, h);
    else
        snprintf(out, size, "-");
}

/* What the consumer of a pacing that lets it skip frames got. */
static bool skips(const struct bench_result *r)
{
    return strcmp(r->c->name, "shmfb_free") == 0 || strcmp(r->c->name, "shmfb_mailbox") == 0 ||
           strcmp(r->c->name, "shmfb_mailbox_acquire") == 0;
}

static void note_text(char *out, size_t size, const struct bench_result *r)
{
    out[0] = '\0';
    if (r->skipped)
        snprintf(out, size, "skipped: %s", r->msg);
    else if (r->err != 0)
        snprintf(out, size, "FAILED: %s", r->msg);
    else if (strcmp(r->c->name, "memcpy_cold") == 0)
        snprintf(out, size, "pool of 2 x %.0f frames", r->extra);
    else if (skips(r))
        snprintf(out, size, "consumer got %.0f%%, %.0f frames/s", r->extra * 100, r->extra2);
    else if (strcmp(r->c->name, "memcpy_hot") == 0 && 2 * r->bytes > 32.0 * (1 << 20))
        snprintf(out, size, "two frames exceed most caches");
}

/* Prints a table line without the padding of an empty last column. */
static void puts_trimmed(char *line)
{
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == ' ')
        line[--n] = '\0';
    puts(line);
}

static void print_row(const struct bench_result *r)
{
    char size[32], note[BENCH_ERR_MAX + 16], gb[16] = "-", line[BENCH_ERR_MAX + 200];
    size_text(size, sizeof(size), shows_size(r) ? r->width : 0, r->height);
    note_text(note, sizeof(note), r);
    const char *pl = bench_place_name(r->place);
    if (r->bytes > 0)
        snprintf(gb, sizeof(gb), "%.2f", bench_gbps(r));
    if (r->err != 0 || r->count == 0)
        snprintf(line, sizeof(line), "%-22s %-10s %-5s %7d  %s", r->c->name, size, pl, r->count,
                 note);
    else
        snprintf(line, sizeof(line), "%-22s %-10s %-5s %7d %10.2f %10.2f %10.1f %6s  %s",
                 r->c->name, size, pl, r->count, r->p50_ns / 1e3, r->p99_ns / 1e3, bench_fps(r), gb,
                 note);
    puts_trimmed(line);
}

static bool ratio_met(const struct bench_ratio *q)
{
    return q->at_most ? q->value <= q->target : q->value >= q->target;
}

static void print_ratio(const struct bench_ratio *q)
{
    char size[32], target[24] = "-", value[24] = "n/a";
    const char *verdict = "";
    size_text(size, sizeof(size), q->width, q->height);
    if (q->target > 0)
        snprintf(target, sizeof(target), "%s %.2f", q->at_most ? "<=" : ">=", q->target);
    if (q->value >= 0) {
        snprintf(value, sizeof(value), "%.2f", q->value);
        verdict = q->target <= 0 ? "" : ratio_met(q) ? "met" : "NOT met";
    }
    char line[200];
    snprintf(line, sizeof(line), "%-36s %-10s %-5s %-9s %7s  %-9s %s", q->name, size,
             bench_place_name(q->place), bench_basis_name(q->basis), value, target, verdict);
    puts_trimmed(line);
}

static void print_header(const struct bench_report *rep)
{
    const struct bench_machine *m = &rep->machine;
    printf("shmfb bench: %s run, %d interleaved round%s, two processes where a peer is involved\n",
           rep->mode, rep->rounds, rep->rounds == 1 ? "" : "s");
    printf("machine: %s, %d cores, %s, last-level cache %zu KiB, load average %.2f\n", m->cpu,
           m->cores, m->kernel, m->llc_bytes >> 10, m->loadavg);
    if (rep->load_cpu >= 0)
        printf("load: a process spinning on CPU %d for the whole run\n", rep->load_cpu);
    else
        printf("load: none added\n");
    if (rep->split_cpus[1] >= 0)
        printf("cpus: any = where the scheduler likes; split = this process on CPU %d, the peer "
               "on CPU %d; same = both on CPU %d\n\n",
               rep->split_cpus[0], rep->split_cpus[1], rep->split_cpus[0]);
    else
        printf("cpus: any = where the scheduler likes; split is skipped (one CPU); same = both on "
               "CPU %d\n\n",
               rep->split_cpus[0]);
}

static void print_legend(const struct bench_report *rep)
{
    printf("\nframes/s = 1 s / p50; GB/s = pixel bytes delivered per iteration / p50.\n");
    printf("Ratios compare medians (or p99s) taken in this run.  Measurements:\n");
    const struct bench_case *seen[64];
    int nseen = 0;
    for (int i = 0; i < rep->nresults && nseen < 64; i++) {
        const struct bench_case *c = rep->results[i].c;
        bool dup = false;
        for (int k = 0; k < nseen; k++)
            dup |= seen[k] == c;
        if (!dup) {
            seen[nseen++] = c;
            printf("  %-22s %s\n", c->name, c->what);
        }
    }
}

void bench_print_table(const struct bench_report *rep)
{
    print_header(rep);
    printf("%-22s %-10s %-5s %7s %10s %10s %10s %6s\n", "measurement", "size", "cpus", "iters",
           "p50 us", "p99 us", "frames/s", "GB/s");
    for (int i = 0; i < rep->nresults; i++)
        print_row(&rep->results[i]);
    printf("\n%-36s %-10s %-5s %-9s %7s  %s\n", "ratio", "size", "cpus", "basis", "value",
           "target");
    for (int i = 0; i < rep->nratios; i++)
        print_ratio(&rep->ratios[i]);
    print_legend(rep);
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void json_number(const char *key, double v, bool valid)
{
    if (valid)
        printf(", \"%s\": %.6g", key, v);
    else
        printf(", \"%s\": null", key);
}

static void json_result(const struct bench_result *r)
{
    bool ok = r->err == 0 && r->count > 0;
    printf("    {\"name\": ");
    json_string(r->c->name);
    printf(", \"width\": %d, \"height\": %d, \"cpus\": \"%s\", \"iterations\": %d, "
           "\"ok\": %s, \"skipped\": %s",
           shows_size(r) ? r->width : 0, shows_size(r) ? r->height : 0, bench_place_name(r->place),
           r->count, ok ? "true" : "false", r->skipped ? "true" : "false");
    json_number("p50_ns", r->p50_ns, ok);
    json_number("p99_ns", r->p99_ns, ok);
    json_number("fps", bench_fps(r), ok);
    json_number("gbps", bench_gbps(r), ok && r->bytes > 0);
    json_number("bytes_per_iteration", r->bytes, true);
    if (skips(r)) {
        json_number("consumer_share", r->extra, ok);
        json_number("consumer_fps", r->extra2, ok);
    }
    printf(", \"error\": ");
    if (r->err != 0 || r->skipped)
        json_string(r->msg);
    else
        printf("null");
    printf("}");
}

static void json_ratio(const struct bench_ratio *q)
{
    bool valid = q->value >= 0;
    printf("    {\"name\": ");
    json_string(q->name);
    printf(", \"basis\": ");
    json_string(bench_basis_name(q->basis));
    printf(", \"width\": %d, \"height\": %d, \"cpus\": \"%s\"", q->width, q->height,
           bench_place_name(q->place));
    json_number("value", q->value, valid);
    json_number("target", q->target, q->target > 0);
    printf(", \"target_is\": \"%s\", \"met\": ", q->at_most ? "max" : "min");
    if (!valid || q->target <= 0)
        printf("null}");
    else
        printf("%s}", ratio_met(q) ? "true" : "false");
}

void bench_print_json(const struct bench_report *rep)
{
    const struct bench_machine *m = &rep->machine;
    printf("{\n  \"machine\": {\"cpu\": ");
    json_string(m->cpu);
    printf(", \"cores\": %d, \"kernel\": ", m->cores);
    json_string(m->kernel);
    printf(", \"llc_bytes\": %zu", m->llc_bytes);
    json_number("loadavg", m->loadavg, m->loadavg >= 0);
    printf("},\n  \"load_cpu\": ");
    if (rep->load_cpu >= 0)
        printf("%d", rep->load_cpu);
    else
        printf("null");
    printf(",\n  \"split_cpus\": [%d, %d],\n  \"mode\": ", rep->split_cpus[0], rep->split_cpus[1]);
    json_string(rep->mode);
    printf(",\n  \"rounds\": %d,\n  \"results\": [\n", rep->rounds);
    for (int i = 0; i < rep->nresults; i++) {
        json_result(&rep->results[i]);
        printf(i + 1 < rep->nresults ? ",\n" : "\n");
    }
    printf("  ],\n  \"ratios\": [\n");
    for (int i = 0; i < rep->nratios; i++) {
        json_ratio(&rep->ratios[i]);
        printf(i + 1 < rep->nratios ? ",\n" : "\n");
    }
    printf("  ]\n}\n");
}
