# The end-to-end cases, and the one list of them: each function case_NAME
# is registered as the test e2e_NAME (tests/e2e/CMakeLists.txt reads this
# file), runs under run.sh and returns 0 on success.  The comment above each
# says what it checks.  "# needs: WORD..." on a case's first line names what
# it needs besides the viewer, Xvfb and the e2e programs: toyvm (the example
# toy-vm), shmfb (the shmfb tool), wmclose (e2e-wmclose, built with libX11),
# xprobe (e2e-xprobe, built with libX11, libXfixes and libXdamage),
# viewbench (shmfb-viewbench), host (e2e-host), xclip (xclip and xprop),
# xdnd (e2e-xdnd, an XDND drag source built with libX11),
# valgrind (valgrind, in a build without sanitizers).
# shellcheck shell=bash

# Producer defaults: 160x120, 40 frames, sprite moving with damage only.
P1=(--frames 40 --wait-consumer)

# The pattern and sprite arrive and the window shows exactly them.
case_shown() {
    start_x
    start_producer "$W/done" "${P1[@]}"
    start_viewer
    wait_done "$W/done"
    expect_golden e2e-shown.png
    expect_title "160x120 .* live"
}

# --scale 2: every pixel doubled, the window twice the frame.
case_scale2() {
    start_x
    start_producer "$W/done" "${P1[@]}"
    # Background jobs of a script ignore SIGINT unless job control is on.
    set -m
    start_viewer --scale 2
    set +m
    wait_done "$W/done"
    expect_golden e2e-scale2.png
    kill -INT "$VPID"
    wait "$VPID"
    local rc=$?
    [ "$rc" -eq 0 ] || fail "viewer exit status $rc after SIGINT"
}

# A window resized by hand shows the frame fitted, aspect kept, centred.
case_letterbox() {
    start_x
    start_producer "$W/done" "${P1[@]}"
    start_viewer
    wait_done "$W/done"
    expect_golden e2e-shown.png
    xdotool windowsize --sync "$WID" 400 150
    expect_golden e2e-letterbox.png
}

# A viewer stopped past the producer's patience is dropped as stuck; once it
# runs again it attaches again and catches up with the newest frame.
case_stuck() {
    start_x
    start_producer "$W/done" "${P1[@]}" --stuck-ms 300
    start_viewer
    wait_done "$W/done"
    expect_golden e2e-shown.png
    kill -STOP "$VPID"
    rm -f "$W/done"
    kill -USR1 "$PPID_"
    wait_for 10 test -e "$W/done" || { kill -CONT "$VPID"; fail "the producer waited for a stopped viewer"; }
    kill -CONT "$VPID"
    expect_golden e2e-hidden.png
    expect_title "live"
}

# The producer changes size: the window follows and shows the new frame.
case_resize() {
    start_x
    start_producer "$W/done" "${P1[@]}" --resize-at 40 --resize 200x90
    start_viewer
    wait_done "$W/done"
    expect_golden e2e-shown.png
    rm -f "$W/done"
    kill -USR1 "$PPID_"
    wait_done "$W/done"
    expect_golden e2e-resized.png
    expect_title "200x90 .* live"
}

# SIGKILL the producer: the last frame stays, the title says so; a new
# producer of the same name is picked up.
case_producer_killed() {
    start_x
    start_producer "$W/done" "${P1[@]}"
    start_viewer
    wait_done "$W/done"
    expect_golden e2e-shown.png
    kill -KILL "$PPID_"
    expect_title "producer gone"
    kill -0 "$VPID" 2>/dev/null || fail "the viewer exited with its producer"
    expect_golden e2e-shown.png
    grep -q "producer gone" "$W/view.err" || fail "nothing said on stderr"
    start_producer "$W/done2" "${P1[@]}" --pattern 2 --reap
    wait_done "$W/done2"
    expect_title "160x120 .* live"
    expect_golden e2e-second.png
}

# An ARGB framebuffer with translucent pixels shows their colours unblended.
case_argb() {
    start_x
    start_producer "$W/done" "${P1[@]}" --argb
    start_viewer
    wait_done "$W/done"
    expect_golden e2e-shown.png
}

# --snapshot writes what the X server shows.
case_snapshot() {
    start_x
    start_producer "$W/done" "${P1[@]}"
    start_viewer --scale 2 --snapshot "$W/snapshot.png"
    wait_done "$W/done"
    expect_golden e2e-scale2.png
    kill -TERM "$VPID"
    wait "$VPID"
    local rc=$?
    [ "$rc" -eq 0 ] || fail "viewer exit status $rc after SIGTERM"
    "$COMPARE" --diff "$W/snapshot-diff.png" "$W/snapshot.png" "$W/e2e-scale2-shot.png" ||
        fail "the snapshot is not what the X server shows"
}

# Hidden (unmapped) window: frames keep being taken, so a FIFO producer that
# would wait 10 s for a stuck consumer goes on at full speed.
case_hidden() {
    start_x
    start_producer "$W/done" "${P1[@]}" --stuck-ms 10000
    start_viewer
    wait_done "$W/done"
    expect_golden e2e-shown.png
    xdotool windowunmap --sync "$WID"
    rm -f "$W/done"
    kill -USR1 "$PPID_"
    wait_for 5 test -e "$W/done" || fail "the producer stalled while the window was hidden"
    xdotool windowmap --sync "$WID"
    expect_golden e2e-hidden.png
}

