#!/usr/bin/env bash
# shmfb-qemu with Debian's QEMU (TCG, no disk: SeaBIOS's screens), and with
# a fake QEMU that sends malformed payloads.
#
# usage: qemu.sh CASE BRIDGE VIEW SHMFB WATCH WMCLOSE PYTHON OUT_DIR
#
#   oracle     with the guest stopped, `shmfb snap` equals QMP screendump
#              (SeaBIOS and the iPXE ROM of an e1000 card); QEMU takes the
#              bridge as clipboard peer and a consumer's text as a grab
#   input      Escape typed into shmfb-view (xdotool, Xvfb) opens SeaBIOS's
#              boot menu; the snapshot again equals screendump
#   resize     a 1024x768 boot splash, Escape -> the 720x400 text menu, a
#              reset -> the splash again: framebuffer and viewer window follow
#   lifecycle  QEMU killed -> a consumer sees the producer gone, the bridge
#              exits 137, the name is free; SIGTERM -> power-down, quit, 0;
#              spawned: the viewer shows what screendump shows, Escape in
#              it opens the boot menu, closing it leaves no QEMU behind,
#              nor does killing it
#   attach     --attach to a QEMU on a private D-Bus bus (dbus-run-session),
#              which takes the bridge as clipboard peer
#   malformed  a fake QEMU's bad payloads are refused one line each, the
#              good ones between shown, the cursor published
#   keys       a fake QEMU logs what a click, a key, the wheel and a window
#              resize in shmfb-view become: Mouse, Keyboard, SetUIInfo calls
#   clipboard  a fake QEMU plays the guest's clipboard: a consumer's text
#              offer reaches it as Grab + Request answered with the bytes;
#              the guest's grabs reach the consumer as clipboard offers; a
#              grab that lost the race and malformed grabs and answers are
#              dropped, one line each, and the bridge goes on
#   cli        usage errors, --help, a QEMU that cannot run
#
# Everything a case produced stays in OUT_DIR/CASE.
set -uo pipefail

CASE=$1 BRIDGE=$2 VIEW=$3 SHMFB=$4 WATCH=$5 WMCLOSE=$6 PYTHON=$7 OUT=$8
HERE=$(cd "$(dirname "$0")" && pwd)
W=$OUT/$CASE
NAME=/qemu-$CASE-$$
. "$HERE/../procs.sh"
rm -rf "$W" && mkdir -p "$W" || exit 1
export LSAN_OPTIONS=suppressions=$HERE/lsan.supp:print_suppressions=0
# QEMU's monitor socket: in a short directory of its own, since a socket
# path must fit 108 bytes and the build tree may lie deep.
SOCKS=$(mktemp -d /tmp/shmfbt-qemu-XXXXXX) || exit 1
trap 'cleanup; rm -rf "$SOCKS"' EXIT
QMP=$SOCKS/qmp.sock
QEMU=(qemu-system-x86_64 -accel tcg -nodefaults -vga std -qmp "unix:$QMP,server=on,wait=off")
# shellcheck disable=SC2054 # one QEMU argument with commas
BOOT=(-boot menu=on,splash-time=60000)

