/*
 * shmfb — a framebuffer in shared memory.
 *
 * One process (the producer) draws 32-bit pixels into a named shared region
 * and presents frames with damage; other processes (consumers: a viewer
 * window, a PNG snapshot, a bridge) wait for those frames and show them.
 * Consumers send input events back through per-consumer rings.
 *
 * Conventions used throughout:
 *  - Fallible functions return 0 (or a documented non-negative value) on
 *    success and a negative errno value on failure; shmfb_strerror() turns
 *    any of them into a sentence.  The library never prints and never exits.
 *  - Constructors set *out to NULL first, then to the new object.
 *  - Destructors accept NULL.
 *  - Descriptor structs are zero-initialised by the caller; a zero field
 *    means "the default".
 *  - A handle may be used from one thread at a time; different handles are
 *    independent.  One exception: shmfb_consumer_send() may run on one thread
 *    while another waits on (or attaches, detaches, releases) the same
 *    consumer.  The library starts no threads.
 *
 * How the ABI grows (the whole rule: shmfb(3), VERSIONS AND ABI):
 *  - Every struct that crosses the API has a fixed size and ends in a
 *    reserved tail: 64 bytes (60 where 64 would leave padding at the end;
 *    16 in struct shmfb_clip_item, which comes in arrays).  A later release
 *    gives a field meaning by taking reserved space, and tags it \since.
 *  - Inputs (the *_desc descriptors, struct shmfb_clip_item): every
 *    reserved byte must be zero, else the call returns -EINVAL.  So a
 *    program that sets a field a later library added is refused by an older
 *    library, never silently half obeyed.  Zero-initialise descriptors.
 *  - Outputs (struct shmfb_frame, shmfb_back, shmfb_cursor, shmfb_info,
 *    shmfb_host_msg): the library zeroes the reserved bytes.
 *  - When a struct's reserved space runs out, a new struct and function pair
 *    (*_2) is added; the old pair stays.  struct shmfb_event is the wire's
 *    32 bytes: events grow by new types only.
 *  - Each function says which release added it (\since); symbols carry
 *    version nodes (SHMFB_0.1, ...).  The SOVERSION changes only when the
 *    ABI breaks.
 */
#ifndef SHMFB_SHMFB_H
#define SHMFB_SHMFB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SHMFB_BUILDING) && defined(__GNUC__)
#define SHMFB_EXPORT __attribute__((visibility("default")))
#else
#define SHMFB_EXPORT
#endif

/* SHMFB_VERSION_MAJOR, _MINOR, _PATCH, _STRING and SHMFB_CHECK_VERSION(),
 * generated from the project's version. */
#include <shmfb/version.h>

/** Most consumers that can be attached to one framebuffer at once. */
#define SHMFB_MAX_CONSUMERS 8
/** Most damage rectangles carried by one frame; more are merged. */
#define SHMFB_MAX_DAMAGE 16
/** Longest name accepted, not counting the leading '/' or the NUL. */
#define SHMFB_NAME_MAX 200
/** Largest capacity in either dimension. */
#define SHMFB_DIM_MAX 16384

/** A rectangle in framebuffer pixels; x grows right, y grows down. */
struct shmfb_rect {
    int32_t x, y, w, h;
};

/** Pixel format.  Pixels are native-endian 32-bit 0xAARRGGBB words. */
enum shmfb_format {
    SHMFB_FORMAT_XRGB8888 = 0, /**< alpha byte is ignored (default) */
    SHMFB_FORMAT_ARGB8888 = 1, /**< alpha byte is meaningful */
};

/** How shmfb_producer_present() paces the producer. */
enum shmfb_pacing {
    /** present() returns once every attached consumer has taken the frame
     *  just presented (or was dropped as dead or stuck); with no consumer it
     *  does not wait.  The producer can then draw without tearing. */
    SHMFB_PACING_FIFO = 0,
    /** No pacing: present() publishes and returns at once. */
    SHMFB_PACING_FREE = 1,
    /** Several shared buffers (struct shmfb_producer_desc.buffers): a
     *  buffer a consumer holds is never written, so present() waits only
     *  when consumers hold every spare buffer; consumers get the newest
     *  complete frame, with the damage of the frames they skipped. */
    SHMFB_PACING_MAILBOX = 2,
};

/** Most buffers of a mailbox framebuffer. */
#define SHMFB_MAX_BUFFERS 8

/** Returns a static, never-NULL sentence describing a return code
 *  (0, a negative errno value from this library, or any other number).
 *  \since 0.1 */
SHMFB_EXPORT const char *shmfb_strerror(int code);

/** Returns the version of the library loaded at run time, "MAJOR.MINOR.PATCH"
 *  (static, never NULL); SHMFB_VERSION_STRING is the headers' version.
 *  \since 0.1 */
SHMFB_EXPORT const char *shmfb_version(void);

/** Returns true if the library loaded at run time is at least version
 *  major.minor.patch (SHMFB_CHECK_VERSION() asks the same of the headers).
 *  \since 0.1 */
SHMFB_EXPORT bool shmfb_check_version(int major, int minor, int patch);

/**
 * Checks a framebuffer name and writes its canonical form ("/name").
 *
 * Names are 1..SHMFB_NAME_MAX characters from [A-Za-z0-9._-], optionally
 * preceded by one '/', and neither "." nor "..".
 *
 * \param name  the name as the user wrote it
 * \param out   receives the canonical name; may be NULL
 * \param size  size of \p out in bytes
 * \returns 0, -EINVAL (NULL, empty or malformed), -ENAMETOOLONG (longer than
 *          SHMFB_NAME_MAX), -ENOSPC (\p out too small).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_name_check(const char *name, char *out, size_t size);

/* ------------------------------------------------------------------------ */
/* Producer                                                                 */
/* ------------------------------------------------------------------------ */

struct shmfb_producer;