# --help, --version, and a usage error.
case_cli() {
    "$VIEW" --help | grep -q "usage: shmfb-view" || fail "--help"
    "$VIEW" --version | grep -q "^shmfb-view [0-9]" || fail "--version"
    local rc=0
    "$VIEW" --scale 0 "$NAME" 2>"$W/view.err" || rc=$?
    expect_error "$rc" "$W/view.err" "invalid scale"
    rc=0
    "$VIEW" 2>"$W/view.err" || rc=$?
    expect_error "$rc" "$W/view.err" "missing framebuffer NAME"
    "$VIEW" --help | grep -q -- "-- PROGRAM" || fail "--help does not mention -- PROGRAM"
    rc=0
    "$VIEW" --scale 2 -- 2>"$W/view.err" || rc=$?
    expect_error "$rc" "$W/view.err" "missing PROGRAM"
    rc=0
    "$VIEW" "$NAME" -- true 2>"$W/view.err" || rc=$?
    expect_error "$rc" "$W/view.err" "either NAME or -- PROGRAM"
    rc=0
    "$VIEW" --keep "$NAME" 2>"$W/view.err" || rc=$?
    expect_error "$rc" "$W/view.err" "--keep needs -- PROGRAM"
}

# A name that does not exist: one clear line, non-zero.
case_missing_name() {
    local rc=0
    env -u DISPLAY "$VIEW" "$NAME" 2>"$W/view.err" || rc=$?
    expect_error "$rc" "$W/view.err" "no such framebuffer"
}

# A name held by something that is not a shmfb producer: one clear line,
# non-zero.
case_not_shmfb() {
    local rc=0
    bg "$W/garbage.err" "$GARBAGE" "/$NAME-junk" >"$W/garbage.out"
    for _ in $(seq 100); do
        grep -q ready "$W/garbage.out" && break
        sleep 0.05
    done
    grep -q ready "$W/garbage.out" || fail "the impostor did not take the name"
    env -u DISPLAY "$VIEW" "$NAME-junk" 2>"$W/view.err" || rc=$?
    expect_error "$rc" "$W/view.err" "not a shmfb framebuffer"
}

# --timeout with nothing ever shown is a failure, said in one line.
case_no_frame() {
    local rc=0
    start_x
    "$VIEW" --wait --timeout 1 "$NAME" 2>"$W/view.err" || rc=$?
    expect_error "$rc" "$W/view.err" "no frame shown within 1 s"
}

# No display (DISPLAY unset, or a DISPLAY with no server behind it): one
# clear line with the hint, non-zero.
case_no_display() {
    local rc=0
    start_producer "$W/done" --frames 1
    wait_done "$W/done"
    env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$VIEW" --timeout 5 "$NAME" \
        2>"$W/view.err" || rc=$?
    expect_error "$rc" "$W/view.err" "no display available.*set DISPLAY"
    # A DISPLAY with no server behind it.
    local n=1999
    while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
    rc=0
    env -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER DISPLAY=":$n" "$VIEW" --timeout 5 "$NAME" \
        2>"$W/view.err" || rc=$?
    expect_error "$rc" "$W/view.err" "no display available.*set DISPLAY"
}

# The viewer under memcheck for a whole session, down to a clean exit.
case_valgrind() { # needs: valgrind
    start_x
    start_producer "$W/done" --frames 30 --wait-consumer --stuck-ms 20000
    local rc=0
    valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
        --suppressions="$HERE/valgrind.supp" --log-file="$W/valgrind.log" \
        "$VIEW" --frames 30 --timeout 40 "$NAME" 2>"$W/view.err" || rc=$?
    [ "$rc" -eq 0 ] || fail "valgrind or the viewer failed ($rc), see $W/valgrind.log"
    wait_done "$W/done"
}

# ---- input, spawned producers, close requests (toy-vm) ----------------------

# What toy-vm logs for the clicks, wheel and keys of input_case(), in
# framebuffer pixels whatever the scale.
INPUT_LOG='move x=40 y=60 buttons=0
click 1 x=40 y=60
release 1 x=40 y=60
move x=201 y=99 buttons=0
click 3 x=201 y=99
release 3 x=201 y=99
wheel dx=0 dy=120
wheel dx=0 dy=-120
down 104 mods=0
key '"'"'h'"'"'
up 104 mods=0
down 233 mods=0
text U+00E9
up 233 mods=0
down 33 mods=1
key '"'"'!'"'"'
up 33 mods=0
down 8 mods=0
text U+0008
up 8 mods=0'

# logged FILE LINE: FILE has the line LINE.
logged() { grep -qxF -- "$2" "$1"; }
expect_logged() {
    wait_for 10 logged "$1" "$2" || fail "toy-vm did not log '$2' (see $1)"
}

