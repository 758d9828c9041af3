"""fake_qemu.py [--input | --clipboard] [QEMU ARGS...]: stands in for
qemu-system-* under shmfb-qemu and sends its listener malformed payloads.

With --input it only shows a grey 320x240 screen, says its mouse is
absolute, and logs every Keyboard, Mouse and SetUIInfo call it gets as
"fake-qemu: Interface.Method (arguments)".

With --clipboard it shows the grey screen and plays a guest's clipboard
(org.qemu.Display1.Clipboard, as a guest's clipboard agent would through
QEMU): it waits for the bridge's Grab of a viewer's text, asks for the
text with Request and logs it, then grabs the guest's clipboard with
CLIP_STEPS, answering the bridge's Requests with good and malformed
text; the last line is "fake-qemu: all N clipboard steps answered as
expected" or "... FAILED".

It serves the bridge's QMP monitor (the -chardev socket,...,fd=N the bridge
adds), accepts the D-Bus client handed over with getfd + add_client, offers
console 0 and, once a listener registers, calls it with every kind of bad
Scanout, Update, CursorDefine and MouseSet, checking that each is refused
and the good ones in between accepted.  Then it stays until told to quit
(QMP "quit": exit 0) or signalled.  One line per step on stderr; the last
is "fake-qemu: all N steps answered as expected" or "... FAILED".
"""
import json
import os
import re
import signal
import socket
import struct
import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

X8 = 0x20020888
R5G6B5 = 0x10020565
PATH = "/org/qemu/Display1/Console_0"
CONSOLE_XML = """
<node>
 <interface name='org.qemu.Display1.Console'>
  <method name='RegisterListener'><arg type='h' name='listener' direction='in'/></method>
  <method name='SetUIInfo'>
   <arg type='q' direction='in'/><arg type='q' direction='in'/><arg type='i' direction='in'/>
   <arg type='i' direction='in'/><arg type='u' direction='in'/><arg type='u' direction='in'/>
  </method>
  <property type='u' name='Width' access='read'/>
  <property type='u' name='Height' access='read'/>
 </interface>
 <interface name='org.qemu.Display1.Keyboard'>
  <method name='Press'><arg type='u' direction='in'/></method>
  <method name='Release'><arg type='u' direction='in'/></method>
 </interface>
 <interface name='org.qemu.Display1.Mouse'>
  <method name='Press'><arg type='u' direction='in'/></method>
  <method name='Release'><arg type='u' direction='in'/></method>
  <method name='SetAbsPosition'><arg type='u' direction='in'/><arg type='u' direction='in'/></method>
  <method name='RelMotion'><arg type='i' direction='in'/><arg type='i' direction='in'/></method>
  <property type='b' name='IsAbsolute' access='read'/>
 </interface>
</node>
"""


def log(msg):
    # One write per line: the bridge writes to the same file, and print()
    # writes the text and its newline separately, which lets a bridge line
    # land in between.
    os.write(2, ("fake-qemu: " + msg + "\n").encode())


def pixels(w, h, stride, argb):
    row = struct.pack("<I", argb) * w + b"\0" * (stride - 4 * w)
    return row * h


def V(sig, *args):
    return GLib.Variant(sig, args)