/** Producer flags, in struct shmfb_producer_desc.flags. */
enum shmfb_producer_flags {
    /** Also accept consumers running as share_uid (by default only the
     *  producer's own user may connect). */
    SHMFB_SHARE_UID = 1u << 0,
    /** Accept consumers of any user.  Other users reach the name only
     *  through a directory they can enter, see SHMFB_RUNTIME_DIR_ENV. */
    SHMFB_SHARE_ANY = 1u << 1,
    /** The producer keeps its own image (a VM's Display) and draws each
     *  frame into the buffer shmfb_producer_acquire() hands out; with
     *  mailbox pacing no private image is kept for it and
     *  shmfb_producer_pixels() returns NULL. */
    SHMFB_OWN_IMAGE = 1u << 2,
};

/** Options for shmfb_producer_create(); zero fields mean defaults. */
struct shmfb_producer_desc {
    int32_t max_width;     /**< capacity in pixels (required, 1..SHMFB_DIM_MAX) */
    int32_t max_height;    /**< capacity in pixels (required, 1..SHMFB_DIM_MAX) */
    int32_t width;         /**< initial size; 0 means max_width */
    int32_t height;        /**< initial size; 0 means max_height */
    uint32_t format;       /**< enum shmfb_format; default XRGB8888 */
    uint32_t pacing;       /**< enum shmfb_pacing; default FIFO */
    int32_t timeout_ms;    /**< longest a present waits for a consumer before
                                dropping it as stuck (free and mailbox pacing:
                                how long a consumer may leave frames untaken);
                                0 means 2000 */
    uint32_t flags;        /**< enum shmfb_producer_flags */
    uint32_t share_uid;    /**< with SHMFB_SHARE_UID: the other user allowed */
    int32_t buffers;       /**< mailbox pacing: shared buffers, 2..SHMFB_MAX_BUFFERS;
                                0 means 3.  Must be 0 otherwise (one buffer). */
    uint32_t reserved[16]; /**< must be zero, else -EINVAL (see the opening comment) */
};

/** Environment variable naming the directory where names live, for users
 *  who share framebuffers (see SHMFB_SHARE_UID); by default names live in
 *  $XDG_RUNTIME_DIR/shmfb, else /run/shmfb for root and /tmp/shmfb-UID for
 *  others, each created private (0700) and checked to be so.  When
 *  /tmp/shmfb-UID is not this user's private directory (another user made
 *  it first, or a link stands there), $HOME/.cache/shmfb-HOSTNAME is used
 *  instead, so no other user can deny a user its names.  The directory may
 *  be of any length. */
#define SHMFB_RUNTIME_DIR_ENV "SHMFB_RUNTIME_DIR"

/**
 * Creates a framebuffer and becomes its producer.
 *
 * The framebuffer is an anonymous memfd sealed against shrinking and
 * growing, so no process can make another fault by truncating it.  Its
 * pixel buffer is zeroed and followed by at least one page of zeros, so a
 * read of up to one page past the last pixel never faults.
 *
 * With a name, the producer listens on a Unix socket for that name in its
 * private runtime directory (SHMFB_RUNTIME_DIR_ENV) and hands the memfd to
 * every consumer that connects, after checking that it runs as the same
 * user (or one the flags allow).  The name disappears with the producer
 * however it ends; a producer killed at any moment leaves nothing that
 * blocks the name.  Connections are answered whenever the producer calls
 * into the library (present, the waits, polling events); a producer that
 * sleeps in a loop of its own polls shmfb_producer_fd() and calls
 * shmfb_producer_dispatch().
 *
 * With a NULL name, the process must have been started by shmfb_spawn()
 * (SHMFB_SOCKET set): the framebuffer goes to the spawning consumer only.
 *
 * \param name  framebuffer name, see shmfb_name_check()
 * \param desc  capacity, initial size and options
 * \param out   receives the producer; set to NULL first
 * \returns 0; -EINVAL (bad name, NULL or zero/negative sizes, unknown format,
 *          pacing or flags, a nonzero reserved byte), -ENOTSOCK (NULL name but not spawned),
 *          -ENAMETOOLONG, -ERANGE (initial size larger than the capacity),
 *          -EOVERFLOW (capacity too large), -EEXIST (a live producer has the
 *          name), -EMEDIUMTYPE (a link, directory, FIFO or other file stands
 *          where the name's socket or lock file goes, see shmfb_reap()),
 *          -EACCES/-ENOTDIR (the runtime directory is not a private
 *          directory of this user), -ENOMEM, or another negative errno.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_create(const char *name, const struct shmfb_producer_desc *desc,
                                       struct shmfb_producer **out);

/**
 * Closes the framebuffer: consumers waiting on it see -EPIPE, the name is
 * removed and the mapping released.  NULL is a no-op.  Every pointer the
 * producer handed out becomes invalid.
 * \since 0.1
 */
SHMFB_EXPORT void shmfb_producer_destroy(struct shmfb_producer *p);

/**
 * The socket a named producer listens on, for a producer that sleeps in a
 * poll loop of its own: when it is readable, call shmfb_producer_dispatch().
 * -1 for a spawned producer.  Owned by the producer; do not close it.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_fd(const struct shmfb_producer *p);

/**
 * Answers consumers waiting to connect and frees the slots of those whose
 * connection is gone, without blocking.  Present and the waits do this too.
 * \returns 0.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_dispatch(struct shmfb_producer *p);

/**
 * The image the producer draws into: max_height rows of
 * shmfb_producer_stride() bytes, followed by a page of zeros.  The current
 * frame occupies the top-left width × height pixels, and the image keeps
 * its contents from frame to frame.  In FIFO and free pacing it is the
 * shared buffer itself; in mailbox pacing it is the producer's private
 * image, which present() copies into a shared buffer (only what changed
 * since that buffer last held a frame).  NULL in mailbox pacing with
 * SHMFB_OWN_IMAGE.  Borrowed; valid until shmfb_producer_destroy().
 * \since 0.1
 */
SHMFB_EXPORT uint32_t *shmfb_producer_pixels(const struct shmfb_producer *p);

/** A shared buffer to draw the next frame into, from shmfb_producer_acquire(). */
struct shmfb_back {
    uint32_t *pixels; /**< max_height rows of stride bytes; borrowed until the
                           next present or destroy */
    int32_t stride;   /**< bytes from one row to the next */
    uint32_t nrepair; /**< 0..SHMFB_MAX_DAMAGE rectangles in repair */
    /** What changed since this buffer last held a frame, within the size
     *  the next present publishes: the producer must draw it again (from
     *  its own image) besides its new damage.  The whole frame when the
     *  buffer never held one or the size changed. */
    struct shmfb_rect repair[SHMFB_MAX_DAMAGE];
    uint64_t reserved[8]; /**< zeroed by the library */
};

