/* The shmfb command-line tool: subcommands and the helpers they share. */
#ifndef SHMFB_TOOLS_CLI_H
#define SHMFB_TOOLS_CLI_H

#include <stdbool.h>
#include <stdint.h>

/* Exit codes of every subcommand. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

int cli_demo(int argc, char **argv);
int cli_snap(int argc, char **argv);
int cli_ls(int argc, char **argv);

/* Prints "shmfb: <what>: <reason>" to stderr; returns CLI_FAIL. */
int cli_fail(const char *what, const char *reason);

/* Prints "shmfb: <message>" and a pointer to --help; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when \p arg is --help or -h. */
bool cli_is_help(const char *arg);

/* True when any of argv[1..argc-1] asks for help. */
bool cli_wants_help(int argc, char **argv);

/*
 * Matches option \p name at argv[*i], as "--name VALUE" or "--name=VALUE".
 * Returns 1 and sets *value (advancing *i past a separate value), 0 when
 * argv[*i] is another option, -1 when the value is missing.
 */
int cli_option(int argc, char **argv, int *i, const char *name, const char **value);

/* Parsers: 0 on success, -1 for malformed or out-of-range input. */
int cli_parse_size(const char *s, int32_t *w, int32_t *h);
int cli_parse_int(const char *s, long min, long max, long *out);
int cli_parse_u64(const char *s, uint64_t *out);
int cli_parse_seconds(const char *s, double *out);

#endif /* SHMFB_TOOLS_CLI_H */