# input_case IMAGE [--scale K]: toy-vm spawned by the viewer; the pointer
# is put on window pixels, clicked, scrolled, dragged out of the window, and
# text is typed; toy-vm's log must show framebuffer pixels.
input_case() {
    local image=$1 k=1 log=$W/toy.log
    shift
    [ "${1:-}" = --scale ] && k=$2
    start_x
    start_spawned "$@" -- "$TOYVM" --size 320x200 --log "$log"
    expect_title "320x200 .* live"
    # Compare what follows a known position, not where the pointer was when
    # the window appeared.
    xdotool mousemove --window "$WID" $((5 * k)) $((5 * k))
    expect_logged "$log" "move x=5 y=5 buttons=0"
    local n
    n=$(wc -l <"$log")
    # The last window pixel of each framebuffer pixel: the mapping floors.
    xdotool mousemove --window "$WID" $((40 * k + k - 1)) $((60 * k + k - 1)) click 1 \
        mousemove --window "$WID" $((201 * k + k - 1)) $((99 * k)) click 3 click 4 click 5
    LC_ALL=C.UTF-8 xdotool type --delay 300 'hé!'
    xdotool key BackSpace
    expect_logged "$log" "up 8 mods=0"
    tail -n +$((n + 1)) "$log" >"$W/toy-input.log"
    printf '%s\n' "$INPUT_LOG" | diff -u - "$W/toy-input.log" >"$W/log.diff" ||
        fail "toy-vm's log is not as expected: $(cat "$W/log.diff")"
    # Dragged out of the window: positions outside the frame.
    xdotool mousemove --window "$WID" $((300 * k)) $((150 * k)) mousedown 1 \
        mousemove --window "$WID" $((330 * k)) $((-3 * k)) mouseup 1
    expect_logged "$log" "click 1 x=300 y=150"
    expect_logged "$log" "release 1 x=330 y=-3"
    expect_golden "$image"
}

# xdotool types 'é' by binding a spare key code to the keysym for a moment
# (half the --delay after the press: a slow viewer must look the key up by then);
# the viewer gets it as text input like any other character.
case_input() { input_case e2e-input.png; } # needs: toyvm wmclose shmfb
case_input_scale2() { input_case e2e-input-scale2.png --scale 2; } # needs: toyvm wmclose shmfb

# pid_of_child PID: the (one) child process of PID.
child_of() { ps -o pid= --ppid "$1" | tr -d ' '; }

# A spawned producer leaves no trace in /dev/shm; its exit ends the viewer
# with its status, said in one line; --keep keeps the window.
case_spawned() { # needs: toyvm wmclose shmfb
    start_x
    ls /dev/shm >"$W/shm-before"
    start_spawned -- "$TOYVM" --size 160x100
    expect_title "160x100 .* live"
    local child f rc
    child=$(child_of "$VPID")
    [ -n "$child" ] || fail "the viewer has no child"
    ls /dev/shm >"$W/shm-during"
    # Other tests may create objects meanwhile: none may be toy-vm's.
    for f in $(comm -13 "$W/shm-before" "$W/shm-during"); do
        log "new in /dev/shm meanwhile: $f"
    done
    ! grep -q '/dev/shm/' "/proc/$child/maps" || fail "toy-vm maps something in /dev/shm"
    grep -q '/memfd:shmfb' "/proc/$child/maps" || fail "toy-vm maps no memfd"
    "$SHMFB" ls >"$W/ls.out" || fail "shmfb ls failed"
    ! awk -v p="$child" '$4 == p' "$W/ls.out" | grep -q . || fail "shmfb ls lists toy-vm"
    kill -TERM "$VPID"
    rc=0 && wait "$VPID" || rc=$?
    [ "$rc" -eq 0 ] || fail "viewer exit status $rc after SIGTERM"
    kill -0 "$child" 2>/dev/null && fail "toy-vm outlived the viewer"

    rc=0
    "$VIEW" -- "$TOYVM" --size 160x100 --exit-after-ms 500 2>"$W/exit.err" || rc=$?
    [ "$rc" -eq 0 ] || fail "exit status $rc, toy-vm's was 0: $(cat "$W/exit.err")"
    [ "$(cat "$W/exit.err")" = "shmfb-view: $TOYVM exited with status 0" ] ||
        fail "expected the exit line, got: $(cat "$W/exit.err")"
    # --snapshot: the last frame, written when the program has exited.
    rc=0
    "$VIEW" --snapshot "$W/snapshot.png" -- "$TOYVM" --size 160x100 --exit-after-ms 500 \
        2>"$W/exit.err" || rc=$?
    [ "$rc" -eq 0 ] || fail "exit status $rc with --snapshot: $(cat "$W/exit.err")"
    "$COMPARE" --diff "$W/snapshot-diff.png" "$W/snapshot.png" "$GOLDEN/e2e-spawned-kept.png" ||
        fail "the snapshot is not toy-vm's frame"
    rc=0
    "$VIEW" -- sh -c 'exit 3' 2>"$W/view.err" || rc=$?
    [ "$rc" -eq 3 ] || fail "exit status $rc, the program's was 3"
    expect_error "$rc" "$W/view.err" "sh exited with status 3 before it created a framebuffer"
    rc=0
    "$VIEW" -- sh -c 'kill -KILL $$' 2>"$W/view.err" || rc=$?
    [ "$rc" -eq 137 ] || fail "exit status $rc for a program killed by SIGKILL"
    expect_error "$rc" "$W/view.err" "sh killed by signal 9"
    rc=0
    "$VIEW" -- "$W/no-such-program" 2>"$W/view.err" || rc=$?
    expect_error "$rc" "$W/view.err" "cannot run $W/no-such-program: No such file"

    start_spawned --keep -- "$TOYVM" --size 160x100 --exit-after-ms 1000
    expect_title "160x100 .* exited"
    sleep 0.5
    kill -0 "$VPID" 2>/dev/null || fail "--keep did not keep the window"
    expect_golden e2e-spawned-kept.png
    kill -TERM "$VPID"
    rc=0 && wait "$VPID" || rc=$?
    [ "$rc" -eq 0 ] || fail "viewer exit status $rc after SIGTERM with --keep"
    grep -qxF "shmfb-view: $TOYVM exited with status 0" "$W/view.err" || fail "no exit line"
}