/**
 * Zero-copy drawing: hands out the shared buffer the next present will
 * publish, with the rectangles it must repair.  Draw the repair and the new
 * frame into it, mark the new damage, then present; present copies nothing.
 * Calling it again before present returns the same buffer.  In FIFO and free
 * pacing it is the one buffer and there is never anything to repair.
 *
 * In mailbox pacing it may wait, like a FIFO present, while consumers hold
 * every spare buffer, at most the producer's timeout (then they are dropped
 * as stuck).
 *
 * \returns 0; -EINVAL (NULL \p back).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_acquire(struct shmfb_producer *p, struct shmfb_back *back);

/** Bytes from one row to the next (max_width * 4).
 *  \since 0.1 */
SHMFB_EXPORT int32_t shmfb_producer_stride(const struct shmfb_producer *p);

/**
 * The size the next present will publish (after any shmfb_producer_resize())
 * and the capacity.  Any pointer may be NULL.
 * \since 0.1
 */
SHMFB_EXPORT void shmfb_producer_size(const struct shmfb_producer *p, int32_t *width,
                                      int32_t *height, int32_t *max_width, int32_t *max_height);

/** The name in canonical form ("/name"), or "" for a spawned producer.
 *  Borrowed; valid until destroy.
 *  \since 0.1 */
SHMFB_EXPORT const char *shmfb_producer_name(const struct shmfb_producer *p);

/**
 * Marks a rectangle as changed in the frame being drawn.
 *
 * The rectangle is clipped to the current size; one that lies wholly outside
 * it, or is empty, is ignored (not an error).  Damage accumulates until the
 * next present; past SHMFB_MAX_DAMAGE rectangles it is merged into bounding
 * boxes.  A present with no damage marked publishes the whole frame.
 *
 * \returns 0, or -EINVAL if \p r is NULL.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_damage(struct shmfb_producer *p, const struct shmfb_rect *r);

/**
 * Changes the current size; it takes effect at the next present, which then
 * carries full damage.  Pixels are not moved: row y stays at y * stride.
 *
 * \returns 0, -EINVAL (zero or negative size), -ERANGE (beyond the capacity).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_resize(struct shmfb_producer *p, int32_t width, int32_t height);

/**
 * Publishes the frame drawn since the last present, with its damage and
 * size, and wakes the consumers.
 *
 * In FIFO pacing it then waits until every attached consumer has taken this
 * frame.  A consumer whose process is gone is dropped at once; one that has
 * not taken the frame within the producer's timeout is dropped as stuck.  So
 * present never blocks longer than the timeout, and on return it is safe to
 * draw the next frame.
 *
 * In mailbox pacing it publishes into a buffer no consumer holds (the one
 * shmfb_producer_acquire() handed out, or one it brings up to date from
 * the producer's image) and returns; it waits only when consumers hold every
 * spare buffer, as acquire does.  In free pacing it never waits.
 *
 * \returns 0 when the frame was published (even if consumers were dropped);
 *          -EINVAL (mailbox pacing with SHMFB_OWN_IMAGE and no acquire
 *          since the last present).  -EINTR is never returned.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_present(struct shmfb_producer *p);

/**
 * Sets the time the next present publishes with its frame (see
 * struct shmfb_frame.time_ns), for a producer with a clock of its own (a VM
 * replaying, a video source).  Used once: later presents take the time of
 * CLOCK_MONOTONIC again unless it is set again.
 *
 * \param time_ns  any value; 0 means "the present's own CLOCK_MONOTONIC time"
 * \since 0.1
 */
SHMFB_EXPORT void shmfb_producer_set_time(struct shmfb_producer *p, uint64_t time_ns);

/** Sequence number of the last presented frame (0 before the first).
 *  \since 0.1 */
SHMFB_EXPORT uint64_t shmfb_producer_frame(const struct shmfb_producer *p);

/** Number of consumers currently attached.
 *  \since 0.1 */
SHMFB_EXPORT int shmfb_producer_consumers(const struct shmfb_producer *p);

/* ------------------------------------------------------------------------ */
/* Consumer                                                                 */
/* ------------------------------------------------------------------------ */

struct shmfb_consumer;

/** Frame flags, in struct shmfb_frame.flags. */
enum shmfb_frame_flags {
    SHMFB_FRAME_FULL = 1u << 0,    /**< damage is the whole frame (first frame
                                        seen, a skipped frame, or a resize) */
    SHMFB_FRAME_RESIZED = 1u << 1, /**< size differs from the previous frame seen */
};

/**
 * A private, validated copy of one frame's description.  Every field has been
 * checked: 1 <= width <= max_width, 1 <= height <= max_height, each damage
 * rectangle is non-empty and inside width × height.
 */
struct shmfb_frame {
    uint64_t seq;                               /**< frame sequence number, 1 for the first */
    int32_t width;                              /**< current width in pixels */
    int32_t height;                             /**< current height in pixels */
    int32_t stride;                             /**< bytes from one row to the next */
    uint32_t format;                            /**< enum shmfb_format */
    uint32_t flags;                             /**< enum shmfb_frame_flags */
    uint32_t ndamage;                           /**< 1..SHMFB_MAX_DAMAGE */
    struct shmfb_rect bounds;                   /**< union of the damage */
    struct shmfb_rect damage[SHMFB_MAX_DAMAGE]; /**< changed rectangles */
    const uint32_t *pixels;                     /**< the buffer; borrowed, valid until close */
    /** When the producer presented the frame: CLOCK_MONOTONIC nanoseconds,
     *  or the producer's own clock (shmfb_producer_set_time()).  Not
     *  validated: a peer may write anything here, so use it for display and
     *  timestamps only (differences between frames may even be negative). */
    uint64_t time_ns;
    uint64_t reserved[8]; /**< zeroed by the library */
};