# (what, method, arguments, accepted?)
STEPS = [
    ("update before any scanout", "Update", V("(iiiiuuay)", 0, 0, 8, 8, 32, X8, pixels(8, 8, 32, 0)), False),
    ("empty scanout", "Scanout", V("(uuuuay)", 0, 0, 0, X8, b""), False),
    ("scanout beyond the capacity", "Scanout", V("(uuuuay)", 400, 100, 1600, X8, pixels(400, 100, 1600, 0)), False),
    ("stride below width * 4", "Scanout", V("(uuuuay)", 64, 48, 100, X8, b"\0" * 100 * 48), False),
    ("scanout data short", "Scanout", V("(uuuuay)", 64, 48, 256, X8, b"\0" * (256 * 47)), False),
    ("r5g6b5 scanout", "Scanout", V("(uuuuay)", 64, 48, 128, R5G6B5, b"\0" * (128 * 48)), False),
    ("good scanout (red, padded rows)", "Scanout", V("(uuuuay)", 64, 48, 260, X8, pixels(64, 48, 260, 0xFFFF0000)), True),
    ("update left of the surface", "Update", V("(iiiiuuay)", -1, 0, 8, 8, 32, X8, pixels(8, 8, 32, 0)), False),
    ("update beyond the capacity", "Update", V("(iiiiuuay)", 316, 0, 8, 8, 32, X8, pixels(8, 8, 32, 0)), False),
    ("update with a huge height", "Update", V("(iiiiuuay)", 0, 1, 8, 0x7FFFFFFF, 32, X8, pixels(8, 8, 32, 0)), False),
    ("update stride below width * 4", "Update", V("(iiiiuuay)", 0, 0, 8, 8, 31, X8, b"\0" * 256), False),
    ("update data short", "Update", V("(iiiiuuay)", 0, 0, 8, 8, 32, X8, b"\0" * 255), False),
    ("update of the wrong signature", "Update", V("(iiii)", 0, 0, 8, 8), False),
    ("cursor of 100x100", "CursorDefine", V("(iiiiay)", 100, 100, 0, 0, b"\0" * 40000), False),
    ("cursor hotspot outside", "CursorDefine", V("(iiiiay)", 8, 8, 9, 0, b"\0" * 256), False),
    ("cursor data short", "CursorDefine", V("(iiiiay)", 8, 8, 0, 0, b"\0" * 100), False),
    ("mouse visibility 7", "MouseSet", V("(iii)", 0, 0, 7), False),
    ("an unknown method", "ScanoutDMABUF", V("(u)", 0), False),
    ("good update (green 16x16 at 8,8)", "Update", V("(iiiiuuay)", 8, 8, 16, 16, 64, X8, pixels(16, 16, 64, 0xFF00FF00)), True),
    ("good cursor (8x8, hotspot 1,1)", "CursorDefine", V("(iiiiay)", 8, 8, 1, 1, pixels(8, 8, 32, 0xFFFFFFFF)), True),
    ("cursor shown", "MouseSet", V("(iii)", 3, 3, 1), True),
]


CLIP_PATH = "/org/qemu/Display1/Clipboard"
CLIP_IFACE = "org.qemu.Display1.Clipboard"
TEXT = "text/plain;charset=utf-8"
CLIPBOARD_XML = """
<node>
 <interface name='org.qemu.Display1.Clipboard'>
  <method name='Register'/>
  <method name='Unregister'/>
  <method name='Grab'>
   <arg type='u' direction='in'/><arg type='u' direction='in'/><arg type='as' direction='in'/>
  </method>
  <method name='Release'><arg type='u' direction='in'/></method>
  <method name='Request'>
   <arg type='u' direction='in'/><arg type='as' direction='in'/>
   <arg type='s' direction='out'/><arg type='ay' direction='out'/>
  </method>
 </interface>
</node>
"""


def text_reply(mime, data):
    """A Request's answer (the bytes without GLib's element-wise copy)."""
    ay = GLib.Variant.new_from_bytes(GLib.VariantType("ay"), GLib.Bytes.new(data), True)
    return GLib.Variant.new_tuple(GLib.Variant("s", mime), ay)


# (what, Grab arguments, accepted?, the answer to the bridge's Request or
# None when the bridge must not ask).  The viewer's grab had serial 1.
CLIP_STEPS = [
    ("a grab that lost the race (serial 0)", V("(uuas)", 0, 0, [TEXT]), True, None),
    ("guest text", V("(uuas)", 0, 2, [TEXT]), True, text_reply(TEXT, "gäst text ✓".encode())),
    ("selection 7", V("(uuas)", 7, 3, [TEXT]), False, None),
    ("100 MIME types", V("(uuas)", 0, 3, ["x/y%d" % i for i in range(99)] + [TEXT]), False, None),
    ("a grab of the wrong signature", V("(u)", 0), False, None),
    ("text answered as image/png", V("(uuas)", 0, 3, [TEXT]), True, text_reply("image/png", b"\x89PNG")),
    ("text that is not UTF-8", V("(uuas)", 0, 4, [TEXT]), True, text_reply(TEXT, b"ok \xff\xfe")),
    ("16 MiB + 1 of text", V("(uuas)", 0, 5, [TEXT]), True, text_reply(TEXT, b"a" * ((16 << 20) + 1))),
    ("an answer of the wrong signature", V("(uuas)", 0, 6, [TEXT]), True, V("(s)", TEXT)),
    ("second guest text", V("(uuas)", 0, 7, [TEXT]), True, text_reply(TEXT, b"second guest text")),
]


