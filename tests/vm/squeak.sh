#!/usr/bin/env bash
# Debian's Squeak VM running Scratch 1.4 with vm-display-shmfb, under an Xvfb
# server of its own.
#
# usage: squeak.sh CASE VIEW SHMFB SQUEAK MODULE WMCLOSE COMPARE CURSOR GOLDEN_DIR OUT_DIR
#                  [BUILD_DIR]
#
#   oracle     the VM's own X11 module (X server screenshot of its window),
#              shmfb snap and the shmfb-view window show the same pixels;
#              the VM's arrow cursor reaches the cursor channel
#   input      clicks, a drag, typing and a window resize through shmfb-view,
#              each checked against GOLDEN_DIR/squeak-*.png
#   lifecycle  spawned: nothing in /dev/shm, closing the window ends Scratch
#              with 0; named: SIGTERM, SIGINT, SIGHUP and the image quitting
#              all free the name at once
#   desktop    against the X11 module: a pasted ASCII name gives the same
#              picture, a copy from the sprite-name field the same text, the
#              title the image's path, a PNG dropped on the stage (XDND,
#              e2e-xdnd from $SHMFB_XDND) the same import; beyond it, a
#              non-ASCII name pasted shows as typed and copies back unchanged
#   cli        shmfb-squeak's usage errors; the module exports display_shmfb only
#   install    cmake --install BUILD_DIR, then the installed launcher runs
#
# With SHMFB_UPDATE_GOLDEN=1 the golden images are written instead (once the
# window has settled); look at them before committing.  With SQUEAK_PRELOAD
# (the sanitizer build) the VM runs with those libraries preloaded.
# Everything a case produced stays in OUT_DIR/CASE.
set -uo pipefail

CASE=$1 VIEW=$2 SHMFB=$3 SQUEAK=$4 MODULE=$5 WMCLOSE=$6 COMPARE=$7 CURSOR=$8 GOLDEN=$9
OUT=${10} BUILD=${11:-}
IMAGE=/usr/share/scratch/Scratch.image
SPRITE=$GOLDEN/../sprite.png
W=$OUT/$CASE
NAME=squeak-$CASE-$$
# The mouse position readout below the stage, the one part of Scratch's
# screen that depends on where the pointer was (1024x767 layout).
READOUT=918,438,92,12
. "$(cd "$(dirname "$0")" && pwd)/../procs.sh"
rm -rf "$W" && mkdir -p "$W/home" || exit 1
export HOME=$W/home
export LSAN_OPTIONS=suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp:print_suppressions=0

# The VM runs through `env` with the sanitizer runtimes first, and without
# leak checks (the VM itself does not free what it keeps until exit).
VM=("$SQUEAK")
if [ -n "${SQUEAK_PRELOAD:-}" ]; then
    VM=(env "LD_PRELOAD=$SQUEAK_PRELOAD" "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1" "$SQUEAK")
fi

