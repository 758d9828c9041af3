# Cases for run.sh; each is a function case_NAME that returns 0 on success.
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
}

case_missing_name() {
    local rc=0
    env -u DISPLAY "$VIEW" "$NAME" 2>"$W/view.err" || rc=$?
    expect_error "$rc" "$W/view.err" "no such framebuffer"
}

case_not_shmfb() {
    local rc=0
    "$GARBAGE" "/$NAME-junk" || fail "could not create the junk object"
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
case_valgrind() {
    start_x
    start_producer "$W/done" --frames 30 --wait-consumer --stuck-ms 20000
    local rc=0
    valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
        --suppressions="$HERE/valgrind.supp" --log-file="$W/valgrind.log" \
        "$VIEW" --frames 30 --timeout 40 "$NAME" 2>"$W/view.err" || rc=$?
    [ "$rc" -eq 0 ] || fail "valgrind or the viewer failed ($rc), see $W/valgrind.log"
    wait_done "$W/done"
}
