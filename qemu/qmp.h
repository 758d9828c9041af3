/*
 * The bridge's own QMP monitor of the QEMU it started: one end of a socket
 * pair that QEMU got as "-chardev socket,fd=N -mon mode=control".  QMP is
 * one JSON object a line; the bridge only needs to know whether a command
 * succeeded (a line starting {"return") or failed ({"error", with its
 * "desc"), and skips events.  Lines are bounded; every wait has a deadline.
 */
#ifndef SHMFB_QEMU_QMP_H
#define SHMFB_QEMU_QMP_H

#include <stdbool.h>
#include <stddef.h>

#define QB_QMP_LINE_MAX 65536

struct qb_qmp {
    int fd;     /* -1 when closed */
    size_t len; /* bytes in buf */
    bool skip;  /* inside a line longer than the buffer: drop to its end */
    char buf[QB_QMP_LINE_MAX];
};

/** Takes \p fd (closed by qb_qmp_close()), reads QEMU's greeting and
 *  enters command mode.  \returns 0; -ETIMEDOUT; -EPIPE (QEMU went away);
 *  -EPROTO (an error answer, said in \p err). */
int qb_qmp_open(struct qb_qmp *q, int fd, int timeout_ms, char *err, size_t errlen);

/**
 * Sends one command (a JSON object, without the newline) and waits for its
 * answer, skipping events.  \p pass_fd >= 0 goes with it as SCM_RIGHTS (for
 * "getfd").  \returns 0 ("return"); -EPROTO ("error": its desc in \p err);
 * -ETIMEDOUT; -EPIPE.
 */
int qb_qmp_execute(struct qb_qmp *q, const char *cmd, int pass_fd, int timeout_ms, char *err,
                   size_t errlen);

/** Sends a command without waiting for its answer (qb_qmp_drain() reads
 *  it later).  \returns 0 or -EPIPE. */
int qb_qmp_send(struct qb_qmp *q, const char *cmd);

/** Reads and drops what QEMU wrote, without blocking.  \returns 0, or
 *  -EPIPE once QEMU closed the monitor. */
int qb_qmp_drain(struct qb_qmp *q);

/** Closes the monitor; no-op when closed. */
void qb_qmp_close(struct qb_qmp *q);

#endif /* SHMFB_QEMU_QMP_H */
