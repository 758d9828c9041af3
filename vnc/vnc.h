/*
 * shmfb-vnc internals: options, the listening address, the bridge between a
 * shmfb consumer and libvncserver, input translation and the websockify
 * helper (the target, a spawned program and the recovery policy are
 * common/target.h's).
 *
 * Threads: the main thread waits for frames and copies their damage into a
 * private shadow buffer (frames.c); the publisher thread hands that damage,
 * size changes and cursor changes to libvncserver (server.c); libvncserver
 * runs a listener thread and an input and an output thread per client.  The
 * main thread never waits for a client, so no client can slow the producer.
 */
#ifndef SHMFB_VNC_H
#define SHMFB_VNC_H

#include "target.h"

#include <shmfb/shmfb.h>

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#define VNC_PROG "shmfb-vnc"

/** Default RFB port (display :0). */
#define VNC_DEFAULT_PORT 5900
/** Clients served at once; more are refused (each costs three descriptors
 *  and two threads, and libvncserver's select() must stay under FD_SETSIZE). */
#define VNC_MAX_CLIENTS 64
/** A client that has not finished its handshake after this long is dropped. */
#define VNC_HANDSHAKE_MS 10000
/** Shortest time between two desktop size requests of a client that are
 *  forwarded (libvncserver 0.9.14 keeps 24 bytes per accepted request). */
#define VNC_RESIZE_MIN_MS 100
/** A client whose socket accepts nothing for this long is dropped. */
#define VNC_CLIENT_WAIT_MS 5000

/** Command-line options; see vnc_usage(). */
struct vnc_options {
    struct target target;      /**< NAME or -- PROGRAM */
    int port;                  /**< RFB port; 0: any free port */
    const char *listen;        /**< address to listen on */
    int web_port;              /**< noVNC over websockify; -1: none; 0: any free port */
    const char *password_file; /**< VNC password in its first line, or NULL */
    const char *novnc_dir;     /**< noVNC's files */
    double timeout;            /**< spawned: longest wait for the framebuffer (s) */
    bool no_input;             /**< ignore clients' input */
    bool verbose;              /**< let libvncserver and websockify talk */
};

/** What vnc_parse_args() returns when the bridge is to run. */
#define VNC_ARGS_RUN (-1)

/**
 * Parses the command line into \p o.  \returns VNC_ARGS_RUN, or the exit
 * status after --help, --version or a usage error (said in one line).
 */
int vnc_parse_args(int argc, char **argv, struct vnc_options *o);

/* ------------------------------------------------------------------------ */
/* Listening sockets (net.c)                                                */
/* ------------------------------------------------------------------------ */

/** A bound, listening TCP socket. */
struct vnc_listener {
    int fd;
    struct sockaddr_storage addr; /**< what it is bound to (port filled in) */
    socklen_t addrlen;
    char text[80]; /**< "127.0.0.1:5900", "[::1]:5900" */
};

/**
 * Resolves \p host (numeric or a name) and tells whether every address it
 * stands for is a loopback address.  \returns 1, 0, or a negative EAI_*
 * code from getaddrinfo (see gai_strerror).
 */
int vnc_host_is_loopback(const char *host);

/**
 * Binds and listens on \p host : \p port (0: any free port) with
 * SO_REUSEADDR, close-on-exec.  \returns 0, or -errno (EAI errors become
 * -EADDRNOTAVAIL); \p why receives a short reason on failure.
 */
int vnc_listen(const char *host, int port, struct vnc_listener *out, char *why, size_t whylen);

/** The port of a bound address. */
int vnc_addr_port(const struct sockaddr_storage *a);

/** Formats an address as "host:port" or "[v6]:port". */
void vnc_addr_text(const struct sockaddr *a, socklen_t len, char *out, size_t size);

/**
 * Where to connect to reach a listener: its own address, or loopback when it
 * is bound to the wildcard address.  Writes the numeric host only.
 */
void vnc_listener_target(const struct vnc_listener *l, char *host, size_t size);

