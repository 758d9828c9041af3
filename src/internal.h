/* Private declarations shared by the library's modules.  Every function
 * here is prefixed shmfb__ so that a program linking the static library
 * sees only the public shmfb_ names and these, never a bare one. */
#ifndef SHMFB_INTERNAL_H
#define SHMFB_INTERNAL_H

#include "handshake.h"
#include "mailbox.h"
#include "os.h"
#include "wire.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How often a waiting side checks that its peers are alive (a /proc read
 * per peer): dead peers are noticed within this period. */
#define SHMFB__LIVENESS_NS (50 * 1000000LL)

/* How often present answers connections: an accept() that finds none costs
 * as much as the rest of a hand-off between two processes on one CPU. */
#define SHMFB__SERVE_NS (1000000LL)

/* A mapped, validated region.  Geometry is a private copy taken once at
 * create/open time; nothing here is re-read from the shared header. */
struct shmfb__region {
    struct wire_header *hdr; /* the mapping */
    size_t map_size;
    uint32_t *pixels; /* buffer 0 */
    int32_t max_width;
    int32_t max_height;
    int32_t stride;
    uint32_t format;
    uint32_t pacing;
    uint32_t nbuffers;
    uint64_t buffer_size;       /* bytes from one buffer to the next */
    uint64_t nonce;             /* the creator's, as validated */
    struct wire_frame *records; /* WIRE_RECORDS of them */
    _Atomic uint32_t *rings;    /* event rings: nslots * capacity * words */
    struct wire_cursor *cursor;
    char name[SHMFB_NAME_MAX + 2]; /* canonical, "" when spawned */
};

/* The other end of a connection, as the kernel vouches for it. */
struct shmfb__peer {
    int fd;      /* the connection; its hang-up means the peer is gone */
    int pidfd;   /* the peer's process, or -1 (no pidfds, or not visible) */
    int32_t pid; /* in this process's pid namespace; 0 if not visible */
    uint32_t uid;
    uint64_t start;   /* /proc start time when there is no pidfd */
    uint64_t token;   /* names the connection in a slot */
    int64_t hello_by; /* producer side: a hello is due by then; 0 once read */
    int64_t since;    /* producer side: when the connection was accepted */
    /* The host channel's state (channel.c), NULL until used. */
    struct shmfb__chan *chan;
};

/* Connections a producer keeps at once (consumers, probes, snapshots). */
#define SHMFB__MAX_PEERS 32

/* The producer's side of the rendezvous. */
struct shmfb__server {
    int listen_fd; /* -1 when spawned */
    int lock_fd;   /* held while the name is ours */
    int memfd;     /* handed to each consumer */
    uint32_t share_flags;
    uint32_t share_uid;
    uint64_t next_token;
    int npeers;
    struct shmfb__peer peers[SHMFB__MAX_PEERS];
    char sock_path[PATH_MAX];
    char lock_path[PATH_MAX];
    /* Slot words seen mid-claim, and since when: a claim that stays half
     * done past its bound is dropped (server.c). */
    uint32_t claim_seen[SHMFB_MAX_CONSUMERS];
    int64_t claim_since[SHMFB_MAX_CONSUMERS];
};

/* slots.c's stuck-consumer detection without waiting (free and mailbox
 * pacing): the frame each slot had taken when last looked at, and since
 * when. */
struct shmfb__stuck {
    uint64_t taken[SHMFB_MAX_CONSUMERS];
    int64_t since[SHMFB_MAX_CONSUMERS];
};