log() { echo "[$CASE] $*"; }
fail() {
    echo "FAIL [$CASE]: $*" >&2
    for f in "$W"/*.err; do
        [ -s "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" >&2
    done
    exit 1
}

# Xvfb on a free display (its lock file settles races with other servers),
# large enough for Scratch's 1024x767 window at 0,0 and a pointer out of
# the way (new windows appear centred, then move to 0,0).
start_x() { start_xvfb "$W/xvfb.err" 1600x1200 5 1195 || fail "could not start Xvfb"; }

# The newest of the viewer windows, moved to 0,0 so that all of it is on
# the screen (and away from the pointer); sets WID.
find_viewer() {
    WID=$(xdotool search --classname '^shmfb-view$' 2>/dev/null | tail -n 1)
    [ -n "$WID" ] && xdotool windowmove "$WID" 0 0
}

shot() { xwd -silent -id "$1" >"$W/shot.xwd" 2>/dev/null && convert "xwd:$W/shot.xwd" "png:$2"; }

# settled WINDOW OUT: three screenshots over a second are the same (Scratch
# draws its start-up screen in bursts; a loaded machine stretches the gaps).
settled() {
    shot "$1" "$W/prev1.png" && sleep 0.5 && shot "$1" "$W/prev2.png" && sleep 0.5 &&
        shot "$1" "$2" && "$COMPARE" --quiet "$W/prev1.png" "$2" &&
        "$COMPARE" --quiet "$W/prev2.png" "$2"
}

# snap_matches NAME OUT REFERENCE: the last frame of NAME is REFERENCE.
snap_matches() {
    "$SHMFB" snap "$1" "$2" --now >/dev/null 2>&1 && "$COMPARE" --quiet --mask "$READOUT" "$3" "$2"
}

# view_matches OUT REFERENCE: the viewer window shows REFERENCE.
view_matches() { shot "$WID" "$1" && "$COMPARE" --quiet --mask "$READOUT" "$2" "$1"; }

matches() { shot "$WID" "$1" && "$COMPARE" --quiet "$1" "$2"; }

# expect_golden FILE: the viewer window shows GOLDEN/FILE (polling while
# Scratch reacts), or with SHMFB_UPDATE_GOLDEN=1 becomes it once settled.
expect_golden() {
    local golden=$GOLDEN/$1 got=$W/${1%.png}-shot.png
    if [ "${SHMFB_UPDATE_GOLDEN:-0}" = 1 ]; then
        wait_for 15 settled "$WID" "$got" || fail "the window did not settle"
        cp "$got" "$golden" && log "updated $golden"
        return 0
    fi
    wait_for 15 matches "$got" "$golden" && return 0
    "$COMPARE" --diff "$W/${1%.png}-diff.png" "$got" "$golden"
    fail "the window does not show $1 (screenshot $got)"
}

# listed NAME: `shmfb ls` lists NAME (it lists running producers only).
listed() { "$SHMFB" ls 2>/dev/null | awk -v n="$1" '$1 == n' | grep -q .; }
not_listed() { ! "$SHMFB" ls 2>/dev/null | awk -v n="$1" '$1 == n' | grep -q .; }

# gone PID: the process has exited (a zombie counts: its parent is this shell).
gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# wait_exit PID SECONDS: the exit status of a background PID (or fails).
wait_exit() {
    wait_for "$2" gone "$1" || fail "process $1 did not exit"
    wait "$1"
}

# The Debian VM, for the X11 reference.
debian_vm() { ls /usr/lib/squeak/*/squeakvm 2>/dev/null | tail -n 1; }

# Starts Xvfb and the Debian VM under its own X11 module on the image, waits
# until its window settled (the picture in $1); sets X11 (the VM's pid) and
# WX (its window).
start_x11_reference() {
    local vm
    vm=$(debian_vm)
    [ -x "$vm" ] || fail "no Squeak VM in /usr/lib/squeak (install squeak-vm)"
    start_x
    bg "$W/x11.err" "$vm" -encoding UTF-8 -vm-display-X11 "$IMAGE"
    X11=$LAST
    wait_for 15 eval 'WX=$(xdotool search --classname "^squeak$" | head -n 1) && [ -n "$WX" ]' ||
        fail "the X11 module opened no window"
    wait_for 30 settled "$WX" "$1" || fail "the X11 window did not settle"
}

# ---- cases -------------------------------------------------------------------

