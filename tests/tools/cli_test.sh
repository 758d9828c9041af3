#!/usr/bin/env bash
# End-to-end tests of the shmfb command-line tool.
#   cli_test.sh CASE SHMFB TOOLS_HELPER SPRITE_PNG IMPOSTOR TEST_PRODUCER
set -euo pipefail

CASE=$1
SHMFB=$2
HELPER=$3
SPRITE=$4
IMPOSTOR=$5
PRODUCER=$6 # frames of known pixels: --scene seq, checked by tools_helper check-pattern

TMP=$(mktemp -d "/tmp/shmfbt-tools-$$.XXXXXX")
PREFIX="shmfbt-tools-$$"
PIDS=()
# The names of this run live in a runtime directory of its own.
mkdir -m 700 "$TMP/run"
export SHMFB_RUNTIME_DIR=$TMP/run

cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
    echo "FAIL ($CASE): $*" >&2
    exit 1
}

# Runs the command, leaving its stdout, stderr and exit code in OUT, ERR, RC.
run() {
    RC=0
    "$@" >"$TMP/out" 2>"$TMP/err" || RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

# expect_error CODE ARGS...: shmfb ARGS exits with CODE and says exactly one
# line, "shmfb: ...", on stderr.
expect_error() {
    local code=$1
    shift
    run "$SHMFB" "$@"
    [ "$RC" -eq "$code" ] || fail "shmfb $*: exit $RC, expected $code (stderr: $ERR)"
    [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "shmfb $*: expected one line on stderr, got: $ERR"
    [[ $ERR == "shmfb: "* ]] || fail "shmfb $*: stderr does not start with 'shmfb: ': $ERR"
}

expect_ok() {
    run "$SHMFB" "$@"
    [ "$RC" -eq 0 ] || fail "shmfb $*: exit $RC (stderr: $ERR)"
}

# listed NAME: shmfb ls lists NAME as a live framebuffer.
listed() {
    "$SHMFB" ls "$1" 2>/dev/null | awk -v n="$1" '$1 == n { ok = 1 } END { exit !ok }'
}

# Framebuffers never go to /dev/shm, named or not.
no_shm_objects() {
    ! ls /dev/shm | grep -q "$PREFIX" || fail "something of this test is in /dev/shm"
}

# impostor NAME: something that holds NAME but is not a shmfb producer.
impostor() {
    "$IMPOSTOR" "$1" >"$TMP/impostor.out" &
    PIDS+=("$!")
    wait_until 100 grep -q ready "$TMP/impostor.out" || fail "the impostor did not take $1"
}

wait_until() {
    local tries=$1
    shift
    while ! "$@"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.05
    done
}

has_frames() {
    run "$SHMFB" ls "$1"
    [ "$RC" -eq 0 ] && awk -v n="$1" '$1 == n && $6 >= 1 { ok = 1 } END { exit !ok }' <<<"$OUT"
}

# start NAME CMD...: runs CMD in the background and waits for framebuffer
# NAME to have presented a frame; sets BG to its pid.
start() {
    local name=$1
    shift
    "$@" &
    BG=$!
    PIDS+=("$BG")
    wait_until 200 has_frames "$name" || fail "$name did not appear: $*"
}

# stop_bg PID SIGNAL: signals it and expects a clean exit within 5 s.
stop_bg() {
    local pid=$1 sig=$2 rc=0
    kill -"$sig" "$pid"
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null && fail "pid $pid still running 5 s after SIG$sig"
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || fail "pid $pid exited with $rc after SIG$sig"
}

# snap ARGS...: shmfb snap, which must succeed; sets SEQ and SIZE from its
# "OUT.png: frame SEQ, WxH" line.
snap() {
    expect_ok snap "$@"
    [[ $OUT =~ :\ frame\ ([0-9]+),\ ([0-9]+x[0-9]+)$ ]] || fail "snap $*: unexpected output '$OUT'"
    SEQ=${BASH_REMATCH[1]}
    SIZE=${BASH_REMATCH[2]}
}

check_pattern() { # PNG SEQ WxH MAXWxH alpha|noalpha
    "$HELPER" check-pattern "$@" || fail "pattern mismatch: $*"
}

case_usage() {
    expect_ok --help
    [[ $OUT == *"demo"*"snap"*"ls"*"bench"* ]] || fail "--help lacks the commands: $OUT"
    expect_ok --version
    [[ $OUT =~ ^shmfb\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version said '$OUT'"
    for c in demo snap ls; do
        expect_ok "$c" --help
        [[ $OUT == "usage: shmfb $c"* ]] || fail "$c --help said '$OUT'"
    done
    run "$SHMFB" bench --help
    if [ "$RC" -ne 0 ]; then
        expect_error 1 bench
        [[ $ERR == *"built without"* ]] || fail "bench: $ERR"
    fi
    run "$SHMFB"
    [ "$RC" -eq 2 ] || fail "no arguments: exit $RC"
    expect_error 2 frobnicate
    expect_error 2 snap
    expect_error 2 snap /x
    expect_error 2 snap /x "$TMP/o.png" extra
    expect_error 2 snap /x "$TMP/o.png" --timeout
    expect_error 2 snap /x "$TMP/o.png" --timeout soon
    expect_error 2 snap /x "$TMP/o.png" --bogus
    expect_error 2 demo --size 0x5
    expect_error 2 demo --size 10
    expect_error 2 demo --size 99999x10
    expect_error 2 demo --size 20x20 --max 10x10
    expect_error 2 demo --fps -1
    expect_error 2 demo --frames many
    expect_error 2 demo --seconds
    expect_error 2 demo /a /b
    expect_error 2 demo --bogus
    expect_error 2 ls --bogus
    expect_error 2 ls 'bad/name'
    [ ! -e "$TMP/o.png" ] || fail "a failed command wrote its output"
}

case_errors() {
    local missing="/$PREFIX-missing" plain="/$PREFIX-plain" tiny="/$PREFIX-tiny"
    local idle="/$PREFIX-idle"

    expect_error 1 snap "$missing" "$TMP/o.png"
    [[ $ERR == *"$missing"* ]] || fail "error does not name the framebuffer: $ERR"
    expect_error 1 snap --now "$missing" "$TMP/o.png"
    expect_error 1 snap 'no/such' "$TMP/o.png"

    impostor "$plain"
    expect_error 1 snap "$plain" "$TMP/o.png"
    [[ $ERR == *"$plain"*"not a shmfb framebuffer"* ]] || fail "error does not name it: $ERR"
    expect_error 1 snap --now "$plain" "$TMP/o.png"
    [ ! -e "$TMP/o.png" ] || fail "snap of a non-framebuffer wrote a file"
    expect_ok ls
    [ -z "$ERR" ] || fail "ls complained about a non-framebuffer: $ERR"
    [[ $OUT != *"$PREFIX"* ]] || fail "ls listed a non-framebuffer: $OUT"
    expect_ok ls --reap "$plain"
    [[ $OUT != *"reaped"* ]] || fail "ls --reap removed a live name: $OUT"
    expect_error 1 demo "$plain" --frames 1 --sprite "$SPRITE"
    [[ $ERR == *"$plain"*"already exists"* ]] || fail "demo on a taken name: $ERR"
    : "$tiny"

    printf 'not a png\n' >"$TMP/not.png"
    expect_error 1 demo "/$PREFIX-d1" --frames 1 --sprite "$TMP/not.png"
    expect_error 1 demo "/$PREFIX-d2" --frames 1 --sprite "$TMP/none.png"
    listed "/$PREFIX-d1" && fail "demo left its framebuffer after failing"

    "$PRODUCER" --scene seq --size 8x8 --never-present "$idle" &
    PIDS+=("$!")
    wait_until 200 listed "$idle" || fail "$idle did not appear"
    expect_error 1 snap "$idle" "$TMP/o.png" --timeout 300
    [[ $ERR == *"$idle"* ]] || fail "timeout error: $ERR"
    expect_error 1 snap --now "$idle" "$TMP/o.png"
    [ ! -e "$TMP/o.png" ] || fail "snap without a frame wrote a file"

    start "/$PREFIX-live" "$PRODUCER" --scene seq --size 8x8 --fps 50 --frames 0 "/$PREFIX-live"
    expect_error 1 snap "/$PREFIX-live" "$TMP/no/dir/o.png"
    [[ $ERR == *"$TMP/no/dir/o.png"*"no such file"* ]] || fail "write error: $ERR"
}

case_snap_pattern() {
    local name="/$PREFIX-pat" small=0 big=0

    start "$name" "$PRODUCER" --scene seq --size 257x33 --capacity 300x40 --fps 50 --frames 0 "$name"
    for _ in $(seq 60); do
        snap "$name" "$TMP/s.png"
        check_pattern "$TMP/s.png" "$SEQ" 257x33 300x40 noalpha
        case $SIZE in
        257x33) small=$((small + 1)) ;;
        300x40) big=$((big + 1)) ;;
        *) fail "snap reported size $SIZE" ;;
        esac
        [ $small -ge 2 ] && [ $big -ge 2 ] && break
        sleep 0.07
    done
    if [ $small -lt 2 ] || [ $big -lt 2 ]; then
        fail "saw only $small small and $big big frames"
    fi
    stop_bg "$BG" TERM
    listed "$name" && fail "producer left $name behind"
    no_shm_objects

    name="/$PREFIX-alpha"
    start "$name" "$PRODUCER" --scene seq --size 3x1 --argb --fps 50 --frames 0 "$name"
    snap "$name" "$TMP/a.png" --alpha
    check_pattern "$TMP/a.png" "$SEQ" 3x1 3x1 alpha
    snap "$name" "$TMP/b.png" --timeout=1000
    check_pattern "$TMP/b.png" "$SEQ" 3x1 3x1 noalpha
    stop_bg "$BG" TERM
}

case_snap_now() {
    local name="/$PREFIX-now"

    start "$name" "$PRODUCER" --scene seq --size 61x7 --argb --frames 1 --hold "$name"
    snap --now "$name" "$TMP/n.png" --alpha
    [ "$SEQ" -eq 1 ] || fail "snap --now: frame $SEQ"
    [ "$SIZE" = 61x7 ] || fail "snap --now: size $SIZE"
    check_pattern "$TMP/n.png" 1 61x7 61x7 alpha
    snap "$name" "$TMP/w.png" --timeout 300
    [ "$SEQ" -eq 1 ] || fail "snap of an idle producer gave frame $SEQ"
    check_pattern "$TMP/w.png" 1 61x7 61x7 noalpha

    # A killed producer takes its name with it: nothing to snap, nothing
    # listed, and the name can be taken again at once.
    kill -KILL "$BG"
    wait "$BG" 2>/dev/null || true
    expect_error 1 snap --now "$name" "$TMP/d.png"
    [[ $ERR == *"no framebuffer with that name"* ]] || fail "snap --now of a dead one: $ERR"
    expect_error 1 snap "$name" "$TMP/x.png" --timeout 2000
    listed "$name" && fail "a killed producer is still listed"
    start "$name" "$PRODUCER" --scene seq --size 5x5 --frames 1 --hold "$name"
    snap --now "$name" "$TMP/n2.png"
    check_pattern "$TMP/n2.png" 1 5x5 5x5 noalpha
    stop_bg "$BG" TERM
}

case_demo_snap() {
    local name="/$PREFIX-demo" small=0 big=0

    start "$name" "$SHMFB" demo "$name" --size 160x100 --max 200x120 --fps 400 --sprite "$SPRITE"
    for _ in $(seq 80); do
        snap "$name" "$TMP/d.png"
        "$HELPER" expect-demo "$TMP/d.png" "$SEQ" 160x100 200x120 "$SPRITE" ||
            fail "demo frame $SEQ differs from the scene"
        case $SIZE in
        160x100) small=$((small + 1)) ;;
        200x120) big=$((big + 1)) ;;
        *) fail "demo frame $SEQ has size $SIZE" ;;
        esac
        [ $small -ge 3 ] && [ $big -ge 3 ] && break
        sleep 0.05
    done
    if [ $small -lt 3 ] || [ $big -lt 3 ]; then
        fail "saw only $small small and $big big frames"
    fi
    stop_bg "$BG" INT
    listed "$name" && fail "demo left $name behind"

    # Without --max the alternate size is 3/4 of the frame; the default sprite.
    name="/$PREFIX-demo2"
    start "$name" "$SHMFB" demo "$name" --size 64x48 --fps 0
    snap "$name" "$TMP/e.png"
    "$HELPER" expect-demo "$TMP/e.png" "$SEQ" 64x48 64x48 "$SPRITE" ||
        fail "demo frame $SEQ differs from the scene"
    stop_bg "$BG" TERM
}