# Resizing the window asks toy-vm for a frame that fills it; the window then
# follows the new frame.  Exactly one request per resize.
case_resize_request() { # needs: toyvm wmclose shmfb
    start_x
    start_spawned -- "$TOYVM" --size 320x200 --log "$W/toy.log"
    expect_title "320x200 .* live"
    xdotool windowsize --sync "$WID" 400 300
    expect_logged "$W/toy.log" "resize 400x300"
    expect_title "400x300 .* live"
    xdotool getwindowgeometry "$WID" | grep -q "Geometry: 400x300" || fail "window not 400x300"
    expect_golden e2e-resize-request.png
    sleep 1
    [ "$(grep -c '^resize' "$W/toy.log")" -eq 1 ] || fail "more than one resize request"
    kill -TERM "$VPID"
    wait "$VPID"
    # At --scale 2 the request is half the window, rounded down.
    start_spawned --scale 2 -- "$TOYVM" --size 160x100 --log "$W/toy2.log"
    expect_title "160x100 .* live"
    xdotool windowsize --sync "$WID" 501 301
    expect_logged "$W/toy2.log" "resize 250x150"
    expect_title "250x150 .* live"
    wait_for 10 sh -c "xdotool getwindowgeometry $WID | grep -q 'Geometry: 500x300'" ||
        fail "window not 500x300"
}

# Closing the window (WM_DELETE_WINDOW, as a window manager sends it).
case_close() { # needs: toyvm wmclose shmfb
    local rc child
    start_x
    # Spawned: toy-vm gets the request and quits; the viewer exits with it.
    start_spawned -- "$TOYVM" --size 160x100 --log "$W/toy.log"
    expect_title "160x100 .* live"
    "$WMCLOSE" "$WID" || fail "could not send WM_DELETE_WINDOW"
    rc=0 && wait "$VPID" || rc=$?
    [ "$rc" -eq 0 ] || fail "viewer exit status $rc"
    [ "$(tail -n 1 "$W/toy.log")" = close ] || fail "toy-vm did not get the close request"
    grep -qxF "shmfb-view: $TOYVM exited with status 0" "$W/view.err" || fail "no exit line"

    # Named: the request is sent and the viewer exits at once.
    bg "$W/toy-named.err" "$TOYVM" --name "/$NAME" --size 160x100 --log "$W/toy-named.log"
    local toy=$LAST
    # shellcheck disable=SC2034 # read by find_window in run.sh
    TITLE_OF="/$NAME"
    start_viewer
    expect_title "160x100 .* live"
    "$WMCLOSE" "$WID" || fail "could not send WM_DELETE_WINDOW"
    rc=0 && wait "$VPID" || rc=$?
    [ "$rc" -eq 0 ] || fail "viewer exit status $rc"
    expect_logged "$W/toy-named.log" close
    rc=0 && wait "$toy" || rc=$?
    [ "$rc" -eq 0 ] || fail "named toy-vm exit status $rc"

    # --no-input: nothing reaches the program; closing the window ends it
    # with SIGTERM at once.
    start_spawned --no-input -- "$TOYVM" --size 160x100 --log "$W/toy-noinput.log"
    expect_title "160x100 .* live"
    xdotool mousemove --window "$WID" 10 10 click 1
    LC_ALL=C.UTF-8 xdotool type 'x'
    "$WMCLOSE" "$WID" || fail "could not send WM_DELETE_WINDOW"
    rc=0 && wait "$VPID" || rc=$?
    [ "$rc" -eq 0 ] || fail "viewer exit status $rc with --no-input (toy-vm quits 0 on SIGTERM)"
    [ ! -s "$W/toy-noinput.log" ] || fail "events reached toy-vm: $(cat "$W/toy-noinput.log")"

    # A program that does not quit (stopped): SIGTERM after 5 s, SIGKILL 2 s later.
    start_spawned -- "$TOYVM" --size 160x100
    expect_title "160x100 .* live"
    child=$(child_of "$VPID")
    kill -STOP "$child"
    "$WMCLOSE" "$WID" || fail "could not send WM_DELETE_WINDOW"
    sleep 2
    kill -0 "$VPID" 2>/dev/null || fail "the viewer did not wait for its program"
    rc=0 && wait "$VPID" || rc=$?
    [ "$rc" -eq 137 ] || fail "viewer exit status $rc, expected 137 (SIGKILL)"
    grep -q "did not quit within 5 s of the close request" "$W/view.err" || fail "no SIGTERM line"
    grep -q "did not quit after SIGTERM" "$W/view.err" || fail "no SIGKILL line"
    grep -qxF "shmfb-view: $TOYVM killed by signal 9" "$W/view.err" || fail "no exit line"
}

# ---- the project's own producers, spawned ----------------------------------