/* ------------------------------------------------------------------------ */
/* Input translation (input.c): pure functions                              */
/* ------------------------------------------------------------------------ */

/** Keys remembered as held, to release them when a client leaves. */
#define VNC_KEYS_HELD 16
/** Most shmfb events one RFB pointer or key event turns into. */
#define VNC_EVENTS_MAX 16

/** What translation remembers of one client between its events. */
struct vnc_input {
    uint32_t mask;                /**< RFB button mask last seen */
    int32_t x, y;                 /**< last pointer position */
    bool seen;                    /**< a pointer event arrived */
    bool caps;                    /**< Caps Lock toggled on */
    uint32_t held[VNC_KEYS_HELD]; /**< keysyms held down; 0: free */
};

/** USB HID usage id of the key that types \p keysym on a US layout; 0 if none. */
uint32_t vnc_key_usage(uint32_t keysym);
/** shmfb key symbol (see SHMFB_KEY_SPECIAL) of \p keysym; 0 if it has none. */
uint32_t vnc_key_sym(uint32_t keysym);
/** Code point \p keysym types with modifiers \p mods, or 0 (control
 *  characters, keys without text, or Ctrl/Alt/Meta held). */
uint32_t vnc_key_text(uint32_t keysym, uint32_t mods);
/** enum shmfb_mod bits of the modifiers held (and Caps Lock). */
uint32_t vnc_input_mods(const struct vnc_input *in);
/** shmfb button bits (bit button-1) of an RFB button mask. */
uint32_t vnc_input_buttons(uint32_t mask);

/**
 * Translates an RFB pointer event (button mask, position) into motion,
 * button and wheel events.  \returns the number written (at most
 * VNC_EVENTS_MAX); time_ms is left 0.
 */
int vnc_input_pointer(struct vnc_input *in, uint32_t mask, int32_t x, int32_t y,
                      struct shmfb_event *out);
/**
 * Translates an RFB key event into a key down or up event and, for a key
 * down that types a character, a text event.  \returns the number written
 * (0..2).
 */
int vnc_input_key(struct vnc_input *in, bool down, uint32_t keysym, struct shmfb_event *out);
/**
 * Releases every button and key still held (a client left).  \returns the
 * number of events written (at most VNC_EVENTS_MAX + VNC_KEYS_HELD).
 */
int vnc_input_release(struct vnc_input *in, struct shmfb_event *out);

/* ------------------------------------------------------------------------ */
/* The bridge (frames.c, server.c, cursor.c)                                */
/* ------------------------------------------------------------------------ */

struct _rfbScreenInfo;

/** A shadow buffer: the pixels clients are served from. */
struct vnc_shadow {
    uint32_t *pixels;
    int32_t cap_w, cap_h; /**< its size; frames up to this size fit */
    struct vnc_shadow *retired;
};

struct vnc_bridge {
    struct vnc_options opt;
    char *password;                /**< from --password-file, or NULL */
    struct vnc_listener rfb;       /**< the RFB socket (owned by libvncserver once started) */
    struct _rfbScreenInfo *screen; /**< libvncserver's screen */

    /* The framebuffer.  Only the main thread opens, waits on and closes it;
     * client input threads send on it under input_lock. */
    struct shmfb_consumer *consumer;
    pthread_mutex_t input_lock;
    struct shmfb_consumer *input; /**< the consumer events go to, or NULL */

    /* Written by the main thread only; old ones are kept until exit because
     * clients may still be reading them. */
    struct vnc_shadow *shadow;

    /* Handed from the main thread to the publisher, under lock. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    void *damage;          /**< sraRegion: copied, not yet marked modified */
    uint32_t *want_pixels; /**< shadow to serve */
    int32_t want_pitch;    /**< its row length in pixels */
    int32_t want_w, want_h;
    bool cursor_changed;
    bool quit;
    int clients; /**< connected clients (under lock) */
    pthread_t reap[VNC_MAX_CLIENTS * 2];
    int nreap; /**< client threads that ended, to be joined */
    pthread_t publisher;
    bool publisher_running;