# Every pacing: what snap writes is exactly the demo's scene for that frame,
# and the damage a consumer gets keeps its copy exact.
case_demo_pacing() {
    local mode name fps
    for mode in fifo mailbox free; do
        name="/$PREFIX-pace-$mode"
        # Free pacing lets the producer draw over a frame being read; slowly
        # drawn, a snapshot almost never meets a frame being drawn.
        fps=300
        [ "$mode" = free ] && fps=4
        start "$name" "$SHMFB" demo "$name" --pacing "$mode" --size 120x80 --max 150x90 --fps "$fps" \
            --sprite "$SPRITE"
        for _ in 1 2 3 4 5; do
            snap "$name" "$TMP/p.png"
            "$HELPER" expect-demo "$TMP/p.png" "$SEQ" 120x80 150x90 "$SPRITE" ||
                fail "$mode: frame $SEQ differs from the scene"
        done
        expect_ok ls "$name"
        [[ $OUT == *" $mode"* ]] || fail "ls does not say $mode: $OUT"
        stop_bg "$BG" TERM
    done
    name="/$PREFIX-pace-dmg"
    start "$name" "$SHMFB" demo "$name" --pacing mailbox --buffers 2 --size 150x90 --max 170x100 \
        --fps 0 --sprite "$SPRITE"
    run "$HELPER" follow "$name" 400
    [ "$RC" -eq 0 ] || fail "mailbox damage does not cover the changes: $OUT $ERR"
    stop_bg "$BG" TERM
    expect_error 2 demo --pacing lifo
    expect_error 2 demo --buffers 3
    expect_error 2 demo --pacing mailbox --buffers 9
}