# expect_private PID: the process maps a shmfb memfd and nothing in /dev/shm,
# and shmfb ls does not list it.
expect_private() {
    ! grep -q '/dev/shm/' "/proc/$1/maps" || fail "$1 maps something in /dev/shm"
    grep -q '/memfd:shmfb' "/proc/$1/maps" || fail "$1 maps no memfd"
    "$SHMFB" ls >"$W/ls.out" || fail "shmfb ls failed"
    ! awk -v p="$1" '$4 == p' "$W/ls.out" | grep -q . || fail "shmfb ls lists $1"
}

# shmfb-view -- shmfb demo: the demo draws into a private memfd, closing the
# window ends it at once (no SIGTERM needed), and the viewer exits with its
# status.  With --frames and --keep the window keeps the demo's last frame.
case_spawned_demo() { # needs: shmfb wmclose
    local rc child
    start_x
    start_spawned -- "$SHMFB" demo --size 160x100
    expect_title "160x100 .* live"
    child=$(child_of "$VPID")
    [ -n "$child" ] || fail "the viewer has no child"
    expect_private "$child"
    "$WMCLOSE" "$WID" || fail "could not send WM_DELETE_WINDOW"
    rc=0 && wait "$VPID" || rc=$?
    [ "$rc" -eq 0 ] || fail "viewer exit status $rc after closing the window"
    [ "$(cat "$W/view.err")" = "shmfb-view: $SHMFB exited with status 0" ] ||
        fail "expected only the exit line, got: $(cat "$W/view.err")"

    start_spawned --keep -- "$SHMFB" demo --size 160x100 --frames 30
    expect_title "160x100 .* exited"
    expect_golden e2e-spawned-demo.png
    kill -TERM "$VPID"
    rc=0 && wait "$VPID" || rc=$?
    [ "$rc" -eq 0 ] || fail "viewer exit status $rc after SIGTERM with --keep"
}

# shmfb-view -- test-producer (no name): the same frames as by name, from a
# private memfd.
case_spawned_producer() { # needs: shmfb
    local rc child
    start_x
    rm -f "$W/done"
    start_spawned -- "$PRODUCER" --sprite "$SPRITE" --done "$W/done" --hold "${P1[@]}"
    wait_done "$W/done"
    expect_golden e2e-shown.png
    expect_title "160x120 .* live"
    child=$(child_of "$VPID")
    [ -n "$child" ] || fail "the viewer has no child"
    expect_private "$child"
    kill -TERM "$VPID"
    rc=0 && wait "$VPID" || rc=$?
    [ "$rc" -eq 0 ] || fail "viewer exit status $rc after SIGTERM"
    kill -0 "$child" 2>/dev/null && fail "test-producer outlived the viewer"
    return 0
}

# ---- the two present paths: window surface and renderer --------------------

# Many small damaged frames: 320x240, the sprite moving with damage only.
P2=(--size 320x240 --frames 200 --interval 0 --wait-consumer)

# damage_start / damage_end: records what the X server draws into the viewer
# window in between; sets DRECTS (rectangles), DLARGEST (WxH of the
# largest), DFULL (rectangles covering the whole window).
damage_start() {
    rm -f "$W/damage.out"
    bg "$W/xprobe.err" "$XPROBE" damage "$WID" >"$W/damage.out"
    DPID=$LAST
    wait_for 10 grep -q ready "$W/damage.out" || fail "the damage probe did not start"
}
damage_end() {
    local line
    kill -TERM "$DPID"
    wait "$DPID" || fail "the damage probe failed: $(cat "$W/xprobe.err")"
    line=$(grep '^rects ' "$W/damage.out") || fail "no damage summary"
    log "window damage: $line"
    read -r _ DRECTS _ DLARGEST _ _ _ DFULL <<<"$line"
}

# batch: the producer draws another --frames frames; waits until it is done.
batch() {
    rm -f "$W/done"
    kill -USR1 "$PPID_"
    wait_done "$W/done"
}

# expect_frame [K]: the window shows exactly the producer's last frame
# (shmfb snap), each pixel K x K.
expect_frame() {
    local k=${1:-1}
    "$SHMFB" snap "$NAME" "$W/frame.png" --now || fail "shmfb snap failed"
    [ "$k" -eq 1 ] || convert "$W/frame.png" -sample "$((k * 100))%" "$W/frame.png"
    wait_for 10 matches "$W/frame-shot.png" "$W/frame.png" && return 0
    "$COMPARE" --diff "$W/frame-diff.png" "$W/frame-shot.png" "$W/frame.png"
    fail "the window does not show the producer's frame (screenshot $W/frame-shot.png)"
}

