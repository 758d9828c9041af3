/* shmfb-bench: the benchmark as a program of its own. */
#include "bench.h"

int main(int argc, char **argv)
{
    return shmfb_bench_main(argc, argv);
}
