/* shmfb_strerror: every error code the library returns, as a sentence. */
#include <shmfb/shmfb.h>

#include <errno.h>
#include <string.h>

struct message {
    int code;
    const char *text;
};

/* Sentences in the library's own terms; codes not listed fall back to libc. */
static const struct message messages[] = {
    {0, "success"},
    {EINVAL, "invalid argument"},
    {ENAMETOOLONG, "framebuffer name too long"},
    {ENOSPC, "buffer too small"},
    {ERANGE, "size larger than the framebuffer's capacity"},
    {EOVERFLOW, "capacity too large"},
    {EEXIST, "a framebuffer with that name already exists"},
    {ENOENT, "no framebuffer with that name"},
    {EAGAIN, "framebuffer not ready yet, try again"},
    {EPROTO, "not a shmfb framebuffer (bad magic)"},
    {EPROTONOSUPPORT, "framebuffer uses another layout version than this library"},
    {EBADMSG, "framebuffer header is corrupt"},
    {EMSGSIZE, "shared object is smaller than its header says"},
    {EUSERS, "no free consumer slot (too many consumers attached)"},
    {EISCONN, "consumer is already attached"},
    {ENOTCONN, "consumer is not attached"},
    {ECONNRESET, "consumer was dropped by the producer for not taking frames"},
    {ETIMEDOUT, "timed out"},
    {EPIPE, "producer is gone"},
    {EBUSY, "producer is still running"},
    {ENOTSOCK, "no name given and not started by a viewer (SHMFB_SOCKET unset or not a socket)"},
    {EPERM, "framebuffer descriptor is not sealed against shrinking"},
    {EACCES, "permission denied"},
    {ECONNREFUSED, "the producer refused the connection: it has too many (try again)"},
    {EREMOTEIO, "the producer refused the connection for a reason it did not name"},
    {EMEDIUMTYPE, "something that is not a framebuffer's file (a link, directory, FIFO, device or "
                  "leased file) stands in the name's place; 'shmfb ls --reap NAME' removes it"},
    {ENOTEMPTY, "a directory that is not empty stands in the name's place; remove it by hand"},
    {ENOMEM, "out of memory"},
    {EFBIG, "host message larger than the channel's limit (16 MiB of data)"},
};

const char *shmfb_strerror(int code)
{
    int e = code < 0 ? -code : code;
    for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
        if (messages[i].code == e)
            return messages[i].text;
    }
    if (code > 0)
        return "unexpected positive return code";
    return strerror(e);
}