case_demo_damage() {
    local name="/$PREFIX-dmg"

    start "$name" "$SHMFB" demo "$name" --size 150x90 --max 170x100 --fps 0 --sprite "$SPRITE"
    run "$HELPER" follow "$name" 400
    [ "$RC" -eq 0 ] || fail "damage does not cover the changes: $OUT $ERR"
    [[ $OUT =~ resized\ ([1-9][0-9]*) ]] || fail "no resize in 400 frames: $OUT"
    stop_bg "$BG" TERM
}

case_demo_lifetime() {
    local name="/$PREFIX-life" sig t0

    for sig in INT TERM; do
        start "$name" "$SHMFB" demo "$name" --size 50x40 --fps 30
        stop_bg "$BG" "$sig"
        listed "$name" && fail "demo left $name behind after SIG$sig"
    done
    expect_ok demo "$name" --max 30x20 --frames 2 --fps 0
    expect_ok demo "$name" --max=4000x3000 --frames 2 --fps 0
    expect_ok demo "$name" --size 40x30 --frames 250 --fps 0
    listed "$name" && fail "demo --frames left $name behind"
    t0=$(date +%s%N)
    expect_ok demo "$name" --size 40x30 --seconds 0.4 --fps 50
    [ $(($(date +%s%N) - t0)) -ge 350000000 ] || fail "demo --seconds 0.4 ended early"
    listed "$name" && fail "demo --seconds left $name behind"
    no_shm_objects
    return 0
}