/** Consumer flags, in struct shmfb_consumer_desc.flags. */
enum shmfb_consumer_flags {
    /** Also trust a producer running as trust_uid (by default a
     *  framebuffer is opened only from the consumer's own user). */
    SHMFB_TRUST_UID = 1u << 0,
};

/** Options for shmfb_consumer_open(); zero fields mean defaults. */
struct shmfb_consumer_desc {
    uint32_t flags;        /**< enum shmfb_consumer_flags */
    uint32_t trust_uid;    /**< with SHMFB_TRUST_UID: the other user trusted */
    int32_t timeout_ms;    /**< longest wait for the producer to answer; 0
                                means 5000 */
    uint32_t reserved[16]; /**< must be zero, else -EINVAL (see the opening comment) */
};

/**
 * Opens a framebuffer by name and validates it.  Does not attach.
 *
 * Connects to the name's socket, checks that the producer runs as this user
 * (or desc->trust_uid), and receives the framebuffer's memfd.  Nothing a
 * peer planted or hands over can block the call past its timeout: the
 * name's files are opened only if they are regular files no lease holds,
 * and received descriptors of the wrong kind are disposed of without
 * waiting (a lingering socket is reset).  Nothing in
 * the region is trusted: the descriptor must be sealed against shrinking,
 * and magic, layout version, header size, geometry, offsets and the
 * object's real size are all checked before the pixels are mapped.  The
 * connection stays open: its hang-up tells the consumer the producer is
 * gone.
 *
 * \param name  framebuffer name, see shmfb_name_check()
 * \param desc  options, may be NULL
 * \param out   receives the consumer; set to NULL first
 * \returns 0; -EINVAL/-ENAMETOOLONG (bad name, flags, timeout or a nonzero
 *          reserved byte), -ENOENT
 *          (no such framebuffer), -EACCES (the producer runs as another
 *          user, or refused this one), -ECONNREFUSED (the producer has too
 *          many connections; try again), -EREMOTEIO (the producer refused
 *          for a reason it did not name), -EMEDIUMTYPE (something else
 *          stands in the name's place, see shmfb_reap()),
 *          -ETIMEDOUT (the producer did not answer in time),
 *          -EPIPE (it went away first), -EPERM (descriptor not sealed),
 *          -EPROTO (not a shmfb framebuffer), -EPROTONOSUPPORT (another
 *          layout version), -EBADMSG (corrupt header), -EMSGSIZE (object
 *          smaller than its header says), -ENOMEM, or another negative errno.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_open(const char *name, const struct shmfb_consumer_desc *desc,
                                     struct shmfb_consumer **out);

/** Detaches if attached, and unmaps.  NULL is a no-op.
 *  \since 0.1 */
SHMFB_EXPORT void shmfb_consumer_close(struct shmfb_consumer *c);

/**
 * Takes a consumer slot, so that FIFO producers wait for this consumer and
 * events can be sent.  The last frame already presented counts as not yet
 * taken, so the next wait returns it at once.
 *
 * \returns 0; -EUSERS (all SHMFB_MAX_CONSUMERS slots are taken), -EISCONN
 *          (already attached), -EPIPE (the producer is gone),
 *          -ECONNREFUSED (the producer closed this consumer's connection
 *          to make room in a full table, see shmfb_consumer_open(), but
 *          runs on: close and open again).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_attach(struct shmfb_consumer *c);

/**
 * Gives the slot back; a FIFO producer stops waiting for this consumer.
 * \returns 0, -ENOTCONN (not attached; also after being dropped).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_detach(struct shmfb_consumer *c);

/**
 * Waits for a frame newer than the last one taken.
 *
 * On success \p frame holds a validated private copy of that frame's geometry
 * and damage, and the pixels may be read until shmfb_consumer_release().
 *
 * A frame still held from the previous wait is released first.
 *
 * \param timeout_ms  longest wait; 0 polls, negative waits without a bound
 *                    (the producer's death still ends it)
 * \returns 0; -ETIMEDOUT (no new frame in time), -EPIPE (the producer closed
 *          or died), -ENOTCONN (not attached), -ECONNRESET (the producer
 *          dropped this consumer as stuck; attach again), -EBADMSG (the
 *          producer published an invalid frame).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_wait(struct shmfb_consumer *c, int timeout_ms,
                                     struct shmfb_frame *frame);

/**
 * Waits for a new frame, a new cursor, or both: shmfb_consumer_wait() for
 * consumers that also show the producer's pointer.
 *
 * \param what  a set of SHMFB_WAIT_FRAME, SHMFB_WAIT_CURSOR and
 *              SHMFB_WAIT_HOST; waiting for the cursor or host messages
 *              alone does not need an attached consumer
 * \param frame filled (and held, as by shmfb_consumer_wait()) when the
 *              result contains SHMFB_WAIT_FRAME; may be NULL if \p what
 *              does not ask for frames
 * \returns the set of conditions that hold (> 0; a new cursor is read with
 *          shmfb_consumer_cursor()); -EINVAL (no known flag, or NULL \p frame
 *          with SHMFB_WAIT_FRAME); otherwise the errors of
 *          shmfb_consumer_wait().
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_wait_any(struct shmfb_consumer *c, int timeout_ms, uint32_t what,
                                         struct shmfb_frame *frame);

/**
 * Marks the frame returned by the last successful wait as taken, letting a
 * FIFO producer go on.  Pixel reads of that frame must be finished.
 * \returns 0, -ENOTCONN, -ECONNRESET (dropped), -EINVAL (no frame to release).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_release(struct shmfb_consumer *c);

/**
 * Reads the description of the most recently presented frame without waiting
 * or attaching (for snapshots).  In FIFO mode the pixels may change while
 * they are read unless the consumer is attached and holds the frame.
 * The frame is described even when the producer is gone (see
 * shmfb_consumer_producer_alive()); its damage is always the whole frame.
 * \returns 0; -EAGAIN (nothing presented yet, or the producer kept rewriting
 *          the description); -EBADMSG (invalid frame); -EINVAL.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_peek(struct shmfb_consumer *c, struct shmfb_frame *frame);

/** Capacity of the framebuffer.  Either pointer may be NULL.
 *  \since 0.1 */
