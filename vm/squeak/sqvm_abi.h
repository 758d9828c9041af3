/*
 * The binary interface between the classic Unix Squeak VM 4.10 (Debian's
 * squeak-vm, amd64: a 32-bit object memory on a 64-bit host) and its
 * loadable display modules, declared from the documented facts alone.
 *
 * Facts this header relies on:
 *  - The VM looks up one data symbol, display_NAME, in so.vm-display-NAME,
 *    of type struct sqvm_module; it checks its version right after loading
 *    and the version of what make_interface() returns after parsing options.
 *  - The VM's integers (sqInt) are 32-bit int on this build: every integer
 *    argument and result below is int32_t.  A module that declares 64-bit
 *    parameters reads undefined upper halves.
 *  - Object "pointers" handed to the module (bitmaps, strings) are offsets
 *    from sqMemoryBase, zero-extended: sqMemoryBase + (uint32_t)oop.
 *  - The display table has no optional entry: the VM calls through every
 *    pointer without a check.
 */
#ifndef SHMFB_SQVM_ABI_H
#define SHMFB_SQVM_ABI_H

#include <stddef.h>
#include <stdint.h>

/** Version the VM requires of struct sqvm_module (1.1). */
#define SQVM_MODULE_VERSION 0x00010001
/** Version the VM requires of struct sqvm_display (1.2). */
#define SQVM_DISPLAY_VERSION 0x00010002

/** What a loadable module exports as display_NAME.  Must be writable: the
 *  VM replaces name and links modules through next. */
struct sqvm_module {
    int32_t version; /**< SQVM_MODULE_VERSION */
    char *name;      /**< overwritten by the VM with "vm-display-NAME" */
    const char *type;
    /** Offered each option word (argv[0]) with the rest of the command line
     *  after it; returns the words consumed, 0 for "not mine". */
    int (*parse_argument)(int argc, char **argv);
    void (*parse_environment)(void); /**< once, right after loading */
    void (*print_usage)(void);       /**< -help: this module's options */
    void (*print_usage_notes)(void);
    void *(*make_interface)(void); /**< once, after the options: the struct sqvm_display */
    struct sqvm_module *next;      /**< NULL; the VM's list */
};

_Static_assert(sizeof(void *) == 8, "the Debian amd64 VM: 64-bit pointers");
_Static_assert(sizeof(struct sqvm_module) == 72, "module size");
_Static_assert(offsetof(struct sqvm_module, name) == 8, "module layout");
_Static_assert(offsetof(struct sqvm_module, parse_argument) == 24, "module layout");
_Static_assert(offsetof(struct sqvm_module, make_interface) == 56, "module layout");
_Static_assert(offsetof(struct sqvm_module, next) == 64, "module layout");

/** The display module's entry points, in the VM's order.  "oop" arguments
 *  are heap offsets (see sqMemoryBase). */
