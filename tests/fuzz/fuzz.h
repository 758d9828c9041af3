/* The fuzz harness's entry points: libFuzzer calls them in the fuzzing
 * build, replay.c in the plain one. */
#ifndef SHMFB_FUZZ_H
#define SHMFB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
