/* The spawned handshake: shmfb_spawn(), a producer created with no name,
 * shmfb_consumer_open_socket(). */
#include "testutil.h"

#include <shmfb/shmfb.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static struct shmfb_event text(uint32_t cp, uint32_t t)
{
    return (struct shmfb_event){.type = SHMFB_EVENT_TEXT, .time_ms = t, .code = cp};
}

static int count_dev_shm(void)
{
    DIR *d = opendir("/dev/shm");
    int n = 0;
    while (d && readdir(d))
        n++;
    if (d)
        closedir(d);
    return n;
}

START_TEST(spawned_frames)
{
    int before = count_dev_shm();
    char *argv[] = {SPAWN_CHILD, "frames", "3", NULL};
    int32_t pid;
    int sock;
    ck_assert_int_eq(shmfb_spawn(argv, &pid, &sock), 0);
    struct shmfb_consumer *c;
    int rc = shmfb_consumer_open_socket(sock, 5000, NULL, &c);
    ck_assert_msg(rc == 0, "open_socket: %s", shmfb_strerror(rc));
    ck_assert_int_eq(shmfb_consumer_attach(c), 0);
    /* Private: nothing was created in /dev/shm. */
    ck_assert_int_eq(count_dev_shm(), before);
    struct shmfb_event go = text('g', 1);
    ck_assert_int_eq(shmfb_consumer_send(c, &go), 0);
    for (uint32_t i = 1; i <= 3; i++) {
        struct shmfb_frame f;
        ck_assert_int_eq(shmfb_consumer_wait(c, 5000, &f), 0);
        ck_assert_uint_eq(f.seq, i);
        ck_assert_uint_eq(f.pixels[0], 0xFF000000u | i);
        ck_assert_int_eq(shmfb_consumer_release(c), 0);
    }
    ck_assert_int_eq(tu_wait_child(pid, 5000), 3);
    struct shmfb_frame f;
    ck_assert_int_eq(shmfb_consumer_wait(c, 3000, &f), -EPIPE);
    shmfb_consumer_close(c);
    close(sock);
}
END_TEST

START_TEST(spawned_failures)
{
    int32_t pid;
    int sock;
    struct shmfb_consumer *c;
    char *missing[] = {"/nonexistent/shmfb-no-such-program", NULL};
    ck_assert_int_eq(shmfb_spawn(missing, &pid, &sock), -ENOENT);
    ck_assert_int_eq(shmfb_spawn(NULL, &pid, &sock), -EINVAL);

    /* The child exits without creating anything. */
    char *quits[] = {SPAWN_CHILD, "exit", NULL};
    ck_assert_int_eq(shmfb_spawn(quits, &pid, &sock), 0);
    ck_assert_int_eq(shmfb_consumer_open_socket(sock, 5000, NULL, &c), -EPIPE);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(tu_wait_child(pid, 5000), 7);
    close(sock);

    /* The child never creates: bounded wait. */
    char *sleeps[] = {SPAWN_CHILD, "sleep", NULL};
    ck_assert_int_eq(shmfb_spawn(sleeps, &pid, &sock), 0);
    ck_assert_int_eq(shmfb_consumer_open_socket(sock, 200, NULL, &c), -ETIMEDOUT);
    kill(pid, SIGKILL);
    tu_wait_child(pid, 5000);
    close(sock);

    /* Not spawned: a NULL name is refused. */
    unsetenv(SHMFB_SOCKET_ENV);
    struct shmfb_producer_desc d = {.max_width = 4, .max_height = 4};
    struct shmfb_producer *p;
    ck_assert_int_eq(shmfb_producer_create(NULL, &d, &p), -ENOTSOCK);
    setenv(SHMFB_SOCKET_ENV, "0", 1); /* stdin is not a socket here */
    ck_assert_int_eq(shmfb_producer_create(NULL, &d, &p), -ENOTSOCK);
    unsetenv(SHMFB_SOCKET_ENV);
}
END_TEST

/* A descriptor that is not sealed, or a message that is not a handoff, is
 * refused. */
START_TEST(spawned_hostile_peer)
{
    int sv[2];
    struct shmfb_consumer *c;
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    ck_assert_int_eq(write(sv[1], "garbage!", 8), 8);
    ck_assert_int_eq(shmfb_consumer_open_socket(sv[0], 1000, NULL, &c), -EPROTO);
    close(sv[0]);
    close(sv[1]);

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    int fd = memfd_create("unsealed", MFD_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
    char ctl[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {.iov_base = "SHMFBFD1", .iov_len = 8};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    ck_assert_int_eq(sendmsg(sv[1], &msg, 0), 8);
    close(fd);
    ck_assert_int_eq(shmfb_consumer_open_socket(sv[0], 1000, NULL, &c), -EPERM);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

static Suite *spawn_suite(void)
{
    Suite *s = suite_create("spawn");
    TCase *spawn = tcase_create("spawn");
    tcase_add_checked_fixture(spawn, tu_setup, tu_teardown);
    tcase_add_test(spawn, spawned_frames);
    tcase_add_test(spawn, spawned_failures);
    tcase_add_test(spawn, spawned_hostile_peer);
    suite_add_tcase(s, spawn);
    return s;
}

int main(void)
{
    tu_sweep_stale();
    SRunner *sr = srunner_create(spawn_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