    /* The cursor as last read from the producer (under cursor_lock). */
    pthread_mutex_t cursor_lock;
    struct shmfb_cursor *cursor;
    uint64_t cursor_serial; /**< bumped on every change */
};

/** Makes the shadow large enough for \p c's capacity.  \returns 0, -ENOMEM. */
int vnc_frames_fit(struct vnc_bridge *b, const struct shmfb_consumer *c);
/** Copies a frame's damage into the shadow. */
void vnc_frames_copy(struct vnc_bridge *b, const struct shmfb_frame *f);
/**
 * The main thread's loop: frames into the shadow until *stop is set, or the
 * spawned program \p ch (may be NULL) exits.  \returns the exit status.
 */
int vnc_frames_run(struct vnc_bridge *b, struct target_child *ch, volatile sig_atomic_t *stop);
/** Closes the consumer and frees every shadow (after vnc_server_stop()). */
void vnc_frames_close(struct vnc_bridge *b);

/** Sets up libvncserver on b->rfb at width × height of b->shadow. */
int vnc_server_start(struct vnc_bridge *b, int32_t width, int32_t height);
/** Disconnects every client, stops every thread and frees the server. */
void vnc_server_stop(struct vnc_bridge *b);
/** Main thread: a frame's damage is in the shadow; have it served. */
void vnc_server_damage(struct vnc_bridge *b, const struct shmfb_frame *f);
/** Main thread: the producer's cursor changed. */
void vnc_server_cursor(struct vnc_bridge *b, const struct shmfb_cursor *c);

/** Largest clipboard text sent to clients as ServerCutText. */
#define VNC_CUT_MAX (1 << 20)
/** Any thread: offers a client's cut text (Latin-1, or UTF-8 with \p utf8)
 *  as the producer's clipboard, under input_lock. */
void vnc_clip_from_client(struct vnc_bridge *b, const char *text, size_t len, bool utf8);
/** Main thread, after each wait for frames: the producer's clipboard text
 *  to the clients (its host calls under input_lock). */
void vnc_clip_pump(struct vnc_bridge *b);

/** Sends events to the producer (any thread); dropped without one. */
void vnc_send_events(struct vnc_bridge *b, struct shmfb_event *ev, int n);

/** Per-client state, in libvncserver's cl->clientData. */
struct vnc_client {
    struct vnc_input input;           /**< client's input thread only */
    char peer[80];                    /**< "address:port" */
    uint64_t since_ms;                /**< when it connected */
    uint64_t resize_ms;               /**< when its last desktop size request was forwarded */
    bool scale_said;                  /**< its scaling request was answered (input thread) */
    struct vnc_client_cursor *cursor; /**< client's output thread only */
};

/** The rich cursor libvncserver sends a client (cursor.c); runs on the
 *  client's output thread. */
struct _rfbClientRec;
struct vnc_client_cursor;
struct rfbCursor *vnc_cursor_for_client(struct _rfbClientRec *cl);
/** Publisher: tells every client the cursor changed. */
void vnc_cursor_changed_all(struct vnc_bridge *b);
/** Frees a client's cursor copy; NULL is a no-op. */
void vnc_cursor_free(struct vnc_client_cursor *cc);

/* ------------------------------------------------------------------------ */
/* noVNC through websockify (web.c)                                         */
/* ------------------------------------------------------------------------ */

struct vnc_web {
    int32_t pid; /**< websockify's pid (and process group); 0: not running */
    int port;
    char url[128];
};

/**
 * Starts websockify serving noVNC on the --listen address at o->web_port,
 * forwarding to the RFB listener, and waits until it accepts connections.
 * Says why on failure.  \returns 0 or -1.
 */
int vnc_web_start(struct vnc_web *w, const struct vnc_options *o, const struct vnc_listener *rfb);
/** Stops websockify and whatever it started. */
void vnc_web_stop(struct vnc_web *w);

/** CLOCK_MONOTONIC milliseconds. */
uint64_t vnc_now_ms(void);

#endif /* SHMFB_VNC_H */
