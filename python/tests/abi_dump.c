/*
 * Prints what the C compiler makes of the structs and constants in shmfb.h,
 * one "struct field offset size" or "const NAME value" line each, for the
 * Python tests to compare with their ctypes declarations; and, as "wire"
 * lines, the few offsets of the private layout (src/wire.h) the tests that
 * play a hostile producer write to.
 */
#include <shmfb/shmfb.h>

#include "../../src/wire.h"

#include <stddef.h>
#include <stdio.h>

#define FIELD(s, f)                                                                                \
    printf("%s %s %zu %zu\n", #s, #f, offsetof(struct s, f), sizeof(((struct s *)0)->f))
#define SIZE(s)     printf("%s sizeof %zu %zu\n", #s, sizeof(struct s), _Alignof(struct s))
#define CONSTANT(c) printf("const %s %lld\n", #c, (long long)(c))

static void rect_and_descs(void)
{
    SIZE(shmfb_rect);
    FIELD(shmfb_rect, x);
    FIELD(shmfb_rect, y);
    FIELD(shmfb_rect, w);
    FIELD(shmfb_rect, h);
    SIZE(shmfb_producer_desc);
    FIELD(shmfb_producer_desc, max_width);
    FIELD(shmfb_producer_desc, max_height);
    FIELD(shmfb_producer_desc, width);
    FIELD(shmfb_producer_desc, height);
    FIELD(shmfb_producer_desc, format);
    FIELD(shmfb_producer_desc, pacing);
    FIELD(shmfb_producer_desc, timeout_ms);
    FIELD(shmfb_producer_desc, flags);
    FIELD(shmfb_producer_desc, share_uid);
    FIELD(shmfb_producer_desc, buffers);
    FIELD(shmfb_producer_desc, reserved);
    SIZE(shmfb_consumer_desc);
    FIELD(shmfb_consumer_desc, flags);
    FIELD(shmfb_consumer_desc, trust_uid);
    FIELD(shmfb_consumer_desc, timeout_ms);
    FIELD(shmfb_consumer_desc, reserved);
}

static void frame_and_event(void)
{
    SIZE(shmfb_frame);
    FIELD(shmfb_frame, seq);
    FIELD(shmfb_frame, width);
    FIELD(shmfb_frame, height);
    FIELD(shmfb_frame, stride);
    FIELD(shmfb_frame, format);
    FIELD(shmfb_frame, flags);
    FIELD(shmfb_frame, ndamage);
    FIELD(shmfb_frame, bounds);
    FIELD(shmfb_frame, damage);
    FIELD(shmfb_frame, pixels);
    FIELD(shmfb_frame, time_ns);
    FIELD(shmfb_frame, reserved);
    SIZE(shmfb_event);
    FIELD(shmfb_event, type);
    FIELD(shmfb_event, time_ms);
    FIELD(shmfb_event, x);
    FIELD(shmfb_event, y);
    FIELD(shmfb_event, code);
    FIELD(shmfb_event, sym);
    FIELD(shmfb_event, mods);
    FIELD(shmfb_event, buttons);
}

static void info(void)
{
    SIZE(shmfb_info);
    FIELD(shmfb_info, name);
    FIELD(shmfb_info, max_width);
    FIELD(shmfb_info, max_height);
    FIELD(shmfb_info, width);
    FIELD(shmfb_info, height);
    FIELD(shmfb_info, format);
    FIELD(shmfb_info, pacing);
    FIELD(shmfb_info, producer_pid);
    FIELD(shmfb_info, consumers);
    FIELD(shmfb_info, frames);
    FIELD(shmfb_info, alive);
    FIELD(shmfb_info, size_bytes);
    FIELD(shmfb_info, reserved);
}

static void back(void)
{
    SIZE(shmfb_back);
    FIELD(shmfb_back, pixels);
    FIELD(shmfb_back, stride);
    FIELD(shmfb_back, nrepair);
    FIELD(shmfb_back, repair);
    FIELD(shmfb_back, reserved);
}

static void cursor(void)
{
    SIZE(shmfb_cursor);
    FIELD(shmfb_cursor, seq);
    FIELD(shmfb_cursor, state);
    FIELD(shmfb_cursor, width);
    FIELD(shmfb_cursor, height);
    FIELD(shmfb_cursor, hot_x);
    FIELD(shmfb_cursor, hot_y);
    FIELD(shmfb_cursor, pixels);
    FIELD(shmfb_cursor, reserved);
}

static void host(void)
{
    SIZE(shmfb_clip_item);
    FIELD(shmfb_clip_item, mime);
    FIELD(shmfb_clip_item, data);
    FIELD(shmfb_clip_item, size);
    FIELD(shmfb_clip_item, reserved);
    SIZE(shmfb_host_msg);
    FIELD(shmfb_host_msg, type);
    FIELD(shmfb_host_msg, count);
    FIELD(shmfb_host_msg, items);
    FIELD(shmfb_host_msg, title);
    FIELD(shmfb_host_msg, fullscreen);
    FIELD(shmfb_host_msg, x);
    FIELD(shmfb_host_msg, y);
    FIELD(shmfb_host_msg, paths);
    FIELD(shmfb_host_msg, reserved);
}

#define WIRE(s, f) printf("wire %s.%s %zu\n", #s, #f, offsetof(struct wire_##s, f))

static void wire(void)
{
    WIRE(header, version);
    WIRE(header, total_size);
    WIRE(header, max_width);
    WIRE(header, nbuffers);
    WIRE(header, cursor_offset);
    WIRE(header, buffer_offset);
    WIRE(cursor, lock);
    WIRE(cursor, state);
    WIRE(cursor, width);
    WIRE(cursor, height);
    WIRE(cursor, hot_x);
    WIRE(cursor, hot_y);
    WIRE(cursor, seq);
    WIRE(handoff, tag);
    WIRE(handoff, version);
    WIRE(handoff, status);
    WIRE(handoff, token);
    WIRE(handoff, name);
    printf("wire handoff.sizeof %zu\n", sizeof(struct wire_handoff));
    printf("wire version %u\n", WIRE_VERSION);
    printf("wire tag %s\n", WIRE_HANDOFF_TAG);
}

static void constants(void)
{
    CONSTANT(SHMFB_VERSION_MAJOR);
    CONSTANT(SHMFB_VERSION_MINOR);
    CONSTANT(SHMFB_VERSION_PATCH);
    CONSTANT(SHMFB_MAX_CONSUMERS);
    CONSTANT(SHMFB_MAX_DAMAGE);
    CONSTANT(SHMFB_NAME_MAX);
    CONSTANT(SHMFB_DIM_MAX);
    CONSTANT(SHMFB_EVENT_QUEUE);
    CONSTANT(SHMFB_KEY_SPECIAL);
    CONSTANT(SHMFB_FORMAT_XRGB8888);
    CONSTANT(SHMFB_FORMAT_ARGB8888);
    CONSTANT(SHMFB_PACING_FIFO);
    CONSTANT(SHMFB_PACING_FREE);
    CONSTANT(SHMFB_FRAME_FULL);
    CONSTANT(SHMFB_FRAME_RESIZED);
    CONSTANT(SHMFB_WAIT_EVENT);
    CONSTANT(SHMFB_WAIT_TAKEN);
    CONSTANT(SHMFB_WAIT_FRAME);
    CONSTANT(SHMFB_WAIT_CURSOR);
    CONSTANT(SHMFB_WAIT_HOST);
    CONSTANT(SHMFB_HOST_CLIPBOARD);
    CONSTANT(SHMFB_HOST_TITLE);
    CONSTANT(SHMFB_HOST_FULLSCREEN);
    CONSTANT(SHMFB_HOST_DROP);
    CONSTANT(SHMFB_HOST_DATA_MAX);
    CONSTANT(SHMFB_CLIP_TYPES_MAX);
    CONSTANT(SHMFB_MIME_MAX);
    CONSTANT(SHMFB_TITLE_MAX);
    CONSTANT(SHMFB_DROP_MAX);
    CONSTANT(SHMFB_PATH_MAX);
    CONSTANT(SHMFB_CURSOR_MAX);
    CONSTANT(SHMFB_CURSOR_DEFAULT);
    CONSTANT(SHMFB_CURSOR_HIDDEN);
    CONSTANT(SHMFB_CURSOR_SHAPE);
    CONSTANT(SHMFB_MAX_BUFFERS);
    CONSTANT(SHMFB_PACING_MAILBOX);
    CONSTANT(SHMFB_SHARE_UID);
    CONSTANT(SHMFB_SHARE_ANY);
    CONSTANT(SHMFB_OWN_IMAGE);
    CONSTANT(SHMFB_TRUST_UID);
    CONSTANT(SHMFB_LIST_STALE);
    CONSTANT(SHMFB_LIST_REAP);
    CONSTANT(SHMFB_EVENT_MOTION);
    CONSTANT(SHMFB_EVENT_BUTTON_DOWN);
    CONSTANT(SHMFB_EVENT_BUTTON_UP);
    CONSTANT(SHMFB_EVENT_WHEEL);
    CONSTANT(SHMFB_EVENT_KEY_DOWN);
    CONSTANT(SHMFB_EVENT_KEY_UP);
    CONSTANT(SHMFB_EVENT_TEXT);
    CONSTANT(SHMFB_EVENT_FOCUS_IN);
    CONSTANT(SHMFB_EVENT_FOCUS_OUT);
    CONSTANT(SHMFB_EVENT_CLOSE);
    CONSTANT(SHMFB_EVENT_RESIZE);
    CONSTANT(SHMFB_EVENT_FRAME_REQUEST);
    CONSTANT(SHMFB_BUTTON_LEFT);
    CONSTANT(SHMFB_BUTTON_MIDDLE);
    CONSTANT(SHMFB_BUTTON_RIGHT);
    CONSTANT(SHMFB_BUTTON_X1);
    CONSTANT(SHMFB_BUTTON_X2);
    CONSTANT(SHMFB_MOD_SHIFT);
    CONSTANT(SHMFB_MOD_CTRL);
    CONSTANT(SHMFB_MOD_ALT);
    CONSTANT(SHMFB_MOD_META);
    CONSTANT(SHMFB_MOD_CAPS);
}

int main(void)
{
    rect_and_descs();
    frame_and_event();
    host();
    info();
    cursor();
    back();
    constants();
    wire();
    return 0;
}
