/*
 * What a consumer program (shmfb-view, shmfb-vnc) shows and how it keeps
 * showing it, outside libshmfb:
 *
 *   - its target: a framebuffer NAME, or a PROGRAM it starts
 *     ("PROG [options] NAME" or "PROG [options] -- PROGRAM [ARGS...]");
 *   - the started program's life: spawn, "created no framebuffer within
 *     N ms", its exit status, a close request, SIGTERM, SIGKILL;
 *   - what to do when a wait for frames fails (target_recover()).
 *
 * The policy is here, the threads are the caller's: nothing here starts
 * one, and each call uses only what it is given.  Messages go to stderr in
 * one line, "WHO: ...", like the ones of args.h.
 *
 *     struct target t;
 *     args_start(&a, target_split(argc, argv, &t), argv);
 *     while ((opt = args_next(&a)) > 0) ...
 *     if (opt == ARGS_STOP || target_check(&a, &t) != 0) ...exit...
 *     if (t.program)
 *         status = target_child_start(&ch, "PROG", t.program, 0, &c);
 *     else
 *         rc = target_open(t.name, &c);
 *     ...wait; on an error other than -ETIMEDOUT:
 *     switch (target_recover(c, &rc)) {
 *     case TARGET_GO_ON: ...wait again...
 *     case TARGET_GONE:  ...close c; a name: target_open() it again later...
 *     case TARGET_LATER: ...say rc, pause TARGET_RETRY_MS...
 *     }
 */
#ifndef SHMFB_TARGET_H
#define SHMFB_TARGET_H

#include "args.h"

#include <shmfb/shmfb.h>

#include <stdbool.h>
#include <stdint.h>

/** Longest wait for a started program's framebuffer when none is given. */
#define TARGET_SPAWN_WAIT_MS 10000
/** A started program gets this long to quit after a close request ... */
#define TARGET_CLOSE_GRACE_MS 5000
/** ... and this long after SIGTERM, before SIGKILL. */
#define TARGET_TERM_GRACE_MS 2000
/** The pause before trying again after TARGET_LATER or a failed open. */
#define TARGET_RETRY_MS 200

/* ------------------------------------------------------------------------ */
/* NAME or -- PROGRAM [ARGS...]                                             */
/* ------------------------------------------------------------------------ */

/** What a consumer shows. */
struct target {
    char name[SHMFB_NAME_MAX + 2]; /**< canonical framebuffer name; "" with a program */
    char **program;                /**< program and arguments (NULL-terminated, in
                                        the caller's argv), or NULL */
    const char *label;             /**< the name or the program, for titles and messages */
};

/**
 * Clears \p t and takes everything after the first "--" of argv as the
 * program to start.  \returns the argc to give args_start(): the arguments
 * before that "--" (all of them without one).
 */
int target_split(int argc, char **argv, struct target *t);

/**
 * After args_next() returned ARGS_DONE: either one NAME among the operands
 * (checked and made canonical) or, after target_split() found "--", no
 * operand and a PROGRAM.  Sets t->label.
 * \returns 0, or ARGS_EXIT_USAGE after saying what is wrong in one line
 *          (args_usage_error()).
 */
int target_check(const struct args *a, struct target *t);

/* ------------------------------------------------------------------------ */
/* Opening a name, and what to do when a wait fails                         */
/* ------------------------------------------------------------------------ */

/**
 * Opens the framebuffer \p name, attaches, and asks the producer for a
 * frame (an idle producer then presents at once).
 * \returns 0 with *out set, or a negative errno of shmfb_consumer_open() or
 *          shmfb_consumer_attach() with *out NULL.
 */
int target_open(const char *name, struct shmfb_consumer **out);

/**
 * Whether a failed target_open() is to be tried again after TARGET_RETRY_MS
 * rather than reported: always when the producer refused the connection
 * for now (-ECONNREFUSED, too many connections); with \p wait (the user
 * asked to wait for the name) also when the name does not exist yet or its
 * producer is starting or going away (-ENOENT, -EAGAIN, -EPIPE).
 */