struct shmfb_producer {
    struct shmfb__region r;
    struct shmfb__server srv;
    struct shmfb__mailbox mb;
    struct shmfb__stuck stuck;
    uint32_t *pixels;              /* what shmfb_producer_pixels() returns */
    int32_t width, height;         /* size the next present publishes */
    int32_t pub_width, pub_height; /* size of the last present */
    uint32_t ndamage;
    struct shmfb_rect damage[SHMFB_MAX_DAMAGE];
    uint64_t seq;
    uint64_t time_next;                /* the next present's time, 0: the clock's */
    uint64_t request_seq;              /* seq + 1 when a frame request was delivered */
    uint32_t frame_lock[WIRE_RECORDS]; /* record lock values, kept here: a */
    uint32_t cursor_lock;              /* peer may write the shared copies, */
    uint64_t cursor_seq;               /* so they are never read back */
    int64_t timeout_ns;
    int64_t next_check; /* when to look for dead consumers next */
    int64_t next_serve; /* when present answers connections next */
    uint64_t events_invalid;
    struct shmfb__spin spin;
    struct shmfb__host *host; /* host channel (channel.c), NULL until used */
};

struct shmfb_consumer {
    struct shmfb__region r;
    struct shmfb__peer producer;
    int slot;           /* -1 when not attached */
    uint32_t slot_word; /* our slot's word while we hold it */
    uint64_t taken;     /* last frame released */
    uint64_t held;      /* frame returned by wait, not yet released; 0 none */
    uint64_t last_seen; /* last frame returned */
    int32_t last_width, last_height;
    uint64_t cursor_seen; /* cursor seq last returned by shmfb_consumer_cursor */
    int64_t next_check;   /* when to look at the producer's liveness next */
    bool gone;            /* the producer was seen gone; stays so */
    bool refused;         /* the producer closed our connection but lives
                             on, holding its name: it refused us (a full
                             table); attach says so, the consumer reopens.
                             Asked again at every check: gone once the
                             name is released */
    bool pinned;          /* mailbox: our slot holds a buffer */
    struct shmfb__spin spin;
    /* (slot + 1) << 32 | slot word while attached, else 0: the one field
     * shmfb_consumer_send() reads, so it may run beside the owning thread. */
    _Atomic uint64_t link;
    struct shmfb__host *host; /* host channel (channel.c), NULL until used */
};

/* region.c: sealed memfds */
struct shmfb__geometry {
    int32_t max_width, max_height;
    uint32_t format, pacing, nbuffers;
};
int shmfb__region_create(const struct shmfb__geometry *geo, struct shmfb__region *out, int *memfd);
int shmfb__region_open_fd(int fd, struct shmfb__region *out);
void shmfb__region_unmap(struct shmfb__region *r);
uint32_t *shmfb__region_buffer(const struct shmfb__region *r, uint32_t i);

/* rendezvous.c: names as Unix sockets in a private runtime directory */
int shmfb__name_listen(const char *canon, int memfd, uint64_t nonce, struct shmfb__server *s);
void shmfb__name_unlisten(struct shmfb__server *s);
/* Connects to the name's socket; *memfd_no and *nonce come from its lock
 * file (-1 and 0 when it cannot be read). */
int shmfb__name_connect(const char *canon, int *sock, int *memfd_no, uint64_t *nonce);
/* Whether a live producer holds the name with this nonce (its lock taken,
 * the nonce in its lock file): the framebuffer's producer still runs. */
bool shmfb__name_held(const char *canon, uint64_t nonce);

/* dispose.c: what a peer hands over, closed without blocking.  fd_dispose
 * closes a received descriptor so that the close cannot wait (sockets
 * reset, Unix socket queues emptied first); sock_close closes a connection
 * after emptying its queue.  (Opening what a peer planted without blocking
 * is the OS layer's: shmfb__os_open_regular, shmfb__os_open_proc_fd.) */
void shmfb__fd_dispose(int fd);
void shmfb__fd_dispose_at(int fd, int depth);
void shmfb__sock_close(int fd);
/* Disposes of the descriptors a received message carries from m->fds[from]
 * on; how many. */
int shmfb__dispose_fds(const struct shmfb__os_msg *m, int from);