log() { echo "[$CASE] $*"; }
fail() {
    echo "FAIL [$CASE]: $*" >&2
    for f in "$W"/*.err; do
        [ -s "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" | tail -n 40 >&2
    done
    exit 1
}

qmp() { "$PYTHON" "$HERE/qmp.py" "$QMP" "$@"; }

# Xvfb on a free display (its lock file settles races with other servers).
start_x() { start_xvfb "$W/xvfb.err" 1280x1024 1275 1020 || fail "could not start Xvfb"; }

# The viewer's window, moved to 0,0; sets WID.
find_viewer() {
    WID=$(xdotool search --classname '^shmfb-view$' 2>/dev/null | tail -n 1)
    [ -n "$WID" ] && xdotool windowmove "$WID" 0 0
}
win_size() { xdotool getwindowgeometry --shell "$WID" | awk -F= '/WIDTH|HEIGHT/ {printf "%s", $2 (/WIDTH/ ? "x" : "")}'; }
shot() { xwd -silent -id "$WID" >"$W/shot.xwd" 2>/dev/null && convert "xwd:$W/shot.xwd" "png:$1"; }

# fb_size NAME: the size `shmfb ls` lists for NAME.
fb_size() { "$SHMFB" ls 2>/dev/null | awk -v n="$1" '$1 == n {print $2}'; }
fb_is() { [ "$(fb_size "$1")" = "$2" ]; }
listed() { [ -n "$(fb_size "$1")" ]; }
not_listed() { ! listed "$1"; }
win_is() { [ "$(win_size)" = "$1" ]; }

# ae A B: ImageMagick's count of differing pixels (AE), or "" on error.
ae() { compare -metric AE "$1" "$2" null: 2>&1 | awk '{print $1}'; }

# same_as_screendump TAG [VIEWER]: with the guest stopped, the framebuffer
# (or the viewer window) and QMP screendump agree (AE 0).  The text cursor
# keeps blinking while the guest is stopped, so a picture taken across a
# blink is taken again.
same_as_screendump() {
    local tag=$1 viewer=${2:-} got n
    qmp stop >/dev/null || fail "QMP stop failed"
    for n in $(seq 20); do
        qmp screendump "{\"filename\": \"$W/$tag-dump.ppm\"}" >/dev/null || fail "screendump failed"
        if [ -n "$viewer" ]; then
            sleep 0.1
            shot "$W/$tag-snap.png" || fail "no screenshot of the viewer"
        else
            "$SHMFB" snap "$NAME" "$W/$tag-snap.png" --now >/dev/null 2>>"$W/snap.err" ||
                fail "shmfb snap failed"
        fi
        got=$(ae "$W/$tag-snap.png" "$W/$tag-dump.ppm")
        if [ "$got" = 0 ]; then
            qmp cont >/dev/null || fail "QMP cont failed"
            log "$tag: ${viewer:+the viewer window and }screendump agree (AE 0, try $n)"
            return 0
        fi
        sleep 0.2
    done
    compare "$W/$tag-snap.png" "$W/$tag-dump.ppm" "$W/$tag-diff.png" 2>/dev/null
    fail "$tag: the picture and screendump differ in $got pixels (see $W/$tag-diff.png)"
}

# start_bridge ERRFILE ARGS...: a named bridge; waits for its first frame.
start_bridge() {
    local err=$1
    shift
    bg "$err" "$BRIDGE" --name "$NAME" "$@"
    BPID=$LAST
    wait_for 30 listed "$NAME" || fail "the bridge published no framebuffer"
}

# text_screen: SeaBIOS's text screen is up (and QMP answers).
text_screen() { fb_is "$NAME" 720x400 && [ -S "$QMP" ]; }

gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
wait_exit() {
    wait_for "$2" gone "$1" || fail "process $1 did not exit"
    wait "$1"
}
# qemu_pid: QEMU started by this case (its command line names this case's
# QMP socket).
qemu_pid() { pgrep -f -- "^qemu-system-x86_64 .*unix:$QMP,server" | head -n 1; }

# ---- cases -------------------------------------------------------------------

case_oracle() {
    # With a network card: its iPXE option ROM prints too.
    start_bridge "$W/bridge.err" -- "${QEMU[@]}" -nic user,model=e1000 "${BOOT[@]}"
    wait_for 30 text_screen || fail "no 720x400 text screen (size $(fb_size "$NAME"))"
    wait_for 30 text_rows 3 || fail "SeaBIOS did not get to its boot menu prompt"
    sleep 0.5
    same_as_screendump boot
    # QEMU takes the bridge as its clipboard peer, and a consumer's text as
    # a grab (the guest has no clipboard agent to ask for the text).
    "$WATCH" clip "$NAME" 1000 "$W/ready" "host text" - >"$W/clip.out" 2>"$W/watch.err" ||
        fail "the consumer could not offer its clipboard"
    sleep 1
    ! grep -E "clipboard|QEMU refused" "$W/bridge.err" >&2 || fail "QEMU refused the clipboard peer or its grab"
    log "QEMU accepted the bridge as clipboard peer and a consumer's grab"
}

# dpixels A B: pixels that differ between two pictures.
dpixels() { ae "$1" "$2"; }

# text_rows N: at least N of the 25 text rows hold text (averaged down to a
# pixel a row: a row with only the blinking cursor stays black).
text_rows() {
    "$SHMFB" snap "$NAME" "$W/wait.png" --now >/dev/null 2>&1 &&
        [ "$(convert "$W/wait.png" -resize '1x25!' txt:- | grep -c -v -e '#000000' -e '^#')" -ge "$1" ]
}

# press_esc_shown: SeaBIOS's third text row ("Press ESC for boot menu.") is
# drawn: only then does it read the key.
press_esc_shown() {
    "$SHMFB" snap "$NAME" "$W/wait.png" --now >/dev/null 2>&1 &&
        [ "$(convert "$W/wait.png" -crop 720x16+0+32 -format '%[fx:mean>0]' info:)" = 1 ]
}

case_input() {
    start_x
    start_bridge "$W/bridge.err" -- "${QEMU[@]}" "${BOOT[@]}"
    wait_for 30 text_screen || fail "no text screen"
    bg "$W/view.err" "$VIEW" "$NAME"
    wait_for 15 find_viewer || fail "no viewer window appeared"
    wait_for 15 win_is 720x400 || fail "the viewer window is $(win_size), want 720x400"
    wait_for 30 press_esc_shown || fail "SeaBIOS did not offer its boot menu"
    "$SHMFB" snap "$NAME" "$W/before.png" --now >/dev/null || fail "shmfb snap failed"
    xdotool windowfocus --sync "$WID" 2>/dev/null || xdotool windowfocus "$WID"
    xdotool mousemove --window "$WID" 360 200 click 1 sleep 0.2 key Escape
    # The boot menu: far more than the text cursor (9x2 pixels) changes.
    local n
    for n in $(seq 60); do
        "$SHMFB" snap "$NAME" "$W/after.png" --now >/dev/null || fail "shmfb snap failed"
        [ "$(dpixels "$W/before.png" "$W/after.png")" -gt 300 ] && break
        sleep 0.25
    done
    [ "$(dpixels "$W/before.png" "$W/after.png")" -gt 300 ] ||
        fail "Escape changed nothing on the screen (no boot menu)"
    log "Escape through shmfb-view reached the guest ($(dpixels "$W/before.png" "$W/after.png") pixels changed)"
    sleep 0.5
    same_as_screendump menu
}

case_resize() {
    convert -size 1024x768 gradient:navy-orange -type TrueColor "BMP3:$W/splash.bmp" ||
        fail "cannot make the splash"
    start_x
    start_bridge "$W/bridge.err" -- "${QEMU[@]}" -boot "menu=on,splash=$W/splash.bmp,splash-time=60000"
    wait_for 30 fb_is "$NAME" 1024x768 || fail "no 1024x768 splash (size $(fb_size "$NAME"))"
    bg "$W/view.err" "$VIEW" "$NAME"
    wait_for 15 find_viewer || fail "no viewer window appeared"
    wait_for 15 win_is 1024x768 || fail "the viewer window is $(win_size), want 1024x768"
    sleep 0.3
    same_as_screendump splash
    xdotool windowfocus --sync "$WID" 2>/dev/null || xdotool windowfocus "$WID"
    xdotool mousemove --window "$WID" 500 400 click 1 sleep 0.2 key Escape
    wait_for 30 fb_is "$NAME" 720x400 || fail "graphics -> text: the framebuffer is $(fb_size "$NAME")"
    wait_for 15 win_is 720x400 || fail "graphics -> text: the window is $(win_size)"
    log "graphics 1024x768 -> text 720x400 followed by the framebuffer and the window"
    sleep 0.3
    same_as_screendump menu
    qmp system_reset >/dev/null || fail "QMP system_reset failed"
    wait_for 30 fb_is "$NAME" 1024x768 || fail "text -> graphics: the framebuffer is $(fb_size "$NAME")"
    wait_for 15 win_is 1024x768 || fail "text -> graphics: the window is $(win_size)"
    log "text 720x400 -> graphics 1024x768 followed by the framebuffer and the window"
    sleep 0.3
    same_as_screendump splash-again
    same_as_screendump window 1
}

case_lifecycle() {
    local rc qpid vpid
    # QEMU killed: the consumer learns it, the name goes, the bridge says so.
    start_bridge "$W/bridge-kill.err" -- "${QEMU[@]}" "${BOOT[@]}"
    wait_for 30 text_screen || fail "no text screen"
    bg "$W/watch.err" "$WATCH" gone "$NAME" 15000 "$W/watch.ready"
    local watch=$LAST
    wait_for 10 test -e "$W/watch.ready" || fail "the consumer did not attach"
    qpid=$(qemu_pid)
    [ -n "$qpid" ] || fail "no QEMU process"
    [ "$(ps -o ppid= -p "$qpid" | tr -d ' ')" = "$BPID" ] || fail "QEMU is not the bridge's child"
    kill -KILL "$qpid"
    rc=0 && wait_exit "$BPID" 10 || rc=$?
    [ "$rc" -eq 137 ] || fail "bridge exit status $rc after QEMU was killed, want 137"
    grep -q "QEMU killed by signal 9" "$W/bridge-kill.err" || fail "the bridge did not say QEMU died"
    ! grep -q "closed the display connection" "$W/bridge-kill.err" ||
        fail "QEMU's death was reported as a lost display connection"
    rc=0 && wait_exit "$watch" 10 || rc=$?
    [ "$rc" -eq 0 ] || fail "the consumer did not see the producer gone"
    not_listed "$NAME" || fail "$NAME still listed"
    "$SHMFB" demo "$NAME" --frames 1 --fps 0 2>"$W/demo.err" || fail "the name cannot be taken again"
    log "QEMU killed: the consumer saw the producer gone; exit 137; name free"

    # SIGTERM: power-down asked, then quit; QEMU's status 0, nothing left.
    rm -f "$QMP"
    start_bridge "$W/bridge-term.err" --powerdown-timeout 1 -- "${QEMU[@]}" "${BOOT[@]}"
    wait_for 30 text_screen || fail "no text screen"
    qpid=$(qemu_pid)
    kill -TERM "$BPID"
    rc=0 && wait_exit "$BPID" 15 || rc=$?
    [ "$rc" -eq 0 ] || fail "bridge exit status $rc after SIGTERM, want 0"
    grep -q "asking the guest to power down" "$W/bridge-term.err" || fail "no power-down asked"
    ! kill -0 "$qpid" 2>/dev/null || fail "QEMU outlived the bridge"
    not_listed "$NAME" || fail "$NAME still listed after SIGTERM"
    log "SIGTERM: power-down, quit, exit 0, QEMU gone, name free"

    # Spawned: the one command of the README; the window shows SeaBIOS;
    # closing it ends QEMU and the bridge.
    rm -f "$QMP"
    start_x
    bg "$W/view.err" "$VIEW" -- "$BRIDGE" --powerdown-timeout 1 -- "${QEMU[@]}" "${BOOT[@]}"
    vpid=$LAST
    wait_for 30 find_viewer || fail "no viewer window appeared"
    wait_for 30 win_is 720x400 || fail "the spawned viewer's window is $(win_size)"
    local bpid
    bpid=$(pgrep -P "$vpid" | head -n 1)
    [ -n "$bpid" ] || fail "the viewer runs no bridge"
    ! "$SHMFB" ls | awk -v p="$bpid" '$4 == p' | grep -q . || fail "shmfb ls lists the spawned bridge"
    grep -q '/memfd:shmfb' "/proc/$bpid/maps" || fail "the bridge maps no shmfb memfd"
    sleep 0.5
    same_as_screendump spawned 1
    # ... and takes keys: Escape opens the boot menu in the window.
    xdotool windowfocus --sync "$WID" 2>/dev/null || xdotool windowfocus "$WID"
    xdotool mousemove --window "$WID" 360 200 click 1 sleep 0.2 key Escape
    local n
    for n in $(seq 60); do
        shot "$W/spawned-after.png" || fail "no screenshot of the viewer"
        [ "$(dpixels "$W/spawned-snap.png" "$W/spawned-after.png")" -gt 300 ] && break
        sleep 0.25
    done
    [ "$(dpixels "$W/spawned-snap.png" "$W/spawned-after.png")" -gt 300 ] ||
        fail "Escape in the spawned viewer changed nothing"
    sleep 0.5
    same_as_screendump spawned-menu 1
    qpid=$(qemu_pid)
    [ -n "$qpid" ] || fail "no QEMU process"
    "$WMCLOSE" "$WID"
    rc=0 && wait_exit "$vpid" 20 || rc=$?
    [ "$rc" -eq 0 ] || fail "viewer exit status $rc after close, want 0"
    ! kill -0 "$qpid" 2>/dev/null || fail "QEMU outlived the closed viewer"
    [ -z "$(qemu_pid)" ] || fail "a QEMU of this case still runs"
    log "spawned: the window shows SeaBIOS and takes keys; closing it leaves no QEMU"

    # A viewer killed outright: the bridge hears of it and ends QEMU.
    rm -f "$QMP"
    bg "$W/view-kill.err" "$VIEW" -- "$BRIDGE" --powerdown-timeout 1 -- "${QEMU[@]}" "${BOOT[@]}"
    vpid=$LAST
    wait_for 30 find_viewer || fail "no viewer window appeared"
    wait_for 30 qemu_pid >/dev/null || fail "no QEMU process"
    qpid=$(qemu_pid)
    bpid=$(pgrep -P "$vpid" | head -n 1)
    kill -KILL "$vpid"
    wait_for 15 gone "$bpid" || fail "the bridge outlived its killed viewer"
    wait_for 5 gone "$qpid" || fail "QEMU outlived the killed viewer"
    log "viewer killed: the bridge powered the guest down and QEMU ended"
}

# stop_session: QEMU and the bridge on the private bus are not this shell's
# children: end them, then dbus-run-session ends and stops its bus.
stop_session() {
    [ -n "${SESSION:-}" ] || return 0
    local q b
    read -r q b 2>/dev/null <"$W/pids" && kill "$q" "$b" 2>/dev/null
    wait_for 10 gone "$SESSION"
    kill "$SESSION" 2>/dev/null
    wait "$SESSION" 2>/dev/null
}

case_attach() {
    # A private session bus: QEMU owns org.qemu on it, the bridge attaches.
    # Neither is this shell's child: stop both however the case ends.
    local rc
    trap 'stop_session; cleanup; rm -rf "$SOCKS"' EXIT
    # shellcheck disable=SC2016 # expanded by the inner shell
    dbus-run-session -- bash -c '
        "$0" -accel tcg -nodefaults -vga std -display dbus -boot menu=on,splash-time=60000 \
            -qmp "unix:$1,server=on,wait=off" 2>"$2/qemu.err" &
        q=$!
        for i in $(seq 100); do gdbus introspect --session --dest org.qemu \
            --object-path /org/qemu/Display1/Console_0 >/dev/null 2>&1 && break; sleep 0.1; done
        "$3" --name "$4" --attach "$DBUS_SESSION_BUS_ADDRESS" 2>"$2/bridge.err" &
        b=$!
        echo "$q $b" >"$2/pids"
        wait $b
        echo $? >"$2/bridge.status"
        kill $q 2>/dev/null; wait $q' qemu-system-x86_64 "$QMP" "$W" "$BRIDGE" "$NAME" \
        >"$W/session.out" 2>"$W/session.err" &
    SESSION=$!
    wait_for 30 text_screen || fail "no text screen through --attach (size $(fb_size "$NAME"))"
    sleep 0.5
    same_as_screendump attached
    ! grep -E "clipboard|QEMU refused" "$W/bridge.err" >&2 || fail "QEMU on the bus refused the clipboard peer"
    local qpid
    qpid=$(cut -d' ' -f1 "$W/pids")
    kill -TERM "$qpid"
    wait_for 15 test -e "$W/bridge.status" || fail "the bridge did not end when QEMU left the bus"
    rc=$(cat "$W/bridge.status")
    [ "$rc" -eq 0 ] || fail "bridge exit status $rc after QEMU left, want 0"
    not_listed "$NAME" || fail "$NAME still listed"
    wait_for 10 gone "$SESSION" || fail "the D-Bus session did not end"
    log "--attach: the bus's QEMU shown; its leaving ends the bridge, name free"
}

case_malformed() {
    local rc
    start_bridge "$W/bridge.err" --max 320x240 --powerdown-timeout 1 -- "$PYTHON" "$HERE/fake_qemu.py"
    wait_for 30 grep -q "fake-qemu: all [0-9]* steps answered as expected" "$W/bridge.err" ||
        fail "the fake QEMU's steps did not all go as expected"
    kill -0 "$BPID" || fail "the bridge died"
    local want
    for want in "refused Scanout from QEMU: stride 100 is less than width 64 \* 4" \
        "refused Scanout from QEMU: 12032 bytes of data, 12288 needed" \
        "refused Scanout from QEMU: pixman format 0x10020565 is not x8r8g8b8 or a8r8g8b8" \
        "refused Scanout from QEMU: 400x100 is beyond the capacity 320x240" \
        "refused Update from QEMU: update before any scanout" \
        "refused Update from QEMU: 8x8 at 316,0 is outside the 320x240 capacity" \
        "refused Update from QEMU: 8x2147483647 at 0,1 is outside" \
        "refused CursorDefine from QEMU: 100x100 cursor" \
        "refused MouseSet from QEMU: visibility 7"; do
        grep -q "^shmfb-qemu: $want" "$W/bridge.err" || fail "no line '$want'"
    done
    convert -size 64x48 xc:'#ff0000' -fill '#00ff00' -draw 'rectangle 8,8 23,23' "$W/want.png"
    "$SHMFB" snap "$NAME" "$W/got.png" --now >/dev/null || fail "shmfb snap failed"
    [ "$(ae "$W/got.png" "$W/want.png")" = 0 ] || fail "the framebuffer is not the good payloads' picture"
    local cur
    cur=$("$WATCH" cursor "$NAME") || fail "no cursor"
    [ "$cur" = "shape 8x8 hot 1,1 pixel 0xffffffff" ] || fail "cursor '$cur'"
    log "bad payloads refused one line each; the good ones shown; cursor $cur"
    kill -TERM "$BPID"
    rc=0 && wait_exit "$BPID" 15 || rc=$?
    [ "$rc" -eq 0 ] || fail "bridge exit status $rc, want 0 (the fake quits with 0)"
    grep -q "fake-qemu: system_powerdown" "$W/bridge.err" || fail "no power-down asked"
    grep -q "fake-qemu: quit" "$W/bridge.err" || fail "no quit after the power-down timeout"
    log "SIGTERM: system_powerdown, then quit after the timeout, exit 0"
}

# called CALL: the fake QEMU logged CALL (a literal line end).
called() { grep -qxF "fake-qemu: $1" "$W/bridge.err"; }
expect_call() { wait_for 10 called "$1" || fail "QEMU got no $1"; }

case_keys() {
    start_x
    start_bridge "$W/bridge.err" -- "$PYTHON" "$HERE/fake_qemu.py" --input
    wait_for 10 fb_is "$NAME" 320x240 || fail "no 320x240 screen from the fake"
    bg "$W/view.err" "$VIEW" "$NAME"
    wait_for 15 find_viewer || fail "no viewer window appeared"
    wait_for 15 win_is 320x240 || fail "the viewer window is $(win_size)"
    xdotool windowfocus --sync "$WID" 2>/dev/null || xdotool windowfocus "$WID"
    xdotool mousemove --window "$WID" 100 50 sleep 0.2 click 1
    expect_call "Mouse.SetAbsPosition (100, 50)"
    expect_call "Mouse.Press (0,)"
    expect_call "Mouse.Release (0,)"
    xdotool click 3 click 4 click 5
    expect_call "Mouse.Press (2,)"
    expect_call "Mouse.Press (3,)"
    expect_call "Mouse.Release (4,)"
    xdotool key a key Escape key Up key ctrl+Right
    expect_call "Keyboard.Press (30,)"
    expect_call "Keyboard.Release (30,)"
    expect_call "Keyboard.Press (1,)"
    expect_call "Keyboard.Press (200,)"
    expect_call "Keyboard.Press (29,)"
    expect_call "Keyboard.Release (205,)"
    log "clicks, wheel, keys (XT numbers, 0xE0 ones as 0x80 | code) reached QEMU"
    xdotool windowsize "$WID" 400 300
    expect_call "Console.SetUIInfo (0, 0, 0, 0, 400, 300)"
    log "a window resize became SetUIInfo 400x300"
}

case_clipboard() {
    local host="host text ✓ from a viewer" guest="gäst text ✓" last="second guest text"
    start_bridge "$W/bridge.err" --powerdown-timeout 1 -- "$PYTHON" "$HERE/fake_qemu.py" --clipboard
    wait_for 10 fb_is "$NAME" 320x240 || fail "no 320x240 screen from the fake"
    wait_for 10 called "Clipboard.Register ()" || fail "the bridge did not register as clipboard peer"
    "$WATCH" clip "$NAME" 60000 "$W/ready" "$host" "$last" >"$W/clip.out" 2>"$W/watch.err" ||
        fail "the consumer did not get the guest's texts: $(cat "$W/clip.out")"
    called "Clipboard.Grab (0, 1, ['text/plain;charset=utf-8'])" || fail "no Grab from the viewer's offer"
    called "the bridge answered Request with text/plain;charset=utf-8 '$host'" ||
        fail "the viewer's text did not come back to QEMU's Request"
    log "a consumer's offer: Grab (serial 1) + Request answered with its bytes"
    printf 'clipboard text/plain;charset=utf-8: %s\n' "$guest" "$last" >"$W/clip.want"
    diff "$W/clip.want" "$W/clip.out" >&2 || fail "the consumer got other offers than the guest's two texts"
    log "the consumer got the guest's texts, nothing of the dropped ones"
    wait_for 10 grep -q "fake-qemu: all [0-9]* clipboard steps answered as expected" "$W/bridge.err" ||
        fail "the fake QEMU's clipboard steps did not all go as expected"
    local want
    for want in "refused Grab from QEMU: clipboard selection 7 is not 0, 1 or 2" \
        "refused Grab from QEMU: 100 MIME types, at most 64" \
        "refused the clipboard text from QEMU: clipboard data of type 'image/png', not text/plain;charset=utf-8" \
        "refused the clipboard text from QEMU: the clipboard text is not UTF-8" \
        "refused the clipboard text from QEMU: 16777217 bytes of clipboard text, at most 16777216" \
        "refused the clipboard text from QEMU: .*returned type .*(s).*, but expected .*(say)"; do
        [ "$(grep -c "^shmfb-qemu: $want" "$W/bridge.err")" = 1 ] || fail "not one line '$want'"
    done
    kill -0 "$BPID" || fail "the bridge died"
    log "malformed grabs and answers: one line each, the bridge goes on"
    kill -TERM "$BPID"
    local rc=0
    wait_exit "$BPID" 15 || rc=$?
    [ "$rc" -eq 0 ] || fail "bridge exit status $rc, want 0 (a sanitizer's report fails it)"
}

# expect_error STATUS PATTERN CMD...: CMD fails with STATUS, saying PATTERN.
expect_error() {
    local want=$1 pattern=$2 rc
    shift 2
    rc=0 && "$@" >"$W/out" 2>"$W/err" || rc=$?
    [ "$rc" -eq "$want" ] || fail "$*: status $rc, want $want ($(cat "$W/err"))"
    grep -q -- "$pattern" "$W/err" || fail "$*: want '$pattern', got: $(cat "$W/err")"
}

case_cli() {
    "$BRIDGE" --help >"$W/help" || fail "--help failed"
    grep -q '^usage: shmfb-qemu' "$W/help" || fail "--help prints no usage"
    "$BRIDGE" --version | grep -q '^shmfb-qemu [0-9]' || fail "--version"
    expect_error 2 "no QEMU command given" "$BRIDGE" --name /x
    expect_error 2 "takes no QEMU command" "$BRIDGE" --attach unix:path=/x -- qemu-system-x86_64
    expect_error 2 "QEMU's -display is set by shmfb-qemu" "$BRIDGE" --name /x -- qemu-system-x86_64 -display gtk
    expect_error 2 "invalid max" "$BRIDGE" --max 0x5 -- qemu-system-x86_64
    expect_error 2 "invalid name" "$BRIDGE" --name bad/name -- qemu-system-x86_64
    expect_error 2 "unknown option" "$BRIDGE" --bogus -- qemu-system-x86_64
    expect_error 127 "cannot run /nonexistent/qemu" "$BRIDGE" --name "$NAME" -- /nonexistent/qemu
    not_listed "$NAME" || fail "$NAME left behind"
    expect_error 1 "connecting to QEMU's D-Bus display" "$BRIDGE" --name "$NAME" --attach unix:path=/nonexistent/bus
    expect_error 1 "registering with console 3: .*Console_3" \
        "$BRIDGE" --name "$NAME" --console 3 -- "${QEMU[@]}" -name "shmfb-cli-$$"
    ! pgrep -f -- "-name shmfb-cli-$$" >/dev/null || fail "QEMU left running after a failed setup"
    not_listed "$NAME" || fail "$NAME left behind"
    log "usage errors; a QEMU that cannot run; a bus that is not there; no console 3"
}

"case_$CASE"