SHMFB_EXPORT void shmfb_consumer_capacity(const struct shmfb_consumer *c, int32_t *max_width,
                                          int32_t *max_height);

/** The pixel format (enum shmfb_format).
 *  \since 0.1 */
SHMFB_EXPORT uint32_t shmfb_consumer_format(const struct shmfb_consumer *c);

/** The pixel buffer (read-only view).  Borrowed; valid until close.
 *  \since 0.1 */
SHMFB_EXPORT const uint32_t *shmfb_consumer_pixels(const struct shmfb_consumer *c);

/** Bytes from one row to the next.
 *  \since 0.1 */
SHMFB_EXPORT int32_t shmfb_consumer_stride(const struct shmfb_consumer *c);

/** Whether the producer is still there: 1 alive, 0 closed or dead.
 *  \since 0.1 */
SHMFB_EXPORT int shmfb_consumer_producer_alive(const struct shmfb_consumer *c);

/* ------------------------------------------------------------------------ */
/* Input events: consumer -> producer                                       */
/* ------------------------------------------------------------------------ */

/** Kinds of input event. */
enum shmfb_event_type {
    SHMFB_EVENT_MOTION = 1,      /**< pointer moved: x, y, buttons, mods */
    SHMFB_EVENT_BUTTON_DOWN = 2, /**< code = enum shmfb_button; x, y, buttons, mods */
    SHMFB_EVENT_BUTTON_UP = 3,   /**< as BUTTON_DOWN */
    SHMFB_EVENT_WHEEL = 4,       /**< x, y = scroll amount (y > 0: away from the
                                      user, x > 0: right); buttons, mods */
    SHMFB_EVENT_KEY_DOWN = 5,    /**< code = layout-independent key (USB HID usage
                                      id), sym = key symbol, mods */
    SHMFB_EVENT_KEY_UP = 6,      /**< as KEY_DOWN */
    SHMFB_EVENT_TEXT = 7,        /**< code = one Unicode code point of typed
                                      text; a string arrives as consecutive events */
    SHMFB_EVENT_FOCUS_IN = 8,    /**< the consumer's window got keyboard focus */
    SHMFB_EVENT_FOCUS_OUT = 9,   /**< ... and lost it */
    SHMFB_EVENT_CLOSE = 10,      /**< the user asked to close the window */
    SHMFB_EVENT_RESIZE = 11,     /**< the window wants x × y pixels; clamped to
                                      1..capacity when polled */
    /** A consumer wants a frame now (a snapshot, a recorder starting, a
     *  viewer attaching): a producer that draws only when something
     *  changes should present its current picture at once (no new drawing
     *  is needed; a present with no damage publishes the whole frame).
     *  Coalesced: after one such event the producer sees no other until
     *  it presents (that present answers them all), however many
     *  consumers ask; a producer that ignores it is never harmed. */
    SHMFB_EVENT_FRAME_REQUEST = 12,
};

/** Pointer buttons, in shmfb_event.code; bit (button - 1) in .buttons. */
enum shmfb_button {
    SHMFB_BUTTON_LEFT = 1,
    SHMFB_BUTTON_MIDDLE = 2,
    SHMFB_BUTTON_RIGHT = 3,
    SHMFB_BUTTON_X1 = 4,
    SHMFB_BUTTON_X2 = 5,
};

/** Modifier bits, in shmfb_event.mods. */
enum shmfb_mod {
    SHMFB_MOD_SHIFT = 1u << 0,
    SHMFB_MOD_CTRL = 1u << 1,
    SHMFB_MOD_ALT = 1u << 2,  /**< Alt / Option */
    SHMFB_MOD_META = 1u << 3, /**< Super / Command */
    SHMFB_MOD_CAPS = 1u << 4, /**< Caps Lock is on */
};

/** Key symbols (shmfb_event.sym) for keys that have no character; keys that
 *  have one use its Unicode code point (unshifted, e.g. 'a', '1', 0x0D for
 *  Return, 0x1B Escape, 0x08 Backspace, 0x09 Tab, 0x7F Delete).  Other keys:
 *  SHMFB_KEY_SPECIAL | the USB HID usage id. */
#define SHMFB_KEY_SPECIAL 0x40000000u

/** One input event: 32 bytes, the same in the shared ring. */
struct shmfb_event {
    uint32_t type;    /**< enum shmfb_event_type */
    uint32_t time_ms; /**< sender's CLOCK_MONOTONIC milliseconds (wraps) */
    int32_t x, y;     /**< framebuffer pixels (may lie outside the frame while
                           dragging), wheel amounts, or resize size */
    uint32_t code;    /**< button, key code, or code point */
    uint32_t sym;     /**< key symbol */
    uint32_t mods;    /**< enum shmfb_mod bits */
    uint32_t buttons; /**< buttons held, bit (button - 1) */
};

/** Events each consumer slot can queue; when full, the oldest is dropped. */
#define SHMFB_EVENT_QUEUE 256

