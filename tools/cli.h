/* The shmfb command-line tool: subcommands and the helpers they share. */
#ifndef SHMFB_TOOLS_CLI_H
#define SHMFB_TOOLS_CLI_H

#include "args.h"

#include <stdbool.h>
#include <stdint.h>

/* Exit codes of every subcommand; CLI_RUN: the arguments are good, go on. */
enum {
    CLI_OK = ARGS_EXIT_OK,
    CLI_FAIL = ARGS_EXIT_FAIL,
    CLI_USAGE = ARGS_EXIT_USAGE,
    CLI_RUN = -1
};

int cli_demo(int argc, char **argv);
int cli_snap(int argc, char **argv);
int cli_ls(int argc, char **argv);
int cli_record(int argc, char **argv);

/* Prints "shmfb: <what>: <reason>" to stderr; returns CLI_FAIL. */
int cli_fail(const char *what, const char *reason);

#endif /* SHMFB_TOOLS_CLI_H */