case_ls_reap() {
    local name="/$PREFIX-ls" live="/$PREFIX-lslive" line pid f

    start "$name" "$PRODUCER" --scene seq --size 32x16 --capacity 40x20 --fps 20 --frames 0 "$name"
    pid=$BG
    expect_ok ls
    line=$(awk -v n="$name" '$1 == n' <<<"$OUT")
    [ -n "$line" ] || fail "ls does not list $name: $OUT"
    read -r -a f <<<"$line"
    [ "${f[2]}" = 40x20 ] || fail "ls capacity: $line"
    [ "${f[3]}" = "$pid" ] || fail "ls pid (want $pid): $line"
    [ "${f[4]}" = 0 ] || fail "ls consumers: $line"
    [ "${f[6]}" = fifo ] || fail "ls pacing: $line"
    [[ ${f[1]} == 32x16 || ${f[1]} == 40x20 ]] || fail "ls size: $line"
    [[ $(head -n1 <<<"$OUT") == NAME*SIZE*MAX*PID*CONSUMERS*FRAMES*PACING ]] ||
        fail "ls header: $(head -n1 <<<"$OUT")"

    # Killed: no longer listed at once; what it left is removed by --reap
    # (and would be by the next producer of the name), never a live one's.
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    expect_ok ls "$name"
    [ "$(wc -l <<<"$OUT")" -eq 1 ] || fail "a killed producer is listed: $OUT"
    start "$live" "$PRODUCER" --scene seq --size 8x8 --fps 20 --frames 0 "$live"
    expect_ok ls --reap "$name" "$live"
    [[ $OUT == *"reaped $name"* ]] || fail "ls --reap did not say it reaped $name: $OUT"
    [[ $OUT != *"reaped $live"* ]] || fail "ls --reap reaped a live producer: $OUT"
    listed "$live" || fail "ls --reap removed a live producer's name"
    expect_ok ls --reap "$name"
    [[ $OUT != *"reaped"* ]] || fail "reaped twice: $OUT"
    stop_bg "$BG" TERM
    no_shm_objects
}