INPUT_STEPS = [
    ("grey screen", "Scanout", V("(uuuuay)", 320, 240, 1280, X8, pixels(320, 240, 1280, 0xFF808080)), True),
]


class Fake:
    def __init__(self, qmp_fd, steps, absolute, clipboard=False):
        self.steps = steps
        self.clipboard = clipboard
        self.step = None
        self.bad = 0
        self.absolute = absolute
        self.loop = GLib.MainLoop()
        self.qmp = socket.socket(fileno=qmp_fd)
        self.buf = b""
        self.fds = {}
        self.pending_fd = None
        self.conn = None
        self.lconn = None
        self.status = 0
        self.qmp.sendall(b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, '
                         b'"package": "fake"}, "capabilities": []}}\n')
        GLib.io_add_watch(self.qmp.fileno(), GLib.IO_IN | GLib.IO_HUP, self.qmp_readable)

    # ---- QMP
    def reply(self, obj):
        self.qmp.sendall((json.dumps(obj) + "\n").encode())

    def qmp_readable(self, fd, cond):
        data, anc, _, _ = self.qmp.recvmsg(65536, socket.CMSG_SPACE(16))
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                self.pending_fd = struct.unpack("i", payload[:4])[0]
        if not data:
            log("the monitor closed")
            self.loop.quit()
            return False
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            if line.strip():
                self.command(json.loads(line))
        return True

    def command(self, msg):
        cmd, args = msg.get("execute"), msg.get("arguments", {})
        if cmd == "getfd":
            self.fds[args["fdname"]] = self.pending_fd
            self.pending_fd = None
        if cmd in ("qmp_capabilities", "getfd", "system_powerdown", "quit"):
            self.reply({"return": {}})
            log(cmd)
            if cmd == "quit":
                self.loop.quit()
            return
        if cmd == "add_client":
            self.reply({"return": {}})
            self.serve(self.fds.pop(args["fdname"]), self.main_ready)
            return
        self.reply({"error": {"class": "GenericError", "desc": "not in the fake"}})

    # ---- D-Bus, the server side of both connections as in QEMU
    def serve(self, fd, ready):
        stream = Gio.Socket.new_from_fd(fd).connection_factory_create_connection()
        # Messages wait until the objects are there, as in QEMU.
        flags = (Gio.DBusConnectionFlags.AUTHENTICATION_SERVER |
                 Gio.DBusConnectionFlags.DELAY_MESSAGE_PROCESSING)
        Gio.DBusConnection.new(stream, Gio.dbus_generate_guid(), flags, None, None,
                               lambda src, res: ready(Gio.DBusConnection.new_finish(res)))

    def main_ready(self, conn):
        self.conn = conn
        node = Gio.DBusNodeInfo.new_for_xml(CONSOLE_XML)
        for iface in node.interfaces:
            conn.register_object(PATH, iface, self.console_call, self.get_property, None)
        if self.clipboard:
            node = Gio.DBusNodeInfo.new_for_xml(CLIPBOARD_XML)
            conn.register_object(CLIP_PATH, node.interfaces[0], self.clip_call, None, None)
        conn.start_message_processing()

    def get_property(self, conn, sender, path, iface, name):
        return {"IsAbsolute": GLib.Variant("b", self.absolute), "Width": GLib.Variant("u", 64),
                "Height": GLib.Variant("u", 48)}[name]

    def console_call(self, conn, sender, path, iface, method, params, invocation):
        if method != "RegisterListener":
            log("%s.%s %s" % (iface.rsplit(".", 1)[1], method, params.unpack()))
            invocation.return_value(None)
            return
        fd = invocation.get_message().get_unix_fd_list().get(params.unpack()[0])
        invocation.return_value(None)
        self.serve(fd, self.listener_ready)

    def listener_ready(self, lconn):
        self.lconn = lconn
        lconn.start_message_processing()
        GLib.idle_add(self.run_steps)

    def run_steps(self):
        bad = 0
        for i, (what, method, args, ok) in enumerate(self.steps, 1):
            try:
                self.lconn.call_sync(None, "/org/qemu/Display1/Listener",
                                     "org.qemu.Display1.Listener", method, args, None,
                                     Gio.DBusCallFlags.NONE, 10000, None)
                got, err = True, ""
            except GLib.Error as e:
                got, err = False, e.message
            verdict = "as expected" if got == ok else "UNEXPECTED"
            bad += got != ok
            log("step %d, %s: %s %s%s" % (i, what, "accepted" if got else "refused", verdict,
                                          (" (" + err + ")") if err else ""))
        if bad:
            log("%d of %d steps FAILED" % (bad, len(self.steps)))
        else:
            log("all %d steps answered as expected" % len(self.steps))
        return False


    # ---- the guest's clipboard (--clipboard)
    def call_bridge(self, method, args, done):
        self.conn.call(None, CLIP_PATH, CLIP_IFACE, method, args, None, Gio.DBusCallFlags.NONE,
                       10000, None, done)

    def clip_call(self, conn, sender, path, iface, method, params, invocation):
        if method == "Request":
            self.bridge_requests(params, invocation)
            return
        log("Clipboard.%s %s" % (method, params.unpack()))
        invocation.return_value(None)
        if method == "Register":
            # As QEMU does: its clipboard's serials start again.
            self.call_bridge("Register", None, lambda c, r: c.call_finish(r))
        elif method == "Grab" and self.step is None:
            self.step = -1
            self.call_bridge("Request", V("(uas)", 0, [TEXT]), self.host_text)

    def host_text(self, conn, res):
        try:
            mime, data = conn.call_finish(res).unpack()
            log("the bridge answered Request with %s %r" % (mime, bytes(data).decode()))
        except GLib.Error as e:
            log("the bridge refused Request: %s" % e.message)
            self.bad += 1
        self.next_step()

    def next_step(self):
        self.step += 1
        if self.step == len(CLIP_STEPS):
            if self.bad:
                log("%d of %d clipboard steps FAILED" % (self.bad, len(CLIP_STEPS)))
            else:
                log("all %d clipboard steps answered as expected" % len(CLIP_STEPS))
            return
        what, args, ok, answer = CLIP_STEPS[self.step]
        self.requested = False
        self.grabbed = None
        step = self.step
        self.call_bridge("Grab", args, lambda c, r: self.grab_done(step, c, r))
        # A step ends after the bridge asked (and had time to take the
        # answer) or, when it must not ask, after it had time to.
        GLib.timeout_add(3000 if answer else 800, self.step_over, self.step)

    def grab_done(self, step, conn, res):
        what, args, ok, answer = CLIP_STEPS[step]
        try:
            conn.call_finish(res)
            got, err = True, ""
        except GLib.Error as e:
            got, err = False, e.message
        self.bad += got != ok
        log("clipboard step %d, %s: grab %s %s%s" % (step + 1, what, "accepted" if got else "refused",
                                                    "as expected" if got == ok else "UNEXPECTED",
                                                    (" (" + err + ")") if err else ""))

    def bridge_requests(self, params, invocation):
        what, args, ok, answer = CLIP_STEPS[self.step] if self.step >= 0 else ("", 0, 0, None)
        if answer is None or self.requested:
            log("clipboard step %d, %s: UNEXPECTED Request %s" % (self.step + 1, what, params.unpack()))
            self.bad += 1
            invocation.return_dbus_error("org.qemu.Display1.Error.Failed", "not asked for")
            return
        self.requested = True
        log("clipboard step %d, %s: Request %s answered" % (self.step + 1, what, params.unpack()))
        if answer.get_type_string() == "(say)":
            invocation.return_value(answer)
        else:
            # A reply of the wrong type, past GDBus's own check.
            reply = invocation.get_message().new_method_reply()
            reply.set_body(answer)
            invocation.get_connection().send_message(reply, Gio.DBusSendMessageFlags.NONE)
        GLib.timeout_add(300, self.step_over, self.step)

    def step_over(self, step):
        if step != self.step:
            return False
        if CLIP_STEPS[step][3] is not None and not self.requested:
            log("clipboard step %d: the bridge did not ask for the text" % (step + 1))
            self.bad += 1
        self.next_step()
        return False


def main(argv):
    fd = None
    for i, a in enumerate(argv):
        m = re.match(r"socket,id=[^,]+,fd=(\d+)$", a)
        if m and argv[i - 1] == "-chardev":
            fd = int(m.group(1))
    if fd is None:
        log("no -chardev socket,...,fd=N among the arguments")
        return 2
    clipboard = "--clipboard" in argv
    with_input = "--input" in argv or clipboard
    fake = Fake(fd, INPUT_STEPS if with_input else STEPS, with_input, clipboard)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, lambda: fake.loop.quit() or True)
    fake.loop.run()
    return fake.status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
