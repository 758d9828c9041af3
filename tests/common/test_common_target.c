/*
 * common/target.c: NAME or -- PROGRAM parsing, the recovery policy against
 * a real producer, and a started program's life (spawn_child of tests/core
 * is the program: "exit" exits 7, "sleep" never creates a framebuffer,
 * "hold" presents one frame and sleeps).
 */
#include "target.h"
#include "testutil.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */
/* ------------------------------------------------------------------------ */

/* Parses argv (NULL-terminated, argv[0] "prog") with one option, -x, the
 * way the consumer programs do.  \returns target_check()'s answer, or -1
 * when getopt stopped first. */
static int parse(char **argv, struct target *t)
{
    static const struct option longopts[] = {{"x", no_argument, NULL, 'x'}, {NULL, 0, NULL, 0}};
    int argc = 0;
    while (argv[argc])
        argc++;
    struct args a = {
        .prog = "prog", .usage_text = "usage\n", .shortopts = "x", .longopts = longopts};
    args_start(&a, target_split(argc, argv, t), argv);
    int opt;
    while ((opt = args_next(&a)) > 0)
        ;
    if (opt == ARGS_STOP)
        return -1;
    return target_check(&a, t);
}

START_TEST(parse_name)
{
    struct target t;
    char *argv[] = {"prog", "-x", "demo", NULL};
    ck_assert_int_eq(parse(argv, &t), 0);
    ck_assert_str_eq(t.name, "/demo");
    ck_assert_ptr_eq(t.label, t.name);
    ck_assert_ptr_null(t.program);
}
END_TEST

START_TEST(parse_program)
{
    struct target t;
    char *argv[] = {"prog", "-x", "--", "toy", "--help", "-x", NULL};
    ck_assert_int_eq(parse(argv, &t), 0);
    ck_assert_ptr_eq(t.program, argv + 3); /* the program's options are its own */
    ck_assert_str_eq(t.program[0], "toy");
    ck_assert_str_eq(t.program[1], "--help");
    ck_assert_ptr_null(t.program[3]);
    ck_assert_str_eq(t.label, "toy");
    ck_assert_str_eq(t.name, "");
}
END_TEST

START_TEST(parse_split_count)
{
    struct target t;
    char *none[] = {"prog", "a", "b", NULL};
    ck_assert_int_eq(target_split(3, none, &t), 3);
    ck_assert_ptr_null(t.program);
    char *two[] = {"prog", "a", "--", "b", "--", "c", NULL};
    ck_assert_int_eq(target_split(6, two, &t), 2); /* the first "--" */
    ck_assert_str_eq(t.program[0], "b");
    ck_assert_str_eq(t.program[1], "--");
}
END_TEST

START_TEST(parse_errors)
{
    struct target t;
    char *missing[] = {"prog", "-x", NULL};
    char *two[] = {"prog", "a", "b", NULL};
    char *both[] = {"prog", "a", "--", "toy", NULL};
    char *noprog[] = {"prog", "--", NULL};
    char *bad[] = {"prog", "a/b", NULL};
    char *dots[] = {"prog", "..", NULL};
    ck_assert_int_eq(parse(missing, &t), ARGS_EXIT_USAGE);
    ck_assert_int_eq(parse(two, &t), ARGS_EXIT_USAGE);
    ck_assert_int_eq(parse(both, &t), ARGS_EXIT_USAGE);
    ck_assert_int_eq(parse(noprog, &t), ARGS_EXIT_USAGE);
    ck_assert_int_eq(parse(bad, &t), ARGS_EXIT_USAGE);
    ck_assert_int_eq(parse(dots, &t), ARGS_EXIT_USAGE);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Opening and the recovery policy                                          */
/* ------------------------------------------------------------------------ */

START_TEST(open_later_table)
{
    ck_assert(target_open_later(-ECONNREFUSED, false));
    ck_assert(target_open_later(-ECONNREFUSED, true));
    ck_assert(!target_open_later(-ENOENT, false));
    ck_assert(!target_open_later(-EPIPE, false));
    ck_assert(!target_open_later(-EAGAIN, false));
    ck_assert(target_open_later(-ENOENT, true));
    ck_assert(target_open_later(-EPIPE, true));
    ck_assert(target_open_later(-EAGAIN, true));
    ck_assert(!target_open_later(-EACCES, true));
    ck_assert(!target_open_later(-EPROTO, true));
}
END_TEST

static struct shmfb_producer *make_producer(char *name, size_t size)
{
    tu_name(name, size, "target");
    struct shmfb_producer_desc d = {.max_width = 8, .max_height = 8};
    struct shmfb_producer *p;
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), 0);
    return p;
}