bool target_open_later(int rc, bool wait);

/** What a consumer does after a failed wait; see target_recover(). */
enum target_next {
    TARGET_GO_ON, /**< attached again: wait again */
    TARGET_GONE,  /**< the producer closed or died: close the consumer; a
                       named target is opened again (target_open()), a
                       started program's exit is waited for */
    TARGET_LATER, /**< the consumer stays: say the error once, pause
                       TARGET_RETRY_MS, wait again */
};

/**
 * The recovery policy, after shmfb_consumer_wait() or _wait_any() on \p c
 * failed with *rc (anything but -ETIMEDOUT):
 *   - -ECONNRESET (dropped as stuck) or -ENOTCONN (not attached): attach
 *     again, and decide on attach's answer: TARGET_GO_ON when it worked;
 *   - -EPIPE: TARGET_GONE;
 *   - -ECONNREFUSED (attaching again was refused: the producer has too many
 *     connections) and anything else: TARGET_LATER.
 * *rc becomes the error that decided (attach's when attaching again failed).
 * Calls only shmfb_consumer_attach(): safe beside the calls the library
 * allows from other threads during a wait (sends, host calls).
 */
enum target_next target_recover(struct shmfb_consumer *c, int *rc);

/* ------------------------------------------------------------------------ */
/* A started program                                                        */
/* ------------------------------------------------------------------------ */

/** A program started with target_child_start().  Zero: none. */
struct target_child {
    int32_t pid;       /**< 0 once reaped (or never started) */
    int status;        /**< exit status to report: 0..255, 128 + signal */
    const char *who;   /**< the consumer program, first word of every message */
    const char *prog;  /**< the started program's name */
    const char *note;  /**< said after the exit line; NULL: say nothing */
    uint64_t close_at; /**< when it was asked to close (ms); 0: not asked */
    int signals_sent;  /**< since close_at: 1 SIGTERM, 2 SIGKILL */
};

/**
 * Starts \p program (shmfb_spawn()) and receives its private framebuffer,
 * attached, waiting up to \p timeout_s seconds (0 or less:
 * TARGET_SPAWN_WAIT_MS).
 * A program that ends first is reaped and its exit said ("PROG exited with
 * status 3 before it created a framebuffer"); one that sends nothing in
 * time is said ("created no framebuffer within N ms") and ended.  While the
 * program runs, an exit() of this process sends it SIGTERM (once started,
 * the program is never left running without anyone showing it).
 * \returns 0 with *out set; else an exit status for the consumer: the
 *          program's own, 127 when it cannot be found, 126 when it cannot
 *          be run, 1 otherwise; *out NULL and no program left running.
 */
int target_child_start(struct target_child *ch, const char *who, char **program, double timeout_s,
                       struct shmfb_consumer **out);

/**
 * The consumer is closing; \p told says whether the program got the close
 * request (an input event).  A program that cannot be asked, or is asked
 * twice, gets SIGTERM at once; otherwise target_child_watch() gives it
 * TARGET_CLOSE_GRACE_MS to quit.
 * \returns false when no program is running (nothing to wait for).
 */
bool target_child_close(struct target_child *ch, bool told);

/**
 * Call it regularly (each turn of a loop): reaps the program if it ended
 * (saying how, once), and after a close request sends SIGTERM, then SIGKILL,
 * when it takes too long.  Never blocks.
 * \returns true the one time it finds the program gone; ch->status is then
 *          its exit status.
 */
bool target_child_watch(struct target_child *ch);

/**
 * Ends a program still running when the consumer ends: SIGTERM, then
 * SIGKILL after TARGET_TERM_GRACE_MS; reaps it and says how it ended.
 * \returns true when there was one to end; ch->status is then its status.
 */
bool target_child_end(struct target_child *ch);

#endif /* SHMFB_TARGET_H */
