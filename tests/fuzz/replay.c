/*
 * The fuzz harness as a plain test: runs every input of the given files and
 * directories (the seed corpus) through it once, in name order.  Any broken
 * expectation aborts; a run that found no input fails.
 *
 *   fuzz_replay CORPUS_DIR_OR_FILE...
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rbe");
    if (!f) {
        fprintf(stderr, "fuzz_replay: %s: cannot open\n", path);
        return -1;
    }
    uint8_t *data = malloc(1 << 20);
    size_t n = data ? fread(data, 1, 1 << 20, f) : 0;
    int bad = data == NULL || ferror(f);
    fclose(f);
    if (!bad)
        LLVMFuzzerTestOneInput(data, n);
    free(data);
    if (bad)
        fprintf(stderr, "fuzz_replay: %s: cannot read\n", path);
    return bad ? -1 : 1;
}

static int replay_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort), done = 0;
    if (n < 0) {
        fprintf(stderr, "fuzz_replay: %s: cannot list\n", dir);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        if (names[i]->d_name[0] != '.' && done >= 0) {
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
            int rc = replay_file(path);
            done = rc < 0 ? rc : done + rc;
        }
        free(names[i]);
    }
    free(names);
    return done;
}

int main(int argc, char **argv)
{
    int total = 0;
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int rc = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) ? replay_dir(argv[i])
                                                                : replay_file(argv[i]);
        if (rc < 0)
            return 1;
        total += rc;
    }
    printf("fuzz_replay: %d inputs replayed, every expectation held\n", total);
    return total > 0 ? 0 : 1;
}