case_oracle() {
    local nm
    start_x11_reference "$W/x11.png"
    kill "$X11" && wait "$X11" 2>/dev/null

    # Each shmfb side must come to show exactly that (while Scratch starts,
    # its screen is still being drawn).
    bg "$W/vm.err" "${VM[@]}" --name "/$NAME" "$IMAGE"
    wait_for 15 listed "/$NAME" || fail "shmfb ls does not list /$NAME"
    if ! wait_for 30 snap_matches "/$NAME" "$W/snap.png" "$W/x11.png"; then
        "$COMPARE" --mask "$READOUT" --diff "$W/snap-diff.png" "$W/x11.png" "$W/snap.png"
        fail "shmfb snap differs from the X11 module's window"
    fi
    log "shmfb snap = X11 window (readout masked)"

    # Untouched for 5 s, Scratch draws nothing; a snap asks for a frame and
    # the module presents the Display at once (without: the snap's 2 s
    # timeout, then the old frame).
    sleep 5
    local t0 t1
    t0=$(date +%s%N)
    "$SHMFB" snap "/$NAME" "$W/idle.png" >/dev/null 2>"$W/idle.err" || fail "snap of idle Scratch"
    t1=$(date +%s%N)
    log "snap of idle Scratch: $(((t1 - t0) / 1000000)) ms"
    [ $(((t1 - t0) / 1000000)) -lt 1500 ] || fail "snap of idle Scratch took $(((t1 - t0) / 1000000)) ms"
    "$COMPARE" --quiet --mask "$READOUT" "$W/x11.png" "$W/idle.png" ||
        fail "the idle snap differs from the X11 module's window"

    # Scratch's arrow, 16x16 with its tip at 1,1 (the image set it at start).
    local cursor
    cursor=$("$CURSOR" "/$NAME" "$W/cursor.png" 2>"$W/cursor.err") || fail "no cursor published"
    [ "$cursor" = "16x16 hot 1,1" ] || fail "cursor $cursor, want 16x16 hot 1,1"
    if [ "${SHMFB_UPDATE_GOLDEN:-0}" = 1 ]; then
        cp "$W/cursor.png" "$GOLDEN/squeak-cursor.png" && log "updated squeak-cursor.png"
    else
        "$COMPARE" --alpha "$GOLDEN/squeak-cursor.png" "$W/cursor.png" ||
            fail "the cursor is not $GOLDEN/squeak-cursor.png"
    fi
    log "cursor published: $cursor"

    bg "$W/view.err" "$VIEW" "/$NAME"
    wait_for 10 find_viewer || fail "no viewer window appeared"
    if ! wait_for 20 view_matches "$W/view.png" "$W/x11.png"; then
        "$COMPARE" --mask "$READOUT" --diff "$W/view-diff.png" "$W/x11.png" "$W/view.png"
        fail "the shmfb-view window differs from the X11 module's window"
    fi
    nm=$(xdotool getwindowgeometry --shell "$WID" | awk -F= '/WIDTH|HEIGHT/ {printf "%s ", $2}')
    [ "$nm" = "1024 767 " ] || fail "viewer window is $nm, want 1024 767"
    log "shmfb-view window = X11 window (readout masked)"
}

case_input() {
    start_x
    bg "$W/view.err" "$VIEW" -- "${VM[@]}" "$IMAGE"
    wait_for 15 find_viewer || fail "no viewer window appeared"
    wait_for 15 settled "$WID" "$W/start.png" || fail "Scratch did not settle"
    # A category: the palette shows the Control blocks.
    xdotool mousemove --window "$WID" 155 59 click 1
    expect_golden squeak-control.png
    # A drag: "wait 1 secs" into the scripts area.
    xdotool mousemove --window "$WID" 24 322 mousedown 1 sleep 0.2 \
        mousemove --window "$WID" 60 310 sleep 0.1 mousemove --window "$WID" 200 280 sleep 0.1 \
        mousemove --window "$WID" 300 250 sleep 0.2 mouseup 1
    expect_golden squeak-drag.png
    # Typing: the sprite gets a name beyond ASCII.  xdotool types a character
    # the keymap lacks by binding it to a spare key, and takes the binding
    # back half the --delay after the press: a slow viewer (the sanitizer
    # build, a loaded machine) must have looked the key up by then.
    xdotool mousemove --window "$WID" 363 67 click 1 sleep 0.3 key ctrl+a sleep 0.3
    LC_ALL=C.UTF-8 xdotool type --delay 300 'Kätzchen ñ'
    xdotool key Return
    expect_golden squeak-rename.png
    # A resize: Scratch lays itself out for 800x600.
    xdotool windowsize "$WID" 800 600
    expect_golden squeak-resized.png
}