/* handoff.c: the messages that carry a framebuffer over a socket */
int shmfb__hello_send(int sock, uint64_t token);
int shmfb__hello_recv(int sock, uint64_t *token);
int shmfb__handoff_send(int sock, int memfd, int status, uint64_t token, const char *name);
int shmfb__handoff_recv(int sock, int timeout_ms, const char *name, struct shmfb__peer *peer,
                        int *memfd);
void shmfb__peer_watch(struct shmfb__peer *peer, int32_t pid);
/* With `channel`, data waiting on the connection is the host channel's to
 * read and judge (channel.c); without, it means the peer is gone. */
bool shmfb__peer_gone(const struct shmfb__peer *peer, bool channel);
/* Reads and drops a handoff a consumer's producer sent late (the consumer
 * opened the framebuffer itself): 1; -1 if it is a refusal (the producer's
 * table was full: see refused above); 0 if it is not a valid one. */
int shmfb__late_handoff(int sock);
/* Whether the peer's process still runs (pidfd or /proc; true where it
 * cannot be seen). */
bool shmfb__peer_process_alive(const struct shmfb__peer *peer);
void shmfb__peer_close(struct shmfb__peer *peer);
int shmfb__wait_readable(int fd, int timeout_ms);
uint64_t shmfb__random64(void);

/* server.c: the producer's connections */
void shmfb__server_init(struct shmfb_producer *p, uint32_t share_flags, uint32_t share_uid);
void shmfb__serve(struct shmfb_producer *p);
/* Closes dead connections and drops the slots that name no live one. */
void shmfb__peers_check(struct shmfb_producer *p);
/* Closes dead connections (left, or silent past their hello's time). */
void shmfb__peers_reap(struct shmfb_producer *p);
void shmfb__server_close(struct shmfb_producer *p);

/* channel.c: the host channel (clipboard, drops, title, full screen) on
 * each connection after its hello */
void shmfb__chan_free(struct shmfb__chan *ch);
void shmfb__host_free(struct shmfb__host *h);
/* Producer: a new consumer gets the title and full-screen state. */
void shmfb__chan_greet(struct shmfb_producer *p, struct shmfb__peer *peer);
/* Producer: moves the peer's messages along; false once the peer is gone
 * or broke the framing. */
bool shmfb__chan_alive(struct shmfb_producer *p, struct shmfb__peer *peer);
/* Whether a host message can be taken (after reading what came); the
 * consumer's variant returns a negative errno once the producer is gone
 * and nothing is left. */
bool shmfb__host_pending(struct shmfb_producer *p);
int shmfb__host_ready(struct shmfb_consumer *c);

/* slots.c: consumer slots and peer liveness */
bool shmfb__slot_claim(struct shmfb_consumer *c, int i);
int shmfb__slot_check(struct shmfb_consumer *c);
int shmfb__slot_free(struct shmfb_consumer *c);
void shmfb__slot_drop(struct wire_slot *s, uint32_t word);
/* Counts attached consumers that have not taken frame `seq`; with
 * `drop_all`, every laggard is dropped instead. */
int shmfb__slots_pending(struct shmfb_producer *p, uint64_t seq, bool drop_all);
/* Free and mailbox pacing: drops consumers that have left frames untaken
 * for longer than the timeout. */
void shmfb__slots_drop_stuck(struct shmfb_producer *p);
int shmfb__slots_attached(const struct wire_header *h);
bool shmfb__producer_gone(struct shmfb_consumer *c);

/* spawn.c */
int shmfb__spawned_socket(void);

/* consumer.c */
int shmfb__consumer_from_peer(int memfd, const struct shmfb__peer *peer,
                              struct shmfb_consumer **out);
int shmfb__frame_read(const struct shmfb__region *r, struct shmfb_frame *f);

/* cursor.c */
bool shmfb__cursor_changed(const struct shmfb_consumer *c);

#endif /* SHMFB_INTERNAL_H */
