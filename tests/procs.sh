# Background processes for the shell-driven suites (e2e, vnc, squeak):
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