# What a same-user mistake leaves in a name's place: a link is reaped, a
# directory that is not empty is named on stderr (exit 1), and the name can
# be taken once that is cleared by hand.
case_ls_reap_junk() {
    local a="$PREFIX-ja" b="$PREFIX-jb"
    ln -s /nonexistent "$TMP/run/$a.sock"
    mkdir -p "$TMP/run/$b.lock/x"
    run "$SHMFB" ls --reap
    [ "$RC" -eq 1 ] || fail "ls --reap with a full directory in the way: exit $RC ($OUT / $ERR)"
    [[ $OUT == *"reaped /$a"* ]] || fail "the link was not reaped: $OUT"
    [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "expected one line on stderr: $ERR"
    [[ $ERR == "shmfb: cannot reap /$b: a directory that is not empty"* ]] ||
        fail "the full directory is not named: $ERR"
    [ ! -L "$TMP/run/$a.sock" ] || fail "the link is still there"
    run timeout 10 "$PRODUCER" --scene seq --size 8x8 --fps 20 --frames 0 "/$b"
    [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] ||
        fail "a producer took /$b with a directory in its place (exit $RC)"
    [[ $ERR == *"stands in the name's place"* ]] || fail "the producer does not say why: $ERR"
    rm -r "$TMP/run/$b.lock"
    expect_ok ls --reap
    [[ $OUT != *"reaped"* ]] || fail "reaped something that was not there: $OUT"
}

# Started by a viewer with no NAME (here tools_helper spawn, a viewer without
# a window): the demo and test-producer draw into a private memfd, nothing
# in /dev/shm (the helper checks their mappings); the demo quits on the close
# request, the other needs SIGTERM.  A bad SHMFB_SOCKET is one clear error.
case_spawned() {
    run "$HELPER" spawn "$TMP/d.png" "$SHMFB" demo --size 64x48 --max 80x60 --sprite "$SPRITE"
    [ "$RC" -eq 0 ] || fail "spawned demo: exit $RC ($ERR)"
    [[ $OUT =~ :\ frame\ ([0-9]+),\ 64x48 ]] || fail "spawned demo: unexpected output '$OUT'"
    "$HELPER" expect-demo "$TMP/d.png" "${BASH_REMATCH[1]}" 64x48 80x60 "$SPRITE" ||
        fail "spawned demo frame ${BASH_REMATCH[1]} differs from the scene"
    [[ $OUT == *"closed: exit 0"* ]] || fail "the demo did not quit on the close request: $OUT"

    run "$HELPER" spawn "$TMP/p.png" "$PRODUCER" --scene seq --size 9x7 --fps 50 --frames 0
    [ "$RC" -eq 0 ] || fail "spawned producer: exit $RC ($ERR)"
    [[ $OUT =~ :\ frame\ ([0-9]+),\ 9x7 ]] || fail "spawned producer: unexpected output '$OUT'"
    check_pattern "$TMP/p.png" "${BASH_REMATCH[1]}" 9x7 9x7 noalpha
    [[ $OUT == *"terminated: exit 0"* ]] || fail "spawned producer did not end cleanly: $OUT"

    SHMFB_SOCKET=0 expect_error 1 demo --frames 1 --sprite "$SPRITE"
    [[ $ERR == *"spawned"* ]] || fail "bad SHMFB_SOCKET: $ERR"
}

"case_$CASE"
echo "ok ($CASE)"
