#include "qmp.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum line_kind { LINE_OTHER, LINE_RETURN, LINE_ERROR };

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The "desc" of an error line, or the line itself, into err. */
static void error_desc(const char *line, char *err, size_t errlen)
{
    const char *d = strstr(line, "\"desc\"");
    if (!err || errlen == 0)
        return;
    if (d && (d = strchr(d + 6, '"')) != NULL) {
        size_t n = strcspn(d + 1, "\"");
        snprintf(err, errlen, "%.*s", (int)n, d + 1);
        return;
    }
    snprintf(err, errlen, "%s", line);
}

static enum line_kind classify(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (strncmp(line, "{\"return\"", 9) == 0)
        return LINE_RETURN;
    if (strncmp(line, "{\"error\"", 8) == 0)
        return LINE_ERROR;
    return LINE_OTHER;
}

/*
 * Takes one complete line out of the buffer into \p line (NUL-terminated,
 * without CR/LF).  \returns true if there was one.  A line longer than the
 * buffer is dropped whole.
 */
static bool take_line(struct qb_qmp *q, char *line, size_t size)
{
    char *nl = memchr(q->buf, '\n', q->len);
    if (!nl) {
        if (q->len == sizeof(q->buf)) {
            q->len = 0;
            q->skip = true;
        }
        return false;
    }
    size_t n = (size_t)(nl - q->buf);
    bool skip = q->skip;
    q->skip = false;
    size_t keep = n < size - 1 ? n : size - 1;
    memcpy(line, q->buf, keep);
    line[keep] = '\0';
    if (keep > 0 && line[keep - 1] == '\r')
        line[keep - 1] = '\0';
    memmove(q->buf, nl + 1, q->len - n - 1);
    q->len -= n + 1;
    if (skip)
        line[0] = '\0';
    return true;
}

/* Reads what is there, waiting up to ms (0: not at all).  0 or -EPIPE or
 * -ETIMEDOUT (nothing arrived). */
static int fill(struct qb_qmp *q, int ms)
{
    if (q->fd < 0)
        return -EPIPE;
    struct pollfd pfd = {.fd = q->fd, .events = POLLIN};
    int r = poll(&pfd, 1, ms);
    if (r < 0)
        return errno == EINTR ? 0 : -errno;
    if (r == 0)
        return -ETIMEDOUT;
    ssize_t got = recv(q->fd, q->buf + q->len, sizeof(q->buf) - q->len, MSG_DONTWAIT);
    if (got == 0)
        return -EPIPE;
    if (got < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -EPIPE;
    q->len += (size_t)got;
    return 0;
}

/* Waits for the next "return" or "error" line. */
static int wait_answer(struct qb_qmp *q, long long deadline, char *err, size_t errlen)
{
    static char line[QB_QMP_LINE_MAX];
    for (;;) {
        while (take_line(q, line, sizeof(line))) {
            enum line_kind k = classify(line);
            if (k == LINE_RETURN)
                return 0;
            if (k == LINE_ERROR) {
                error_desc(line, err, errlen);
                return -EPROTO;
            }
        }
        long long left = deadline - now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        int rc = fill(q, (int)left);
        if (rc < 0 && rc != -ETIMEDOUT)
            return rc;
    }
}

/* Writes all of \p cmd and a newline; the descriptor goes with the first
 * byte. */
static int send_all(struct qb_qmp *q, const char *cmd, int pass_fd)
{
    char msg[4096];
    int n = snprintf(msg, sizeof(msg), "%s\n", cmd);
    if (n < 0 || (size_t)n >= sizeof(msg) || q->fd < 0)
        return -EINVAL;
    size_t off = 0;
    while (off < (size_t)n) {
        struct iovec iov = {msg + off, (size_t)n - off};
        union {
            struct cmsghdr h;
            char space[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        if (pass_fd >= 0 && off == 0) {
            memset(&ctl, 0, sizeof(ctl));
            mh.msg_control = ctl.space;
            mh.msg_controllen = sizeof(ctl.space);
            struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
        }
        ssize_t w = sendmsg(q->fd, &mh, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -EPIPE;
        off += (size_t)w;
    }
    return 0;
}

int qb_qmp_open(struct qb_qmp *q, int fd, int timeout_ms, char *err, size_t errlen)
{
    static char line[QB_QMP_LINE_MAX];
    long long deadline = now_ms() + timeout_ms;
    q->fd = fd;
    q->len = 0;
    q->skip = false;
    /* The greeting: {"QMP": {...}}. */
    while (!take_line(q, line, sizeof(line))) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        int rc = fill(q, (int)left);
        if (rc < 0 && rc != -ETIMEDOUT)
            return rc;
    }
    if (strstr(line, "\"QMP\"") == NULL) {
        snprintf(err, errlen, "no QMP greeting");
        return -EPROTO;
    }
    return qb_qmp_execute(q, "{\"execute\": \"qmp_capabilities\"}", -1,
                          (int)(deadline - now_ms() > 0 ? deadline - now_ms() : 1), err, errlen);
}

int qb_qmp_execute(struct qb_qmp *q, const char *cmd, int pass_fd, int timeout_ms, char *err,
                   size_t errlen)
{
    long long deadline = now_ms() + timeout_ms;
    int rc = send_all(q, cmd, pass_fd);
    if (rc < 0)
        return rc;
    return wait_answer(q, deadline, err, errlen);
}

int qb_qmp_send(struct qb_qmp *q, const char *cmd)
{
    return send_all(q, cmd, -1);
}

int qb_qmp_drain(struct qb_qmp *q)
{
    static char line[QB_QMP_LINE_MAX];
    for (int i = 0; i < 64; i++) {
        int rc = fill(q, 0);
        while (take_line(q, line, sizeof(line)))
            ;
        if (rc == -EPIPE)
            return rc;
        if (rc == -ETIMEDOUT)
            return 0;
    }
    return 0;
}

void qb_qmp_close(struct qb_qmp *q)
{
    if (q->fd >= 0)
        close(q->fd);
    q->fd = -1;
}