# The sprite-name field (about 360, 67): select its text, then copy, or
# paste and enter.  Keys go to the window under the pointer (no window
# manager: the focus follows the pointer).
copy_name() {
    xdotool mousemove --window "$1" 363 67 click --repeat 2 1 sleep 0.3 key ctrl+a sleep 0.2 \
        key ctrl+c
}
paste_name() {
    xdotool mousemove --window "$1" 363 67 click 1 sleep 0.3 key ctrl+a sleep 0.2 key ctrl+v \
        sleep 0.3 key Return
}
# type_name WINDOW TEXT REFERENCE: types TEXT as the sprite's name and waits
# until the viewer shows REFERENCE; the edit starts from a settled window
# (a copy leaves the field in edit mode) and is tried again, slower, when a
# loaded machine let Scratch take a key before the click that selects.
type_name() {
    local try
    for try in 1 2 3; do
        xdotool key --window "$1" Return
        wait_for 15 settled "$1" "$W/before-type.png" || fail "Scratch did not settle"
        xdotool mousemove --window "$1" 363 67 click 1 sleep $((try)) key ctrl+a sleep $((try))
        LC_ALL=C.UTF-8 xdotool type --delay $((300 * try)) "$2"
        xdotool key Return
        wait_for 15 view_matches "$W/typed.png" "$3" && return 0
        log "typing '$2' went wrong (try $try), again"
    done
    return 1
}
clip_is() { [ "$(xclip -o -selection clipboard 2>/dev/null)" = "$1" ]; }
# Both selections: after a copy the X11 module still owns PRIMARY, and while
# it owns one it pastes from its own clipboard.
clip_set() {
    printf '%s' "$1" | xclip -i -selection primary
    printf '%s' "$1" | xclip -i -selection clipboard
}
expect_clip() { wait_for 10 clip_is "$1" || fail "$2: clipboard '$(xclip -o -selection clipboard 2>&1)', want '$1'"; }
wm_name() { xprop -id "$1" "$2" | sed -n 's/^[A-Z_]*([A-Z_0-9]*) = "\(.*\)"$/\1/p'; }
title_starts() { case $(wm_name "$WID" _NET_WM_NAME) in "$1 — "*) return 0 ;; esac; return 1; }

case_desktop() {
    local title
    # The X11 module: what it copies, what an ASCII paste shows, its title.
    start_x11_reference "$W/x11-start.png"
    title=$(wm_name "$WX" WM_NAME)
    [ "$title" = "$IMAGE" ] || fail "X11 window title '$title'"
    # Paste first: once the image copied, the X11 module pastes its own
    # clipboard whatever the desktop's says.
    clip_set Hello42
    paste_name "$WX"
    wait_for 15 settled "$WX" "$W/x11-paste.png" || fail "the X11 window did not settle"
    clip_set none
    copy_name "$WX"
    expect_clip Hello42 "X11 module"
    wait_for 15 settled "$WX" "$W/x11-copied.png" || fail "the X11 window did not settle"
    # A PNG dropped on the stage: Scratch imports it (the module finishes the
    # drag without saying it took it, so only the picture tells).
    "$SHMFB_XDND" "$WX" 700 200 "$SPRITE" 2>"$W/xdnd-x11.err"
    wait_for 15 settled "$WX" "$W/x11-drop.png" || fail "the X11 window did not settle"
    "$COMPARE" --quiet --mask "$READOUT" "$W/x11-copied.png" "$W/x11-drop.png" &&
        fail "the X11 module's Scratch did not take the dropped PNG"
    kill "$X11" && wait "$X11" 2>/dev/null
    log "X11 module: pasted Hello42, copied it back, took a dropped PNG, title $title"

    # The same through shmfb-view.
    clip_set none
    bg "$W/view.err" "$VIEW" -- "${VM[@]}" "$IMAGE"
    wait_for 15 find_viewer || fail "no viewer window appeared"
    wait_for 30 settled "$WID" "$W/start.png" || fail "Scratch did not settle"
    wait_for 10 title_starts "$title" ||
        fail "viewer title '$(wm_name "$WID" _NET_WM_NAME)', want '$title — ...'"
    clip_set Hello42
    paste_name "$WID"
    if ! wait_for 15 view_matches "$W/paste.png" "$W/x11-paste.png"; then
        "$COMPARE" --mask "$READOUT" --diff "$W/paste-diff.png" "$W/x11-paste.png" "$W/paste.png"
        fail "the pasted name differs from the X11 module's"
    fi
    log "shmfb: pasted Hello42 (the same picture), title $title — ..."

    # Beyond ASCII: pasted, the name shows as typed, and copies back as it
    # came.  (Pastes first: once Scratch copied, it pastes its own copy.)
    clip_set $'K\303\244tzchen \303\261'
    paste_name "$WID"
    wait_for 15 settled "$WID" "$W/utf8-paste.png" || fail "Scratch did not settle"
    if ! type_name "$WID" 'Kätzchen ñ' "$W/utf8-paste.png"; then
        "$COMPARE" --mask "$READOUT" --diff "$W/utf8-diff.png" "$W/utf8-paste.png" "$W/typed.png"
        fail "the pasted name differs from the typed one"
    fi
    clip_set none
    copy_name "$WID"
    expect_clip $'K\303\244tzchen \303\261' "shmfb round trip"
    # ASCII typed, copied: the same text as from the X11 module.
    type_name "$WID" Hello42 "$W/x11-paste.png" || fail "Hello42 typed does not show as pasted"
    clip_set none
    copy_name "$WID"
    expect_clip Hello42 "shmfb"
    wait_for 15 settled "$WID" "$W/copied.png" || fail "Scratch did not settle"
    "$SHMFB_XDND" "$WID" 700 200 "$SPRITE" || fail "the viewer did not take the drop"
    if ! wait_for 15 view_matches "$W/drop.png" "$W/x11-drop.png"; then
        "$COMPARE" --mask "$READOUT" --diff "$W/drop-diff.png" "$W/x11-drop.png" "$W/drop.png"
        fail "the dropped PNG made another picture than under the X11 module"
    fi
    log "shmfb: the dropped PNG imported as under the X11 module"
    log "shmfb: Kätzchen ñ pasted shows as typed, copied back unchanged; Hello42 copied"
}

