/*
 * shmfb benchmark: measures the library against the physical limits of the
 * machine and against the transports users would otherwise pick, in one run.
 */
#ifndef SHMFB_BENCH_H
#define SHMFB_BENCH_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Runs the benchmark as a command: parses \p argv (argv[0] is the program
 * name), prints a table (or JSON with --json) to stdout and progress and
 * errors to stderr.
 *
 * Forks helper processes, which never return from this function.  Shared
 * objects and helper processes are cleaned up before it returns, also when a
 * measurement fails.
 *
 * \returns 0 when every measurement ran, 1 when one failed, 2 for bad
 *          arguments.
 */
int shmfb_bench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* SHMFB_BENCH_H */