/**
 * Sends an input event to the producer (a viewer forwarding its window's
 * input).  Never blocks: when the producer has not read the queue and it is
 * full, the oldest event is dropped and counted.
 *
 * Thread-safety: may be called from one thread (e.g. a UI event loop) while
 * another thread waits for frames on, attaches, detaches or releases the same
 * consumer; not concurrently with itself or with shmfb_consumer_close().
 *
 * \returns 0; -ENOTCONN (not attached), -ECONNRESET (dropped by the
 *          producer), -EINVAL (NULL, or a field out of range: see
 *          shmfb_producer_poll_event()).  Unused fields are sent as zero.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_send(struct shmfb_consumer *c, const struct shmfb_event *ev);

/**
 * Asks the producer for a frame: sends a SHMFB_EVENT_FRAME_REQUEST, so that
 * a producer that is idle presents its current picture instead of leaving
 * the consumer waiting until it next draws.  Then wait for the frame as
 * usual (shmfb_consumer_wait()); a producer that does not answer requests
 * presents nothing, so keep a timeout.  Thread-safety as
 * shmfb_consumer_send().
 *
 * \returns 0; -ENOTCONN (not attached), -ECONNRESET (dropped).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_request_frame(struct shmfb_consumer *c);

/**
 * Takes the next input event from any consumer, oldest first.  Events from
 * one consumer keep their order.  Resize requests arrive clamped to the
 * capacity.  Every field is checked, and an event with one out of range is
 * dropped and counted (shmfb_producer_events_invalid()): an unknown type,
 * modifier or button bits beyond those defined, a button code outside
 * 1..5, pointer positions beyond ±2^24, wheel amounts beyond ±2^16, key
 * codes above 0xFFFF, a symbol or text that is not a Unicode scalar value
 * (or SHMFB_KEY_SPECIAL | a key code), a resize below 1 × 1.  Fields an
 * event's type does not use arrive as zero.  Bounded: however consumers
 * move their queues meanwhile, one call looks at a limited number of events.
 *
 * \returns 0 with \p ev filled; -EAGAIN (no event, or the bound was
 *          reached; \p ev zeroed); -EINVAL (NULL).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_poll_event(struct shmfb_producer *p, struct shmfb_event *ev);

/** What shmfb_producer_wait() waits for and reports. */
enum shmfb_wait_flags {
    SHMFB_WAIT_EVENT = 1u << 0,  /**< producer: an input event is queued */
    SHMFB_WAIT_TAKEN = 1u << 1,  /**< producer: every attached consumer has taken
                                      the last presented frame (or none is attached) */
    SHMFB_WAIT_FRAME = 1u << 2,  /**< consumer: a new frame, see shmfb_consumer_wait_any() */
    SHMFB_WAIT_CURSOR = 1u << 3, /**< consumer: the cursor changed since this handle last
                                      read it with shmfb_consumer_cursor() */
    SHMFB_WAIT_HOST = 1u << 4,   /**< either side: a host message can be taken with
                                      shmfb_producer_host_recv() or shmfb_consumer_host_recv() */
};

/**
 * Sleeps until one of the conditions in \p what holds, or the timeout runs
 * out: a virtual machine's idle loop ("wake me for input or when the screen
 * can be drawn again").
 *
 * \param timeout_ms  longest wait; 0 polls; negative waits without a bound
 * \returns the set of conditions that hold (> 0); -ETIMEDOUT; -EINVAL (no
 *          known flag in \p what).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_wait(struct shmfb_producer *p, int timeout_ms, uint32_t what);

/** Input events lost to full queues since creation, over all consumers.
 *  \since 0.1 */
SHMFB_EXPORT uint64_t shmfb_producer_events_dropped(const struct shmfb_producer *p);

/** Input events dropped by shmfb_producer_poll_event() because a field was
 *  out of range (see struct shmfb_event), since creation.
 *  \since 0.1 */
SHMFB_EXPORT uint64_t shmfb_producer_events_invalid(const struct shmfb_producer *p);

/* ------------------------------------------------------------------------ */
/* Cursor: the pointer shape consumers show over the framebuffer            */
/* ------------------------------------------------------------------------ */

/** Largest cursor image in either dimension, in pixels. */
#define SHMFB_CURSOR_MAX 64

/** What consumers should show as the pointer over the framebuffer. */
enum shmfb_cursor_state {
    SHMFB_CURSOR_DEFAULT = 0, /**< the consumer's own default pointer (also before any set) */
    SHMFB_CURSOR_HIDDEN = 1,  /**< no pointer over the framebuffer */
    SHMFB_CURSOR_SHAPE = 2,   /**< the image in struct shmfb_cursor */
};

/** A validated private copy of the producer's cursor. */
struct shmfb_cursor {
    uint64_t seq;          /**< changes with every set; 0 before the first */
    uint32_t state;        /**< enum shmfb_cursor_state */
    int32_t width, height; /**< SHAPE: 1..SHMFB_CURSOR_MAX; otherwise 0 */
    int32_t hot_x, hot_y;  /**< SHAPE: the hotspot, inside width × height; otherwise 0 */
    /** SHAPE: width × height native-endian 0xAARRGGBB pixels, not
     *  premultiplied, rows packed (pitch = width); the rest is zero. */
    uint32_t pixels[SHMFB_CURSOR_MAX * SHMFB_CURSOR_MAX];
    /** Zeroed by the library; 60 bytes, not 64, so that the struct ends
     *  without padding. */
    uint32_t reserved[15];
};

/**
 * Publishes the pointer shape consumers should show, at once (not at the
 * next present), and wakes consumers waiting for it.
 *
 * \param state  enum shmfb_cursor_state
 * \param argb   SHAPE: width × height pixels, rows packed (copied); ignored
 *               (may be NULL) for DEFAULT and HIDDEN, as are the sizes
 * \param hot_x, hot_y  SHAPE: the pixel that points, inside the image
 * \returns 0; -EINVAL (unknown state, NULL \p argb, a size outside
 *          1..SHMFB_CURSOR_MAX, a hotspot outside the image).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_set_cursor(struct shmfb_producer *p, uint32_t state,
                                           const uint32_t *argb, int32_t width, int32_t height,
                                           int32_t hot_x, int32_t hot_y);

/**
 * Copies the producer's current cursor, validated, attached or not.
 *
 * \returns 1 if its seq differs from the one this call last returned on
 *          this handle (a cursor not seen yet), 0 if unchanged (\p out is
 *          filled either way); -EAGAIN (the producer kept rewriting it);
 *          -EBADMSG (the producer published an invalid one); -EINVAL (NULL).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_cursor(struct shmfb_consumer *c, struct shmfb_cursor *out);

/* ------------------------------------------------------------------------ */
/* Host channel: clipboard, file drops, title, full screen                  */
/* ------------------------------------------------------------------------ */

/* What is neither pixels nor an input event travels as messages on the
 * connection between producer and consumer, never through the shared
 * region: the producer's clipboard offers, window title and full-screen
 * request go to every connected consumer; a consumer's clipboard offers and
 * file drops go to the producer.  Sending never blocks: what the socket
 * does not take at once is queued and goes out at later calls into the
 * library on that handle (the waits, present, dispatch, host_recv).  Per
 * connection at most one message of each kind waits to be sent; a newer one
 * of the same kind replaces a waiting one that has not started, so a peer
 * that never reads costs the sender memory for two messages of a kind and
 * never time.  Every message received is validated (sizes, MIME names,
 * UTF-8); one that breaks its rules is dropped, and a peer whose framing is
 * wrong loses its connection. */