case_lifecycle() {
    local child rc sig
    start_x
    # Spawned: a memfd, nothing in /dev/shm; closing the window quits
    # Scratch (unmodified) at once with status 0, and the viewer with it.
    bg "$W/view.err" "$VIEW" -- "${VM[@]}" "$IMAGE"
    local vpid=$LAST
    wait_for 15 find_viewer || fail "no viewer window appeared"
    wait_for 20 settled "$WID" "$W/spawned.png" || fail "Scratch did not settle"
    child=$(ps -o pid= --ppid "$vpid" | tr -d ' ')
    [ -n "$child" ] || fail "the viewer runs no VM"
    ! grep -q '/dev/shm/' "/proc/$child/maps" || fail "the VM maps something in /dev/shm"
    grep -q '/memfd:shmfb' "/proc/$child/maps" || fail "the VM maps no shmfb memfd"
    ! "$SHMFB" ls | awk -v p="$child" '$4 == p' | grep -q . || fail "shmfb ls lists the VM"
    "$WMCLOSE" "$WID"
    rc=0 && wait_exit "$vpid" 10 || rc=$?
    [ "$rc" -eq 0 ] || fail "viewer exit status $rc after close, want 0"
    grep -q "exited with status 0" "$W/view.err" || fail "the VM did not exit 0: $(cat "$W/view.err")"
    ! kill -0 "$child" 2>/dev/null || fail "the VM outlived its window"
    log "spawned: memfd only; close -> status 0"

    # Named: a termination signal frees the name at once.  (Job control on,
    # or the shell would start the VM with SIGINT ignored.)
    for sig in TERM INT HUP; do
        local name=/$NAME-$sig
        set -m
        bg "$W/vm-$sig.err" "${VM[@]}" --name "$name" "$IMAGE"
        set +m
        local vm=$LAST
        wait_for 15 listed "$name" || fail "shmfb ls does not list $name"
        kill -s "$sig" "$vm"
        rc=0 && wait_exit "$vm" 10 || rc=$?
        [ "$rc" -eq $((128 + $(kill -l "$sig"))) ] || fail "SIG$sig: exit status $rc"
        not_listed "$name" || fail "SIG$sig: shmfb ls still lists $name"
        ! ls /dev/shm | grep -qF "${name#/}" || fail "SIG$sig: $name left in /dev/shm"
        "$SHMFB" demo "$name" --frames 1 --fps 0 2>"$W/demo.err" ||
            fail "SIG$sig: a new producer cannot take $name"
        log "SIG$sig: $name gone, taken again at once"
    done

    # Named, the image quits (window close through a viewer of the name).
    local name=/$NAME-quit
    bg "$W/vm-quit.err" "${VM[@]}" --name "$name" "$IMAGE"
    local vm=$LAST
    wait_for 15 listed "$name" || fail "shmfb ls does not list $name"
    bg "$W/view-named.err" "$VIEW" "$name"
    vpid=$LAST
    wait_for 10 find_viewer || fail "no viewer window appeared"
    wait_for 20 settled "$WID" "$W/named.png" || fail "Scratch did not settle"
    "$WMCLOSE" "$WID"
    rc=0 && wait_exit "$vm" 10 || rc=$?
    [ "$rc" -eq 0 ] || fail "the named VM exited with $rc after a close, want 0"
    not_listed "$name" || fail "shmfb ls still lists $name after the image quit"
    ! ls /dev/shm | grep -qF "${name#/}" || fail "$name left in /dev/shm after the image quit"
    log "named: close -> image quit 0, name gone"
}

