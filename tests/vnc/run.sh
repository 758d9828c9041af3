#!/usr/bin/env bash
# End-to-end tests of shmfb-vnc: the real bridge between a real producer
# (toy-vm, test-producer) and real clients (libvncclient, gvnccapture, noVNC in
# headless Chromium) or hostile ones (vnc-fuzz).
#
# usage: run.sh CASE
#
# The programs come from the environment (CMake sets it, see CMakeLists.txt):
# VNC, VNC_CLIENT, VNC_PRODUCER, VNC_FUZZ, TOYVM, SHMFB, OUT, and for the
# browser case NODE, CHROMIUM, BROWSER_JS, NODE_PATH.  Everything a case
# produced stays in OUT/CASE.
set -uo pipefail

CASE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../procs.sh"
W=$OUT/$CASE
NAME=vnc-$CASE-$$
rm -rf "$W" && mkdir -p "$W" || exit 1
export LSAN_OPTIONS=${LSAN_OPTIONS:-}${LSAN_OPTIONS:+:}suppressions=$HERE/lsan.supp:print_suppressions=0
# libvncserver is built without frame pointers: whole stacks (for the
# suppressions) need the slow unwinder.
export ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}fast_unwind_on_malloc=0

log() { echo "[$CASE] $*"; }
fail() {
    echo "FAIL [$CASE]: $*" >&2
    [ -s "$W/vnc.err" ] && sed 's/^/  shmfb-vnc: /' "$W/vnc.err" >&2
    exit 1
}

# start_toyvm ARGS...: toy-vm under /NAME, logging to W/toy.log.
start_toyvm() {
    bg "$W/toy.err" "$TOYVM" --name "/$NAME" --log "$W/toy.log" "$@"
    TOY=$LAST
    # Its first frame is out before a bridge starts, so that the bridge
    # starts at the frame's size rather than the capacity.
    wait_for 10 presented "/$NAME" || fail "toy-vm did not present on /$NAME"
}

# presented NAME: NAME exists and has presented a frame (shmfb ls's FRAMES).
presented() {
    "$SHMFB" ls "$1" | awk 'NR == 2 && $6 > 0 { ok = 1 } END { exit !ok }'
}

# start_producer NAME ARGS...: test-producer's block scene, 320x200 unless
# ARGS say otherwise, keeping its last frame; sets PROD.
start_producer() {
    local name=$1
    shift
    bg "$W/producer.err" "$VNC_PRODUCER" --scene block --size 320x200 --hold "$@" "/$name"
    PROD=$LAST
    # shmfb ls NAME succeeds whether or not NAME is there: wait for a frame.
    wait_for 10 presented "/$name" || fail "test-producer did not present on /$name"
}

# start_bridge ARGS...: shmfb-vnc on a free port; sets BRIDGE, PORT, ADDR
# (and URL with --web).  RUN_UNDER may name a wrapper (valgrind ...).
start_bridge() {
    # Emptied here: the background job truncates it only when it gets to run.
    : >"$W/vnc.err"
    # shellcheck disable=SC2086
    bg "$W/vnc.err" ${RUN_UNDER:-} "$VNC" --port 0 "$@"
    BRIDGE=$LAST
    wait_for 60 grep -q "serving" "$W/vnc.err" ||
        fail "shmfb-vnc did not start"
    PORT=$(sed -n 's/.* on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$W/vnc.err" | head -1)
    ADDR=127.0.0.1:$PORT
    URL=$(sed -n 's/.*noVNC at \(http[^ ]*\).*/\1/p' "$W/vnc.err" | head -1)
    log "bridge on $ADDR${URL:+, $URL}"
}

# stop_bridge: SIGTERM, and the exit status must be 0.
stop_bridge() {
    kill -TERM "$BRIDGE"
    wait "$BRIDGE"
    local rc=$?
    [ "$rc" -eq 0 ] || fail "shmfb-vnc exited with status $rc after SIGTERM"
}

# client [--OPTION [VALUE]...] STEP...: vnc-client against the bridge; fails
# the case when it fails.
client() {
    local opts=()
    while [ $# -gt 0 ] && [ "${1#--}" != "$1" ]; do
        case $1 in
        --cursor) opts+=("$1") && shift ;;
        *) opts+=("$1" "$2") && shift 2 ;;
        esac
    done
    "$VNC_CLIENT" --save-on-fail "$W/client-fail.png" "${opts[@]}" "$ADDR" "$@" \
        2>>"$W/client.err" || fail "vnc-client ${opts[*]} $*: $(tail -1 "$W/client.err")"
}

# log_has LINE: toy-vm logged exactly this line (waiting for it).
has_line() { grep -qxF -- "$1" "$W/toy.log"; }
log_has() { wait_for 10 has_line "$1" || fail "toy-vm did not log '$1'"; }

# snap OUT.png: the producer's last frame, read from shared memory.
snap() { "$SHMFB" snap "/$NAME" "$1" --now >/dev/null || fail "shmfb snap failed"; }

# Open descriptors and threads of a process.
nfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
nthreads() { find "/proc/$1/task" -mindepth 1 -maxdepth 1 | wc -l; }

# producer_report FILE TIMEOUT_MS: the producer stops animating (it keeps its
# last frame) and none of its presents waited its whole timeout.
producer_report() {
    [ -s "$1" ] || kill -USR1 "$PROD" # ends a batch of --frames 0
    wait_for 10 test -s "$1" || fail "the producer wrote no report"
    local worst
    worst=$(awk '{print $4}' "$1")
    log "producer: $(cat "$1")"
    [ "$worst" -lt "$2" ] || fail "a present waited ${worst} ms (timeout $2 ms): the producer was held up"
}

expect_error() {
    local rc=$1 err=$2 pattern=$3
    [ "$rc" -ne 0 ] || fail "exit status 0, expected a failure"
    [ "$(wc -l <"$err")" -eq 1 ] || fail "expected one line on stderr, got: $(cat "$err")"
    grep -q -- "$pattern" "$err" || fail "expected '$pattern', got: $(cat "$err")"
    log "exit $rc: $(cat "$err")"
}

# shellcheck source=./cases.sh source-path=SCRIPTDIR
. "$HERE/cases.sh"
"case_$CASE" || fail "case failed"
log "ok"