# expect_small_damage FRAMES: the surface path sent each frame's damage
# alone: at least one rectangle per frame, none larger than the sprite's
# old and new places together, none the whole window.
expect_small_damage() {
    local w=${DLARGEST%x*} h=${DLARGEST#*x}
    [ "$DRECTS" -ge "$1" ] || fail "$DRECTS damage rectangles for $1 frames"
    [ "$DFULL" -eq 0 ] || fail "$DFULL whole-window updates on the surface path"
    [ "$w" -le 48 ] && [ "$h" -le 48 ] || fail "a $DLARGEST update for a 24x24 sprite"
}

# expect_full_damage FRAMES: the renderer path drew the whole window for
# every frame.
expect_full_damage() {
    [ "$DFULL" -ge "$1" ] || fail "$DFULL whole-window updates for $1 frames on the renderer path"
}

# expect_snapshot: the viewer, ended, wrote the window's picture with
# --snapshot $W/snapshot.png, and it is what the X server showed last.
expect_snapshot() {
    local rc=0
    kill -TERM "$VPID"
    wait "$VPID" || rc=$?
    [ "$rc" -eq 0 ] || fail "viewer exit status $rc after SIGTERM"
    "$COMPARE" --diff "$W/snapshot-diff.png" "$W/snapshot.png" "$W/frame-shot.png" ||
        fail "the snapshot is not what the X server shows"
}

# damage_case PACING VIEWER-ARGS...: many small damaged frames in the given
# pacing; the window shows exactly the producer's frame after each batch,
# and so does --snapshot; the damage of the second batch is recorded.
damage_case() {
    local pacing=$1
    shift
    start_x
    start_producer "$W/done" "${P2[@]}" --pacing "$pacing"
    start_viewer --snapshot "$W/snapshot.png" "$@"
    wait_done "$W/done"
    expect_title "320x240 .* live"
    expect_frame
    damage_start
    batch
    expect_frame
    damage_end
    expect_snapshot
}

# At 1:1 each frame's damage goes straight into the window surface and only
# those rectangles reach the X server; nothing stale is left anywhere, and
# --snapshot writes the same picture.
case_surface_damage() { # needs: shmfb xprobe
    damage_case fifo
    expect_small_damage 200
}

# --present renderer at 1:1: the whole window is drawn for every frame, and
# the picture (and the snapshot) is the same.
case_renderer_damage() { # needs: shmfb xprobe
    damage_case fifo --present renderer
    expect_full_damage 200
}

# --renderer accelerated keeps the renderer path at 1:1 too.  (In the
# sanitizer build the leak check is off for this one viewer: Mesa's GL
# driver is unloaded before it runs and leaves allocations whose stacks
# cannot be named, so they cannot be suppressed narrowly.)
case_accelerated_damage() { # needs: shmfb xprobe
    LSAN_OPTIONS=$LSAN_OPTIONS:detect_leaks=0 damage_case fifo --renderer accelerated
    expect_full_damage 200
}

# --scale 2 takes the renderer path: every frame the whole window, each pixel
# 2 x 2.
case_scale2_damage() { # needs: shmfb xprobe
    start_x
    start_producer "$W/done" "${P2[@]}"
    start_viewer --scale 2 --snapshot "$W/snapshot.png"
    wait_done "$W/done"
    expect_frame 2
    damage_start
    batch
    expect_frame 2
    damage_end
    expect_full_damage 200
    expect_snapshot
}

# Mailbox pacing: the producer never waits, the viewer takes the newest frame
# with the damage of those it skipped (the whole frame when it skipped too
# many), and the window ends up exactly the producer's frame.
case_mailbox_damage() { damage_case mailbox; } # needs: shmfb xprobe

# Free pacing: the same (frames may tear while they are drawn; the last one
# is shown exactly).
case_free_damage() { damage_case free; } # needs: shmfb xprobe

# Switching paths at run time: 1:1 (surface), resized by hand (renderer: the
# picture the surface held moves into the texture), frames while
# letterboxed, back to 1:1 (surface again, after one whole update).
case_path_switch() { # needs: shmfb xprobe
    start_x
    start_producer "$W/done" "${P1[@]}" --interval 0
    start_viewer
    wait_done "$W/done"
    expect_golden e2e-shown.png
    xdotool windowsize --sync "$WID" 400 150
    expect_golden e2e-letterbox.png
    damage_start
    batch
    damage_end
    expect_full_damage 40
    xdotool windowsize --sync "$WID" 160 120
    expect_frame
    damage_start
    batch
    expect_frame
    damage_end
    [ "$DFULL" -le 1 ] || fail "$DFULL whole-window updates after returning to 1:1"
    [ "$DRECTS" -ge 40 ] || fail "$DRECTS damage rectangles for 40 frames"
}

# The demo in mailbox and in free pacing, spawned: the window keeps exactly
# the demo's frame 30 (the same golden as in FIFO pacing).
case_spawned_demo_pacing() { # needs: shmfb
    local rc pacing
    start_x
    for pacing in mailbox free; do
        start_spawned --keep -- "$SHMFB" demo --size 160x100 --frames 30 --pacing "$pacing"
        expect_title "160x100 .* exited"
        expect_golden e2e-spawned-demo.png
        kill -TERM "$VPID"
        rc=0 && wait "$VPID" || rc=$?
        [ "$rc" -eq 0 ] || fail "viewer exit status $rc after SIGTERM ($pacing)"
    done
}

# ---- the producer's cursor ---------------------------------------------------

CURSOR_A="$GOLDEN/e2e-cursor.png"
CURSOR_B="$GOLDEN/e2e-cursor-big.png"

# expect_cursor CHECK...: the X server shows the cursor e2e-xprobe checks
# (--expect PNG --hot X,Y [--scale K], --hidden, --arrow) over the window.
cursor_is() { "$XPROBE" cursor "$WID" "$@" --out "$W/cursor-got.png" 2>"$W/cursor.err"; }
expect_cursor() {
    wait_for 10 cursor_is "$@" || fail "cursor over the window: $(cat "$W/cursor.err") (wanted $*)"
    log "cursor: $*"
}

# cursor_case K VIEWER-ARGS...: the arrow while waiting, then each cursor
# the producer publishes (a shape, hidden, default, the largest shape), and
# the arrow again once the producer is gone.
cursor_case() {
    local k=$1
    shift
    start_x
    start_viewer "$@"
    expect_cursor --arrow
    start_producer "$W/done" "${P1[@]}" --cursor "$CURSOR_A@2,3" --cursor hidden \
        --cursor default --cursor "$CURSOR_B@63,0"
    wait_done "$W/done"
    expect_cursor --expect "$CURSOR_A" --hot 2,3 --scale "$k"
    kill -USR2 "$PPID_"
    expect_cursor --hidden
    kill -USR2 "$PPID_"
    expect_cursor --arrow
    kill -USR2 "$PPID_"
    expect_cursor --expect "$CURSOR_B" --hot 63,0 --scale "$k"
    kill -USR2 "$PPID_"
    expect_cursor --expect "$CURSOR_A" --hot 2,3 --scale "$k"
    kill -KILL "$PPID_"
    expect_title "producer gone"
    expect_cursor --arrow
}

# The producer's cursor is the window's cursor, pixel for pixel
# (premultiplied as X takes it) with its hotspot; hidden and default too.
case_cursor() { cursor_case 1; } # needs: xprobe
# --scale 2: the cursor is scaled with the frame.
case_cursor_scale2() { cursor_case 2 --scale 2; } # needs: xprobe

# ---- the viewer benchmark ------------------------------------------------

# shmfb-viewbench runs (tiny) and prints a figure for every series and
# ratio; bad arguments are refused in one line.  Timings are not judged.
case_viewbench() { # needs: viewbench
    local rc row
    start_x
    "$VIEWBENCH" --viewer "$VIEW" --size 400x300 --frames 5 --rounds 1 >"$W/bench.out" \
        2>"$W/bench.err" || fail "shmfb-viewbench failed: $(cat "$W/bench.err")"
    for row in "bare texture update+copy+present" "bare surface copy+update rects" \
        "bare shmfb consumer, surface rects" "shmfb-view (--present auto)" \
        "shmfb-view --present renderer"; do
        grep -qE "^${row//[()+]/.} +[0-9.]+ \( *[0-9.]+\) +[0-9.]+ \( *[0-9.]+\)$" "$W/bench.out" ||
            fail "no figures for '$row': $(cat "$W/bench.out")"
    done
    [ "$(grep -cE '^ratio .* [0-9]+\.[0-9]+' "$W/bench.out")" -eq 5 ] ||
        fail "not every ratio has a value: $(cat "$W/bench.out")"
    "$VIEWBENCH" --help | grep -q "usage: shmfb-viewbench" || fail "--help"
    rc=0
    "$VIEWBENCH" --size 100x100 2>"$W/bench.err" || rc=$?
    [ "$rc" -eq 2 ] || fail "exit status $rc for a too small --size"
    expect_error "$rc" "$W/bench.err" "must exceed 256x256"
}

# ---- the host channel: clipboard, title, full screen ------------------------------

# start_host: e2e-host on NAME, its commands from the FIFO on descriptor 7,
# what consumers send in $W/host.out.
start_host() {
    mkfifo "$W/cmd" || fail "no fifo"
    "$HOST" "$NAME" <"$W/cmd" >"$W/host.out" 2>"$W/host.err" &
    PIDS+=("$!")
    exec 7>"$W/cmd"
}
host_says() { grep -qxF -- "$1" "$W/host.out"; }
expect_host() { wait_for 10 host_says "$1" || fail "the producer did not get '$1' ($(cat "$W/host.out"))"; }
clip_is() { [ "$(xclip -o -selection "$1")" = "$2" ]; }
expect_clip() {
    wait_for 10 clip_is "$1" "$2" || fail "$1 is '$(xclip -o -selection "$1" 2>&1)', not '$2'"
}
net_name() { xprop -id "$WID" _NET_WM_NAME | sed -n 's/^_NET_WM_NAME(UTF8_STRING) = "\(.*\)"$/\1/p'; }
name_is() { [ "$(net_name)" = "$1" ]; }
geometry() { xdotool getwindowgeometry "$WID" | sed -n 's/^ *Geometry: //p'; }
geometry_is() { [ "$(geometry)" = "$1" ]; }
geometry_not() { [ "$(geometry)" != "$1" ]; }

# The producer's clipboard becomes the desktop's (both selections, UTF-8
# intact); the desktop's comes back when another program takes the
# clipboard from the viewer, and before a paste key goes to the producer.
case_host_clipboard() { # needs: host xclip
    start_x
    start_host
    start_viewer
    printf 'offer H\303\274ndchen \342\202\254 \360\237\230\200\n' >&7
    expect_clip clipboard $'H\303\274ndchen \342\202\254 \360\237\230\200'
    expect_clip primary $'H\303\274ndchen \342\202\254 \360\237\230\200'
    printf 'from the desktop \303\274' | xclip -i -selection clipboard
    expect_host $'clipboard from the desktop \303\274'
    # xclip now owns the clipboard; another xclip takes it over unseen.
    printf 'second' | xclip -i -selection clipboard
    xdotool key --window "$WID" ctrl+v
    expect_host "clipboard second"
}

# The producer's title names the window, the framebuffer's name after it.
case_host_title() { # needs: host xclip
    start_x
    start_host
    start_viewer
    printf 'title /usr/share/scratch/Scratch.image\n' >&7
    wait_for 10 name_is "/usr/share/scratch/Scratch.image — /$NAME" ||
        fail "window title '$(net_name)'"
    printf 'title Caf\303\251 \342\200\224 2\n' >&7
    wait_for 10 name_is $'Caf\303\251 \342\200\224 2 — /'"$NAME" || fail "window title '$(net_name)'"
}

# Full screen on the producer's request (the window takes the screen, the
# producer is asked for a frame that fills it), F11 leaves and enters it,
# --fullscreen starts with it.
case_host_fullscreen() { # needs: host xclip
    start_x
    start_host
    start_viewer
    printf 'fullscreen 1\n' >&7
    wait_for 10 geometry_is 1024x768 || fail "window $(geometry) on a 1024x768 screen"
    expect_host "size 1024 768"
    xdotool key --window "$WID" F11
    wait_for 10 geometry_not 1024x768 || fail "still full screen after F11"
    xdotool key --window "$WID" F11
    wait_for 10 geometry_is 1024x768 || fail "not full screen after F11"
    # --fullscreen: from the start.
    kill "$VPID" && wait "$VPID"
    start_viewer --fullscreen
    wait_for 10 geometry_is 1024x768 || fail "window $(geometry) with --fullscreen"
}

# toy-vm uses the desktop as a VM's image would: --title names the window,
# Ctrl+V types the desktop's clipboard onto its picture (the same pixels as
# typing it), Ctrl+C offers what was typed, Ctrl+F asks for full screen.
case_host_toyvm() { # needs: toyvm xclip
    local log=$W/toy.log
    start_x
    bg "$W/view.err" "$VIEW" -- "$TOYVM" --size 320x200 --log "$log" --title $'toy \342\200\224 vm'
    VPID=$LAST
    wait_for 10 eval 'WID=$(xdotool search --classname "^shmfb-view$" | head -n 1) && [ -n "$WID" ]' ||
        fail "no viewer window appeared"
    wait_for 10 name_is $'toy \342\200\224 vm \342\200\224 '"$TOYVM" || fail "window title '$(net_name)'"
    printf 'p\303\274 x' | xclip -i -selection clipboard
    xdotool mousemove --window "$WID" 100 100 key ctrl+v
    expect_logged "$log" $'paste p\303\274 x'
    wait_for 10 settled "$W/pasted.png" || fail "the window did not settle"
    xdotool key BackSpace BackSpace BackSpace BackSpace
    expect_logged "$log" "text U+0008"
    LC_ALL=C.UTF-8 xdotool type --delay 300 'pü x'
    wait_for 10 matches "$W/typed.png" "$W/pasted.png" ||
        fail "the pasted text differs from the typed one ($W/pasted.png, $W/typed.png)"
    xdotool key ctrl+c
    expect_logged "$log" $'copy p\303\274 x'
    expect_clip clipboard $'p\303\274 x'
    xdotool key ctrl+f
    expect_logged "$log" "fullscreen 1"
    wait_for 10 geometry_is 1024x768 || fail "window $(geometry) after Ctrl+F"
    expect_logged "$log" "resize 1024x768"
}

# shmfb demo --title names the window; the desktop's clipboard text, offered
# by a viewer as it starts, is said on the demo's stderr.
case_host_demo() { # needs: shmfb xclip
    start_x
    printf 'copied before' | xclip -i -selection clipboard
    bg "$W/demo.err" "$SHMFB" demo "/$NAME" --size 160x120 --title 'Demo title'
    bg "$W/view.err" "$VIEW" --wait "$NAME"
    VPID=$LAST
    wait_for 10 eval 'WID=$(xdotool search --classname "^shmfb-view$" | head -n 1) && [ -n "$WID" ]' ||
        fail "no viewer window appeared"
    wait_for 10 name_is "Demo title — /$NAME" || fail "window title '$(net_name)'"
    wait_for 10 grep -qxF "shmfb: demo: clipboard: copied before" "$W/demo.err" ||
        fail "the demo did not say the clipboard ($(cat "$W/demo.err"))"
}

# Files dragged onto the window (XDND, as from a file manager) reach the
# producer as one drop at the pointer, in framebuffer pixels (with --scale
# too); toy-vm logs their paths, then the drop record with its place.
drop_case() { # KIND SCALE
    local log=$W/toy.log k=$1
    start_x
    printf 'x' >"$W/a b.png"
    printf 'y' >"$W/s\303\251.txt"
    bg "$W/view.err" "$VIEW" --scale "$k" -- "$TOYVM" --size 320x200 --log "$log"
    VPID=$LAST
    wait_for 10 eval 'WID=$(xdotool search --classname "^shmfb-view$" | head -n 1) && [ -n "$WID" ]' ||
        fail "no viewer window appeared"
    wait_for 10 geometry_is "$((320 * k))x$((200 * k))" || fail "window $(geometry)"
    "$XDND" "$WID" $((100 * k)) $((60 * k)) "$W/a b.png" "$W/s"$'\303\251'".txt" ||
        fail "the viewer did not take the drop"
    expect_logged "$log" "dropped $W/a b.png"
    expect_logged "$log" "dropped $W/s"$'\303\251'".txt"
    expect_logged "$log" "drop x=100 y=60 files=2"
}
case_host_drop() { drop_case 1; } # needs: toyvm xdnd
case_host_drop_scale2() { drop_case 2; } # needs: toyvm xdnd