/** Most bytes of data in one clipboard offer (all its types together), and
 *  of the paths of one drop.  Larger ones are refused with -EFBIG. */
#define SHMFB_HOST_DATA_MAX (16u << 20)
/** Most MIME types in one clipboard offer. */
#define SHMFB_CLIP_TYPES_MAX 8
/** Longest MIME type, in bytes (printable ASCII). */
#define SHMFB_MIME_MAX 127
/** Longest window title, in bytes of UTF-8. */
#define SHMFB_TITLE_MAX 1024
/** Most paths in one drop. */
#define SHMFB_DROP_MAX 1024
/** Longest path or URI of a drop, in bytes of UTF-8. */
#define SHMFB_PATH_MAX 4096
/** The MIME type of text: its data must be valid UTF-8 (checked). */
#define SHMFB_MIME_TEXT "text/plain;charset=utf-8"

/** Kinds of host message, in struct shmfb_host_msg.type. */
enum shmfb_host_type {
    SHMFB_HOST_CLIPBOARD = 1,  /**< either way: the sender's clipboard changed */
    SHMFB_HOST_TITLE = 2,      /**< producer -> consumers: the window title */
    SHMFB_HOST_FULLSCREEN = 3, /**< producer -> consumers: full screen on or off */
    SHMFB_HOST_DROP = 4,       /**< consumer -> producer: files dropped on the picture */
};

/** One representation of a clipboard offer. */
struct shmfb_clip_item {
    const char *mime; /**< NUL-terminated, 1..SHMFB_MIME_MAX bytes of printable
                           ASCII, e.g. SHMFB_MIME_TEXT or "image/png" */
    const void *data; /**< size bytes (not NUL-terminated); may be NULL if size is 0 */
    size_t size;
    /** Must be zero in an offer, else -EINVAL; zeroed in a received message.
     *  16 bytes, not 64: an offer holds up to SHMFB_CLIP_TYPES_MAX of them. */
    uint64_t reserved[2];
};

/** A received host message: a validated private copy. */
struct shmfb_host_msg {
    uint32_t type;  /**< enum shmfb_host_type */
    uint32_t count; /**< CLIPBOARD: items (0 = the clipboard was emptied);
                         DROP: paths (1..SHMFB_DROP_MAX) */
    /** CLIPBOARD: the offer's representations, distinct MIME types. */
    struct shmfb_clip_item items[SHMFB_CLIP_TYPES_MAX];
    const char *title;        /**< TITLE: NUL-terminated UTF-8, no control characters */
    bool fullscreen;          /**< FULLSCREEN: on or off */
    int32_t x, y;             /**< DROP: where, in framebuffer pixels (may lie
                                   outside the frame, within ±2^24) */
    const char *const *paths; /**< DROP: count NUL-terminated UTF-8 paths or URIs */
    uint64_t reserved[8];     /**< zeroed by the library */
};

/**
 * Offers the producer's clipboard to every connected consumer (a viewer
 * then owns the desktop's clipboard with it).  The data is copied; it goes
 * to consumers connected now, not to later ones.
 *
 * \param items  \p n representations, distinct MIME types; data of
 *               SHMFB_MIME_TEXT must be UTF-8
 * \param n      0..SHMFB_CLIP_TYPES_MAX; 0 says the clipboard is empty
 * \returns 0 (also with no consumer); -EINVAL (NULL \p items with n > 0, an
 *          item with a nonzero reserved byte, a bad MIME type, a repeated
 *          one, text that is not UTF-8, n too large); -EFBIG (more than
 *          SHMFB_HOST_DATA_MAX bytes); -ENOMEM.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_offer_clipboard(struct shmfb_producer *p,
                                                const struct shmfb_clip_item *items, uint32_t n);

/**
 * Sets the title consumers show for the framebuffer (a viewer's window
 * title), now and for every consumer that connects later.
 * \param title  UTF-8, at most SHMFB_TITLE_MAX bytes, no control characters;
 *               "" lets consumers show their default
 * \returns 0; -EINVAL (NULL, not UTF-8, control characters); -EFBIG (too
 *          long); -ENOMEM.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_set_title(struct shmfb_producer *p, const char *title);

/**
 * Asks consumers to show the framebuffer full screen (or not), now and for
 * every consumer that connects later.  A request: the user may still leave
 * full screen in the viewer.
 * \returns 0; -ENOMEM.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_set_fullscreen(struct shmfb_producer *p, bool on);

/**
 * Takes the next host message a consumer sent (CLIPBOARD or DROP), without
 * waiting.  Reads what the connections hold, sends what waits to be sent,
 * and answers consumers waiting to connect.  shmfb_producer_wait() with SHMFB_WAIT_HOST sleeps
 * until one is there.  A message that arrived complete is delivered even if its consumer has gone
 * since.
 *
 * \param msg  filled on success; its pointers are borrowed until the next
 *             call of this function on \p p or shmfb_producer_destroy()
 * \returns 0; -EAGAIN (none); -EINVAL (NULL).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_producer_host_recv(struct shmfb_producer *p, struct shmfb_host_msg *msg);

/** Host messages received and dropped because they broke their rules, and
 *  messages that were replaced before they could be sent, since creation.
 *  \since 0.1 */
SHMFB_EXPORT uint64_t shmfb_producer_host_dropped(const struct shmfb_producer *p);