# expect_error STATUS PATTERN CMD...: CMD fails with STATUS and one line.
expect_error() {
    local want=$1 pattern=$2 rc
    shift 2
    rc=0 && "$@" >"$W/out" 2>"$W/err" || rc=$?
    [ "$rc" -eq "$want" ] || fail "$*: status $rc, want $want ($(cat "$W/err"))"
    [ "$(wc -l <"$W/err")" -eq 1 ] || fail "$*: want one line on stderr, got: $(cat "$W/err")"
    grep -q -- "$pattern" "$W/err" || fail "$*: want '$pattern', got: $(cat "$W/err")"
}

case_cli() {
    "$SQUEAK" --help >"$W/help" || fail "--help failed"
    grep -q '^usage: shmfb-squeak' "$W/help" || fail "--help prints no usage"
    "$SQUEAK" --version | grep -q '^shmfb-squeak [0-9]' || fail "--version"
    expect_error 2 "no image given" "$SQUEAK"
    expect_error 2 "no image given" "$SQUEAK" --name /x
    expect_error 2 "needs a value" "$SQUEAK" --name
    expect_error 2 "bad/name" "$SQUEAK" --name bad/name "$IMAGE"
    expect_error 2 "start it from a viewer" env -u SHMFB_SOCKET "$SQUEAK" "$IMAGE"
    expect_error 1 "/nonexistent" "$SQUEAK" --vm /nonexistent --name /x "$IMAGE"
    local syms
    syms=$(nm -D --defined-only "$MODULE" | awk '{print $3}' | tr '\n' ' ')
    [ "$syms" = "display_shmfb " ] || fail "the module exports '$syms', want display_shmfb only"
    log "usage errors; module exports display_shmfb only"
}

case_install() {
    local prefix=$W/prefix module vm rc syms
    cmake --install "$BUILD" --prefix "$prefix" >"$W/install.out" 2>"$W/install.err" ||
        fail "cmake --install failed"
    module=$(find "$prefix" -name so.vm-display-shmfb | head -n 1)
    [ -n "$module" ] || fail "so.vm-display-shmfb was not installed"
    [ -x "$prefix/bin/shmfb-squeak" ] || fail "shmfb-squeak was not installed"
    syms=$(nm -D --defined-only "$module" | awk '{print $3}' | tr '\n' ' ')
    [ "$syms" = "display_shmfb " ] || fail "the installed module exports '$syms'"
    bg "$W/vm.err" "$prefix/bin/shmfb-squeak" --name "/$NAME" "$IMAGE"
    vm=$LAST
    wait_for 15 listed "/$NAME" || fail "the installed launcher's VM does not show /$NAME"
    grep -qF "$module" "/proc/$vm/maps" || fail "the VM did not load the installed module"
    kill "$vm"
    rc=0 && wait_exit "$vm" 10 || rc=$?
    [ "$rc" -eq 143 ] || fail "exit status $rc after SIGTERM"
    not_listed "/$NAME" || fail "/$NAME still listed"
    log "installed launcher runs the installed module"
}

"case_$CASE" || fail "case failed"
log "ok"
