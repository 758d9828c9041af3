/* The spawned handshake: shmfb_spawn(), a producer created with no name,
 * shmfb_consumer_open_socket(). */
#include "hostile.h"
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

/* Sends a handoff message as a hostile peer writes it: `fds` descriptors
 * attached (0, 1 or 2 copies of fd). */
static void send_handoff(int sock, const struct wire_handoff *m, int fd, int fds)
{
    int two[2] = {fd, fd};
    char ctl[CMSG_SPACE(sizeof(two))];
    memset(ctl, 0, sizeof(ctl));
    struct iovec iov = {.iov_base = (void *)m, .iov_len = sizeof(*m)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fds > 0) {
        msg.msg_control = ctl;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)fds);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)fds);
        memcpy(CMSG_DATA(cm), two, sizeof(int) * (size_t)fds);
    }
    ck_assert_int_eq(sendmsg(sock, &msg, 0), sizeof(*m));
}

static int hostile_open(const struct wire_handoff *m, int fd, int fds)
{
    int sv[2];
    struct shmfb_consumer *c = (struct shmfb_consumer *)1;
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    if (m)
        send_handoff(sv[1], m, fd, fds);
    else
        ck_assert_int_eq(write(sv[1], "garbage!", 8), 8);
    int rc = shmfb_consumer_open_socket(sv[0], 1000, NULL, &c);
    if (rc == 0)
        shmfb_consumer_close(c);
    else
        ck_assert_ptr_null(c);
    close(sv[0]);
    close(sv[1]);
    return rc;
}

/* A descriptor that is not sealed, or a message that is not a handoff of
 * this version, is refused, and nothing sent along leaks. */
START_TEST(spawned_hostile_peer)
{
    struct wire_handoff ok = {.version = WIRE_VERSION, .token = 1};
    memcpy(ok.tag, WIRE_HANDOFF_TAG, sizeof(ok.tag));
    int unsealed = memfd_create("unsealed", MFD_CLOEXEC);
    ck_assert_int_eq(ftruncate(unsealed, 1 << 20), 0);
    struct shmfb_producer_desc d = {.max_width = 8, .max_height = 8};
    struct shmfb_producer *p;
    char name[96];
    tu_name(name, sizeof(name), "real");
    ck_assert_int_eq(shmfb_producer_create(name, &d, &p), 0);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", producer_memfd(name));
    int real = open(path, O_RDWR | O_CLOEXEC);
    ck_assert_int_ge(real, 0);

    ck_assert_int_eq(hostile_open(NULL, -1, 0), -EPROTO);
    ck_assert_int_eq(hostile_open(&ok, unsealed, 1), -EPERM);
    ck_assert_int_eq(hostile_open(&ok, real, 0), -EPROTO); /* no descriptor */
    ck_assert_int_eq(hostile_open(&ok, real, 1), 0);
    ck_assert_int_eq(hostile_open(&ok, real, 2), 0); /* the second is closed */
    struct wire_handoff m = ok;
    m.version = 1;
    ck_assert_int_eq(hostile_open(&m, real, 1), -EPROTONOSUPPORT);
    m = ok;
    m.tag[0] = 'X';
    ck_assert_int_eq(hostile_open(&m, real, 1), -EPROTO);
    m = ok;
    m.status = EACCES;
    ck_assert_int_eq(hostile_open(&m, -1, 0), -EACCES);
    m.status = ECONNREFUSED;
    ck_assert_int_eq(hostile_open(&m, -1, 0), -ECONNREFUSED);
    /* A status no producer sends is the producer's error, not bad magic. */
    m.status = EIO;
    ck_assert_int_eq(hostile_open(&m, -1, 0), -EREMOTEIO);
    m.status = 12345;
    ck_assert_int_eq(hostile_open(&m, real, 1), -EREMOTEIO);
    m = ok;
    memset(m.name, 'x', sizeof(m.name)); /* no NUL */
    ck_assert_int_eq(hostile_open(&m, real, 1), -EPROTO);
    close(real);
    close(unsealed);
    shmfb_producer_destroy(p);
}
END_TEST

/* A viewer killed with SIGKILL takes its spawned producer with it. */
START_TEST(spawned_dies_with_parent)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t viewer = fork();
    ck_assert_int_ge(viewer, 0);
    if (viewer == 0) {
        char *argv[] = {SPAWN_CHILD, "hold", NULL};
        int32_t pid;
        int sock;
        if (shmfb_spawn(argv, &pid, &sock) < 0 || write(fds[1], &pid, sizeof(pid)) != 4)
            _exit(1);
        pause();
        _exit(0);
    }
    int32_t producer;
    ck_assert_int_eq(read(fds[0], &producer, sizeof(producer)), sizeof(producer));
    close(fds[0]);
    close(fds[1]);
    ck_assert_int_eq(kill(producer, 0), 0);
    kill(viewer, SIGKILL);
    ck_assert_int_eq(tu_wait_child(viewer, 2000), 128 + SIGKILL);
    int64_t t0 = tu_now_ms();
    while (kill(producer, 0) == 0 && tu_now_ms() - t0 < 5000)
        usleep(10 * 1000);
    ck_assert_msg(kill(producer, 0) < 0 && errno == ESRCH,
                  "the spawned producer outlived its viewer");
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
    tcase_add_test(spawn, spawned_dies_with_parent);
    suite_add_tcase(s, spawn);
    return s;
}

int main(void)
{
    hostile_runtime_dir();
    tu_sweep_stale();
    SRunner *sr = srunner_create(spawn_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