struct sqvm_display {
    int32_t version; /**< SQVM_DISPLAY_VERSION */
    char *(*win_system_name)(void);
    void (*win_init)(void); /**< before the image is read */
    void (*win_open)(void); /**< after the image is read, before it runs */
    void (*win_set_name)(char *title);
    int32_t (*win_image_find)(char *buf, int32_t size);
    void (*win_image_not_found)(void);
    void (*win_exit)(void); /**< the image quits; exit(0) follows */
    int32_t (*form_print)(int32_t bits_oop, int32_t w, int32_t h, int32_t depth, double h_scale,
                          double v_scale, int32_t landscape);
    int32_t (*beep)(void);
    int32_t (*relinquish_processor)(int32_t microseconds);
    int32_t (*process_events)(void);
    int32_t (*screen_depth)(void);
    int32_t (*screen_size)(void); /**< (width << 16) | height */
    int32_t (*set_cursor_with_mask)(int32_t bits_oop, int32_t mask_oop, int32_t off_x,
                                    int32_t off_y);
    int32_t (*set_cursor_argb)(int32_t bits_oop, int32_t w, int32_t h, int32_t off_x,
                               int32_t off_y);
    int32_t (*set_full_screen)(int32_t flag);
    int32_t (*force_display_update)(void);
    /** Edges in the order left, right, top, bottom; right and bottom exclusive. */
    int32_t (*show_display)(int32_t bits_oop, int32_t w, int32_t h, int32_t depth, int32_t left,
                            int32_t right, int32_t top, int32_t bottom);
    int32_t (*has_display_depth)(int32_t depth);
    int32_t (*set_display_mode)(int32_t w, int32_t h, int32_t depth, int32_t full_screen);
    int32_t (*clipboard_size)(void);
    int32_t (*clipboard_write_from_at)(int32_t count, int32_t bytes_oop, int32_t start);
    int32_t (*clipboard_read_into_at)(int32_t count, int32_t bytes_oop, int32_t start);
    char **(*clipboard_get_type_names)(void);
    int32_t (*clipboard_size_with_type)(char *type, int32_t type_len);
    void (*clipboard_write_with_type)(char *data, size_t n, char *type, size_t type_len,
                                      int32_t is_dnd, int32_t is_claiming);
    int32_t (*dnd_out_start)(char *types, int32_t n);
    int32_t (*dnd_out_accepted_type)(char *buf, int32_t n);
    void (*dnd_out_send)(char *bytes, int32_t n);
    int32_t (*get_button_state)(void); /**< buttons | modifiers << 3 */
    int32_t (*peek_keystroke)(void);
    int32_t (*get_keystroke)(void);
    /** Fills the VM's zeroed 8 x 32-bit record; leaving type 0 means "none". */
    int32_t (*get_next_event)(int32_t *record);
    int32_t (*mouse_point)(void); /**< (x << 16) | (y & 0xFFFF) */
    void *(*get_display)(void);
    void *(*get_window)(void);
    int32_t (*gl_initialise)(void);
    int32_t (*gl_create_renderer)(void *r, int32_t x, int32_t y, int32_t w, int32_t h,
                                  int32_t flags);
    int32_t (*gl_make_current_renderer)(void *r);
    void (*gl_destroy_renderer)(void *r);
    void (*gl_swap_buffers)(void *r);
    void (*gl_set_buffer_rect)(void *r, int32_t x, int32_t y, int32_t w, int32_t h);
    int32_t (*plugin_browser_ready)(void);
    int32_t (*plugin_request_url_stream)(void);
    int32_t (*plugin_request_url)(void);
    int32_t (*plugin_post_url)(void);
    int32_t (*plugin_request_file_handle)(void);
    int32_t (*plugin_destroy_request)(void);
    int32_t (*plugin_request_state)(void);
    int (*host_window_close)(int index);
    int (*host_window_create)(int w, int h, int x, int y, char *attrs, int attr_len);
    int (*host_window_show_display)(unsigned *bits, int w, int h, int depth, int left, int right,
                                    int top, int bottom, int window_index);
    int (*host_window_get_size)(int index);
    int (*host_window_set_size)(int index, int w, int h);
    int (*host_window_get_position)(int index);
    int (*host_window_set_position)(int index, int x, int y);
    int (*host_window_set_title)(int index, char *title, int len);
    int (*host_window_close_all)(void);
};

/* Entry k sits at 8 + 8k; these offsets were read from the VM binary. */
_Static_assert(sizeof(struct sqvm_display) == 472, "display table size");
_Static_assert(offsetof(struct sqvm_display, win_system_name) == 8, "display layout");
_Static_assert(offsetof(struct sqvm_display, relinquish_processor) == 0x50, "display layout");
_Static_assert(offsetof(struct sqvm_display, screen_size) == 0x68, "display layout");
_Static_assert(offsetof(struct sqvm_display, show_display) == 0x90, "display layout");
_Static_assert(offsetof(struct sqvm_display, dnd_out_send) == 0xE8, "display layout");
_Static_assert(offsetof(struct sqvm_display, get_next_event) == 0x108, "display layout");
_Static_assert(offsetof(struct sqvm_display, mouse_point) == 0x110, "display layout");
_Static_assert(offsetof(struct sqvm_display, plugin_request_state) == 0x188, "display layout");
_Static_assert(offsetof(struct sqvm_display, host_window_close) == 0x190, "display layout");
_Static_assert(offsetof(struct sqvm_display, host_window_close_all) == 0x1D0, "display layout");

/** Event records are eight 32-bit words. */
#define SQVM_EVENT_WORDS 8

/* What the VM executable exports for its modules (resolved when the module
 * is loaded; a host that loads the module must define them). */

/** Base of the object memory: oop -> address is sqMemoryBase + (uint32_t)oop. */
extern char *sqMemoryBase;
/** Index of the image's input semaphore; 0 until the image registers one. */
extern int32_t inputEventSemaIndex;
/** Queues a signal of the semaphore at \p index (<= 0 ignored); VM thread only. */
int32_t signalSemaphoreWithIndex(int32_t index);
/** Milliseconds of the VM's clock (meaningless before win_init). */
int32_t ioMSecs(void);
/** The window size saved in the image header, (width << 16) | height. */
int32_t getSavedWindowSize(void);
/** Waits up to \p microseconds for the descriptors the VM watches and runs their
 *  handlers; 1 if any ran. */
int aioPoll(int microseconds);
/** Fails the primitive being run. */
int32_t primitiveFail(void);
/** The image file's path (a NUL-terminated array of the VM). */
extern char imageName[];
/** The files of the last drop, read 1-based by the VM's drop primitives;
 *  the display module fills both (malloc'd strings) before it queues the
 *  drop record. */
extern int32_t uxDropFileCount;
extern char **uxDropFileNames;

#endif /* SHMFB_SQVM_ABI_H */