START_TEST(open_missing)
{
    char name[64];
    tu_name(name, sizeof name, "missing");
    struct shmfb_consumer *c = (struct shmfb_consumer *)1;
    ck_assert_int_eq(target_open(name, &c), -ENOENT);
    ck_assert_ptr_null(c);
}
END_TEST

START_TEST(open_attaches)
{
    char name[64];
    struct shmfb_producer *p = make_producer(name, sizeof name);
    struct shmfb_consumer *c;
    ck_assert_int_eq(target_open(name, &c), 0);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(shmfb_consumer_attach(c), -EISCONN);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

START_TEST(recover_attaches_again)
{
    char name[64];
    struct shmfb_producer *p = make_producer(name, sizeof name);
    struct shmfb_consumer *c;
    ck_assert_int_eq(target_open(name, &c), 0);
    ck_assert_int_eq(shmfb_consumer_detach(c), 0);
    int rc = -ENOTCONN;
    ck_assert_int_eq(target_recover(c, &rc), TARGET_GO_ON);
    ck_assert_int_eq(shmfb_consumer_attach(c), -EISCONN); /* it took a slot */
    rc = -ECONNRESET;                                     /* attached already: fine too */
    ck_assert_int_eq(target_recover(c, &rc), TARGET_GO_ON);
    ck_assert_int_eq(shmfb_consumer_detach(c), 0);
    rc = -ECONNRESET;
    ck_assert_int_eq(target_recover(c, &rc), TARGET_GO_ON);
    ck_assert_int_eq(shmfb_consumer_attach(c), -EISCONN);
    shmfb_consumer_close(c);
    shmfb_producer_destroy(p);
}
END_TEST

START_TEST(recover_gone_and_later)
{
    char name[64];
    struct shmfb_producer *p = make_producer(name, sizeof name);
    struct shmfb_consumer *c;
    ck_assert_int_eq(target_open(name, &c), 0);
    int rc = -EPIPE;
    ck_assert_int_eq(target_recover(c, &rc), TARGET_GONE);
    ck_assert_int_eq(rc, -EPIPE);
    rc = -ECONNREFUSED;
    ck_assert_int_eq(target_recover(c, &rc), TARGET_LATER);
    ck_assert_int_eq(rc, -ECONNREFUSED);
    rc = -EBADMSG;
    ck_assert_int_eq(target_recover(c, &rc), TARGET_LATER);
    ck_assert_int_eq(rc, -EBADMSG);
    /* Dropped, and the producer is gone meanwhile: attaching again says so. */
    ck_assert_int_eq(shmfb_consumer_detach(c), 0);
    shmfb_producer_destroy(p);
    rc = -ECONNRESET;
    ck_assert_int_eq(target_recover(c, &rc), TARGET_GONE);
    ck_assert_int_eq(rc, -EPIPE);
    shmfb_consumer_close(c);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* A started program                                                        */
/* ------------------------------------------------------------------------ */

static int start(struct target_child *ch, const char *mode, double timeout_s,
                 struct shmfb_consumer **out)
{
    char *argv[] = {SPAWN_CHILD, (char *)mode, NULL};
    return target_child_start(ch, "test", argv, timeout_s, out);
}

START_TEST(child_exits_first)
{
    struct target_child ch;
    struct shmfb_consumer *c = (struct shmfb_consumer *)1;
    ck_assert_int_eq(start(&ch, "exit", 0, &c), 7); /* its own status */
    ck_assert_ptr_null(c);
    ck_assert_int_eq(ch.pid, 0);
    ck_assert(!target_child_end(&ch));
}
END_TEST

START_TEST(child_not_found)
{
    struct target_child ch;
    struct shmfb_consumer *c;
    char *argv[] = {"/nonexistent/shmfb-no-such-program", NULL};
    ck_assert_int_eq(target_child_start(&ch, "test", argv, 0, &c), 127);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(ch.pid, 0);
}
END_TEST

START_TEST(child_no_framebuffer)
{
    struct target_child ch;
    struct shmfb_consumer *c;
    int64_t t0 = tu_now_ms();
    ck_assert_int_eq(start(&ch, "sleep", 0.3, &c), 1);
    ck_assert_int_le(tu_now_ms() - t0, 0.3 * 1000 + TARGET_TERM_GRACE_MS + 5000);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(ch.pid, 0); /* ended and reaped */
    ck_assert_int_eq(ch.status, 128 + SIGTERM);
}
END_TEST

START_TEST(child_shown_then_closed)
{
    struct target_child ch;
    struct shmfb_consumer *c;
    ck_assert_int_eq(start(&ch, "hold", 0, &c), 0);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_gt(ch.pid, 0);
    struct shmfb_frame f;
    ck_assert_int_eq(shmfb_consumer_wait(c, 5000, &f), 0); /* attached: the held frame */
    ck_assert_int_eq(f.width, 16);
    ck_assert(!target_child_watch(&ch)); /* running */
    /* It cannot be asked (no input sent): SIGTERM at once. */
    ck_assert(target_child_close(&ch, false));
    int64_t t0 = tu_now_ms();
    while (!target_child_watch(&ch) && tu_now_ms() - t0 < 10000)
        usleep(10000);
    ck_assert_int_eq(ch.pid, 0);
    ck_assert_int_eq(ch.status, 128 + SIGTERM);
    ck_assert(!target_child_watch(&ch)); /* reported once */
    ck_assert(!target_child_close(&ch, true));
    ck_assert_int_eq(shmfb_consumer_wait(c, 5000, &f), -EPIPE);
    shmfb_consumer_close(c);
}
END_TEST

START_TEST(child_asked_twice)
{
    struct target_child ch;
    struct shmfb_consumer *c;
    ck_assert_int_eq(start(&ch, "hold", 0, &c), 0);
    /* Told once: it gets its grace period, no signal yet. */
    ck_assert(target_child_close(&ch, true));
    ck_assert_int_eq(ch.signals_sent, 0);
    ck_assert(!target_child_watch(&ch));
    ck_assert_int_gt(ch.pid, 0);
    ck_assert_int_eq(kill(ch.pid, 0), 0);
    /* Closed again while waiting: SIGTERM at once. */
    ck_assert(target_child_close(&ch, true));
    ck_assert_int_eq(ch.signals_sent, 1);
    int64_t t0 = tu_now_ms();
    while (!target_child_watch(&ch) && tu_now_ms() - t0 < 10000)
        usleep(10000);
    ck_assert_int_eq(ch.status, 128 + SIGTERM);
    shmfb_consumer_close(c);
}
END_TEST

START_TEST(child_ended_with_consumer)
{
    struct target_child ch;
    struct shmfb_consumer *c;
    ck_assert_int_eq(start(&ch, "hold", 0, &c), 0);
    ck_assert(target_child_end(&ch));
    ck_assert_int_eq(ch.pid, 0);
    ck_assert_int_eq(ch.status, 128 + SIGTERM);
    ck_assert(!target_child_end(&ch));
    shmfb_consumer_close(c);
}
END_TEST

static Suite *target_suite(void)
{
    Suite *s = suite_create("common_target");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, parse_name);
    tcase_add_test(tc, parse_program);
    tcase_add_test(tc, parse_split_count);
    tcase_add_test(tc, parse_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("policy");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_add_test(tc, open_later_table);
    tcase_add_test(tc, open_missing);
    tcase_add_test(tc, open_attaches);
    tcase_add_test(tc, recover_attaches_again);
    tcase_add_test(tc, recover_gone_and_later);
    suite_add_tcase(s, tc);
    tc = tcase_create("child");
    tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
    tcase_add_test(tc, child_exits_first);
    tcase_add_test(tc, child_not_found);
    tcase_add_test(tc, child_no_framebuffer);
    tcase_add_test(tc, child_shown_then_closed);
    tcase_add_test(tc, child_asked_twice);
    tcase_add_test(tc, child_ended_with_consumer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(target_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