/**
 * Offers the consumer's clipboard (the desktop's, in a viewer) to the
 * producer.  Same rules as shmfb_producer_offer_clipboard().
 * \returns 0; -EPIPE (the producer is gone); the errors of
 *          shmfb_producer_offer_clipboard().
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_offer_clipboard(struct shmfb_consumer *c,
                                                const struct shmfb_clip_item *items, uint32_t n);

/**
 * Tells the producer that files were dropped on its picture.
 * \param x, y   where, in framebuffer pixels, within ±2^24
 * \param paths  \p n paths or URIs, UTF-8, 1..SHMFB_PATH_MAX bytes each
 * \param n      1..SHMFB_DROP_MAX
 * \returns 0; -EINVAL (NULL, a bad count, position, or path); -EFBIG (paths
 *          longer than SHMFB_HOST_DATA_MAX together); -EPIPE; -ENOMEM.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_drop(struct shmfb_consumer *c, int32_t x, int32_t y,
                                     const char *const *paths, uint32_t n);

/**
 * Takes the next host message from the producer (CLIPBOARD, TITLE or
 * FULLSCREEN), without waiting; sends what waits to be sent.  Attached or
 * not.  shmfb_consumer_wait_any() with SHMFB_WAIT_HOST sleeps until one is
 * there.
 *
 * Thread-safety: the host calls of a consumer (offer, drop, host_recv,
 * wait_any with SHMFB_WAIT_HOST) must not run concurrently with each other;
 * they may run on one thread while another waits for frames (without
 * SHMFB_WAIT_HOST) or sends events on the same consumer.
 *
 * \param msg  filled on success; its pointers are borrowed until the next
 *             call of this function on \p c or shmfb_consumer_close()
 * \returns 0; -EAGAIN (none); -EPIPE (the producer is gone, and every
 *          message it sent before has been taken); -EINVAL (NULL).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_host_recv(struct shmfb_consumer *c, struct shmfb_host_msg *msg);

/**
 * The consumer's connection to its producer, for a poll loop of the
 * caller's own: readable when host messages may be there (call
 * shmfb_consumer_host_recv()).  Owned by the consumer; do not read or close.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_fd(const struct shmfb_consumer *c);

/* ------------------------------------------------------------------------ */
/* Spawned producers: a private framebuffer handed over a socket            */
/* ------------------------------------------------------------------------ */

/** Environment variable that names the socket of a spawned producer. */
#define SHMFB_SOCKET_ENV "SHMFB_SOCKET"

/**
 * Starts a producer program (searched in PATH like execvp) with one end of
 * a socket pair named in its environment as SHMFB_SOCKET.  When that program
 * calls shmfb_producer_create() with a NULL name, its framebuffer is an
 * anonymous memfd, sealed against shrinking, whose descriptor comes back over
 * the socket: receive it with shmfb_consumer_open_socket().  Nothing appears
 * in /dev/shm and no other process can open the framebuffer.
 *
 * \param argv      program and arguments, NULL-terminated
 * \param pid_out   receives the child's process id (reap it with waitpid)
 * \param sock_out  receives this side of the socket (close-on-exec); the
 *                  caller closes it
 * \returns 0; -EINVAL; -ENOENT/-EACCES (cannot run the program); or another
 *          negative errno.
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_spawn(char *const argv[], int32_t *pid_out, int *sock_out);

/**
 * Waits for the framebuffer of a spawned producer on \p sock and opens it,
 * with the same validation as shmfb_consumer_open(): the producer must run
 * as this user (or desc->trust_uid).  Keeps its own duplicate of \p sock as
 * the connection; the caller may close \p sock.  Does not attach.
 *
 * \param timeout_ms  longest wait for the producer's create call; negative:
 *                    no bound (the producer exiting still ends it)
 * \returns 0; -ETIMEDOUT; -EPIPE (the producer exited or closed the socket
 *          first); -EPROTO (not a framebuffer handoff); -EPERM (descriptor
 *          not sealed against shrinking); the errors of shmfb_consumer_open().
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_consumer_open_socket(int sock, int timeout_ms,
                                            const struct shmfb_consumer_desc *desc,
                                            struct shmfb_consumer **out);

/* ------------------------------------------------------------------------ */
/* Listing                                                                  */
/* ------------------------------------------------------------------------ */

/** What shmfb_probe() reports of a framebuffer. */
struct shmfb_info {
    char name[SHMFB_NAME_MAX + 2]; /**< canonical name */
    int32_t max_width, max_height; /**< capacity */
    int32_t width, height;         /**< size of the last frame (or initial) */
    uint32_t format;               /**< enum shmfb_format */
    uint32_t pacing;               /**< enum shmfb_pacing */
    int32_t producer_pid;          /**< producer's process id (0 if in another
                                        pid namespace) */
    int32_t consumers;             /**< attached consumers */
    uint64_t frames;               /**< frames presented */
    int alive;                     /**< 1 producer running, 0 closed or dead */
    uint64_t size_bytes;           /**< size of the shared object */
    uint64_t reserved[8];          /**< zeroed by the library */
};

/**
 * Opens a framebuffer just long enough to describe it, waiting at most
 * 250 ms for a producer that must answer the connection itself.
 * \returns 0, or the errors of shmfb_consumer_open().
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_probe(const char *name, struct shmfb_info *info);

/** Flags of shmfb_list(). */
enum shmfb_list_flags {
    /** Also report names whose producer is gone but left files behind
     *  (alive false): harmless, the next producer of the name replaces
     *  them. */
    SHMFB_LIST_STALE = 1u << 0,
    /** Remove those files, and report each name removed (alive false). */
    SHMFB_LIST_REAP = 1u << 1,
};

/**
 * Calls \p fn with the canonical name of every live framebuffer in the
 * runtime directory (see SHMFB_RUNTIME_DIR_ENV), in name order, until it
 * returns nonzero.  A producer is live while it holds its name's lock,
 * which the kernel releases when it dies, however it dies.
 *
 * \returns the number of names reported, or what \p fn returned to stop;
 *          -EINVAL (NULL \p fn, unknown flag); -ENOMEM; the runtime
 *          directory's errors (see shmfb_producer_create()).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_list(int (*fn)(void *ctx, const char *name, bool alive), void *ctx,
                            uint32_t flags);

/**
 * Removes the files a dead producer of \p name left behind, and what
 * stands in their place by mistake (a link, FIFO or file of another kind,
 * an empty directory, a socket nobody listens on).
 * \returns 0 (removed), -EBUSY (its producer is alive, or a live socket is
 *          there; nothing done), -ENOENT (nothing there), -ENOTEMPTY (a
 *          directory with something in it stands there), -EACCES (another
 *          user's file), -EINVAL/-ENAMETOOLONG (bad name).
 * \since 0.1
 */
SHMFB_EXPORT int shmfb_reap(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* SHMFB_SHMFB_H */
