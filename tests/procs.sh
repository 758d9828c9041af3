# Background processes for the shell-driven suites (e2e, vnc, squeak, gst,
# qemu), and the X server they share the way of starting:
# sourced, never run.  Every process started with bg is stopped when the
# script exits, last started first (a viewer ends, and ends a program it
# started, while its X server is still there).
# shellcheck shell=bash

PIDS=()

cleanup() {
    local i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill "${PIDS[i]}" 2>/dev/null
        wait "${PIDS[i]}" 2>/dev/null
    done
}
trap cleanup EXIT

# bg FILE CMD...: runs CMD in the background with stderr to FILE; sets LAST.
bg() {
    local err=$1
    shift
    "$@" 2>"$err" &
    LAST=$!
    PIDS+=("$LAST")
}

# wait_for SECONDS CMD...: runs CMD every 0.1 s until it succeeds; gives up
# after SECONDS of sleeping between tries.
wait_for() {
    local t=$(($1 * 10))
    shift
    while [ $t -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        t=$((t - 1))
    done
    return 1
}

# start_xvfb LOG WxH [X Y]: an Xvfb with a WxHx24 screen on a free display
# (its lock file settles races with other servers), the pointer moved to X,Y
# if given; exports DISPLAY.  Returns 1 if none would start (LOG says why).
start_xvfb() {
    local log=$1 size=$2 n=$((1000 + ($$ * 37 + RANDOM) % 30000)) t
    for _ in 1 2 3 4 5; do
        while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
        bg "$log" Xvfb ":$n" -screen 0 "${size}x24" -nolisten tcp -noreset
        for t in $(seq 100); do
            kill -0 "$LAST" 2>/dev/null || break
            if [ "$(tr -d ' ' <"/tmp/.X$n-lock" 2>/dev/null)" = "$LAST" ] &&
                DISPLAY=":$n" xdotool getdisplaygeometry >/dev/null 2>&1; then
                export DISPLAY=":$n"
                [ $# -lt 4 ] || xdotool mousemove "$3" "$4"
                return 0
            fi
            sleep 0.1
        done
        kill "$LAST" 2>/dev/null
        n=$((n + 1 + RANDOM % 100))
    done
    return 1
}
