#!/usr/bin/env bash
# Who may open and who may create a framebuffer: another user (nobody, by
# setpriv) can neither open nor squat root's names; in a directory shared by
# both, the credentials and the sharing flags decide; runtime directories
# that are symlinks, group or world writable or another user's are refused
# without anything being followed; producer and consumer in different pid
# namespaces work.  Runs as root.
#   access_test.sh CASE ACCESS_HELPER SHMFB TEST_PRODUCER LIBDIR...
# With ACCESS_PATH_LENGTH=N, every directory of the test lies N bytes deep
# or more (runtime directories of any length must work).
set -euo pipefail

CASE=$1
HELPER=$2
SHMFB=$3
PRODUCER=$4
shift 4

TMP=$(mktemp -d /tmp/shmfbt-access-XXXXXX)
chmod 755 "$TMP" # nobody must reach its own directories inside
TOP=$TMP
while [ "${#TMP}" -lt "${ACCESS_PATH_LENGTH:-0}" ]; do
    TMP=$TMP/a-test-directory-deep-down
    mkdir -m 755 "$TMP"
done
PIDS=()

cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$TOP"
}
trap cleanup EXIT

fail() {
    echo "FAIL ($CASE): $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || fail "these tests run as root (they become nobody with setpriv)"
NOBODY_UID=$(id -u nobody)

# The programs and their libraries, where nobody can run them: the build
# tree may lie in a directory nobody cannot enter.
mkdir "$TMP/bin"
cp "$HELPER" "$TMP/bin/access_helper"
cp "$SHMFB" "$TMP/bin/shmfb"
cp "$PRODUCER" "$TMP/bin/test-producer"
for dir in "$@"; do
    cp -P "$dir"/lib*.so* "$TMP/bin/"
done
chmod -R a+rX "$TMP/bin"
export LD_LIBRARY_PATH=$TMP/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
H=$TMP/bin/access_helper
# The producer: frames that say their tag (--tag N) and number, which
# access_helper consume checks; options after the name reach it too.
P=("$TMP/bin/test-producer" --scene tag --size 64x48 --frames 0 --interval 10 --ready)
S=$TMP/bin/shmfb

# Each user's own runtime directory ($XDG_RUNTIME_DIR, as a login gives
# it), and a place where nobody may write its outputs.
ROOT_XDG=$TMP/xdg-root
NOBODY_XDG=$TMP/xdg-nobody
mkdir -m 700 "$ROOT_XDG" "$NOBODY_XDG" "$TMP/nobody-out"
chown nobody:nogroup "$NOBODY_XDG" "$TMP/nobody-out"
unset SHMFB_RUNTIME_DIR

# "${ROOT[@]}" / "${NOBODY[@]}" [VAR=VALUE...] CMD...: CMD as that user,
# with that user's runtime directory unless the assignments say otherwise.
# (Arrays, not functions: a command started in the background must be the
# process whose pid $! gives.)
ROOT=(env XDG_RUNTIME_DIR="$ROOT_XDG")
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups
        env HOME=/ XDG_RUNTIME_DIR="$NOBODY_XDG")
# CMD as the first process of a new pid namespace with its own /proc;
# killing the unshare process kills it.
IN_PID_NS=(unshare --pid --fork --mount-proc --kill-child)

# name_file DIR NAME EXT: where NAME's .lock or .sock lies in runtime
# directory DIR: DIR/NAME.EXT, or under the name's FNV-1a hash where
# DIR/NAME.sock would not fit a socket address (src/rendezvous.c).
name_file() {
    local dir=$1 name=$2 ext=$3 h=-3750763034362895579 i c key
    if [ $((${#dir} + 1 + ${#name} + 5)) -lt 108 ]; then
        echo "$dir/$name.$ext"
        return
    fi
    key=/$name
    for ((i = 0; i < ${#key}; i++)); do
        printf -v c '%d' "'${key:i:1}"
        h=$(((h ^ c) * 1099511628211))
    done
    printf '%s/#%016x.%s\n' "$dir" "$h" "$ext"
}

# Runs the command, leaving its stdout, stderr and exit code in OUT, ERR, RC.
run() {
    RC=0
    "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

expect_ok() {
    run "$@"
    [ "$RC" -eq 0 ] || fail "$*: exit $RC (stderr: $ERR)"
}

# expect_error WHY CMD...: CMD exits with 1 and says one line on stderr
# that names the framebuffer and ends in WHY (a regular expression).
expect_error() {
    local why=$1
    shift
    run "$@"
    [ "$RC" -eq 1 ] || fail "$*: exit $RC, expected 1 (stdout: $OUT, stderr: $ERR)"
    [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$*: expected one line on stderr, got: $ERR"
    [[ $ERR =~ :\ /[^:]*:\ ($why)$ ]] || fail "$*: expected '...: /NAME: $why', got: $ERR"
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

# produce OUTFILE CMD...: starts the producer CMD in the background and
# waits until it says its name exists; sets BG to its pid.
produce() {
    local out=$1
    shift
    "$@" >"$out" 2>&1 </dev/null &
    BG=$!
    PIDS+=("$BG")
    wait_until 200 grep -q '^ready$' "$out" || fail "producer did not start: $* ($(cat "$out"))"
}

# Nothing was created in the directory.
empty_dir() {
    [ -z "$(ls -A "$1")" ] || fail "$1 is not empty: $(ls -A "$1")"
}

case_other_user_cannot_open() {
    produce "$TMP/p" "${ROOT[@]}" "${P[@]}" /acc --tag 1
    local pid=$BG
    # Root's directory is root's alone: whichever way nobody names it.
    expect_error "permission denied" "${NOBODY[@]}" XDG_RUNTIME_DIR="$ROOT_XDG" \
        "$S" snap /acc "$TMP/nobody-out/a.png"
    expect_error "permission denied" "${NOBODY[@]}" SHMFB_RUNTIME_DIR="$ROOT_XDG/shmfb" \
        "$S" snap /acc "$TMP/nobody-out/a.png"
    expect_error "permission denied" "${NOBODY[@]}" SHMFB_RUNTIME_DIR="$ROOT_XDG/shmfb" \
        "$H" consume /acc --tag 1
    # In its own there is no such name, and /proc does not hand out root's memfd.
    expect_error "no framebuffer with that name" "${NOBODY[@]}" "$S" snap /acc "$TMP/nobody-out/a.png"
    local memfd
    memfd=$(sed -n 2p "$(name_file "$ROOT_XDG/shmfb" acc lock)" | cut -d' ' -f1)
    [ -e "/proc/$pid/fd/$memfd" ] || fail "the lock file does not name the producer's memfd"
    ! "${NOBODY[@]}" cat "/proc/$pid/fd/$memfd" >/dev/null 2>&1 || fail "nobody read the memfd"
    empty_dir "$TMP/nobody-out"
    # Root's consumers see root's frames.
    expect_ok "${ROOT[@]}" "$H" consume /acc --tag 1
    expect_ok "${ROOT[@]}" "$S" snap /acc "$TMP/a.png"
}

case_other_user_cannot_squat() {
    # Nobody takes the name first, in the only directory it can write.
    produce "$TMP/n" "${NOBODY[@]}" "${P[@]}" /acc --tag 2
    [ -S "$(name_file "$NOBODY_XDG/shmfb" acc sock)" ] || fail "nobody's name is not in its own directory"
    # Root's producer of the same name does not notice, and each user's
    # consumers get their own user's frames.
    produce "$TMP/r" "${ROOT[@]}" "${P[@]}" /acc --tag 1
    expect_ok "${ROOT[@]}" "$H" consume /acc --tag 1
    expect_ok "${NOBODY[@]}" "$H" consume /acc --tag 2
    # Nobody cannot put a name where root's consumers look.
    expect_error "permission denied" "${NOBODY[@]}" XDG_RUNTIME_DIR="$ROOT_XDG" \
        "${P[@]}" /acc2
    expect_error "permission denied" "${NOBODY[@]}" SHMFB_RUNTIME_DIR="$ROOT_XDG/shmfb" \
        "${P[@]}" /acc2
    [ ! -e "$(name_file "$ROOT_XDG/shmfb" acc2 lock)" ] &&
        [ ! -e "$(name_file "$ROOT_XDG/shmfb" acc2 sock)" ] ||
        fail "nobody created something in root's directory"
    expect_ok "${ROOT[@]}" "$H" consume /acc --tag 1
}

# In a directory both users can write, each side checks the other's
# credentials; the flags let a producer share and a consumer trust.
case_shared_directory() {
    local shared=$TMP/shared
    mkdir -m 1777 "$shared"
    local R=("${ROOT[@]}" SHMFB_RUNTIME_DIR="$shared")
    local N=("${NOBODY[@]}" SHMFB_RUNTIME_DIR="$shared")
    # Nobody's producer: root's consumers refuse it ...
    produce "$TMP/n1" "${N[@]}" "${P[@]}" /n1 --tag 2
    expect_error "permission denied" "${R[@]}" "$S" snap /n1 "$TMP/n1.png"
    expect_error "permission denied" "${R[@]}" "$H" consume /n1 --tag 2
    # ... unless they trust nobody, whose producer shares with root.
    produce "$TMP/n2" "${N[@]}" "${P[@]}" /n2 --tag 3 --share-uid 0
    expect_ok "${R[@]}" "$H" consume /n2 --tag 3 --trust-uid "$NOBODY_UID"
    # Root's producer refuses nobody's consumers: by default ...
    produce "$TMP/r1" "${R[@]}" "${P[@]}" /r1 --tag 4
    expect_error "permission denied" "${N[@]}" "$S" snap /r1 "$TMP/nobody-out/r1.png"
    expect_error "permission denied" "${N[@]}" "$H" consume /r1 --tag 4 --trust-uid 0
    # ... and when it shares with another user only.
    produce "$TMP/r2" "${R[@]}" "${P[@]}" /r2 --tag 5 --share-uid 1234
    expect_error "permission denied" "${N[@]}" "$H" consume /r2 --tag 5 --trust-uid 0
    # Shared with nobody, or with anyone: nobody's consumer that trusts
    # root gets the frames, one that does not refuses them.
    produce "$TMP/r3" "${R[@]}" "${P[@]}" /r3 --tag 6 --share-uid "$NOBODY_UID"
    expect_error "permission denied" "${N[@]}" "$H" consume /r3 --tag 6
    expect_ok "${N[@]}" "$H" consume /r3 --tag 6 --trust-uid 0
    produce "$TMP/r4" "${R[@]}" "${P[@]}" /r4 --tag 7 --share-any
    expect_ok "${N[@]}" "$H" consume /r4 --tag 7 --trust-uid 0
    # A name nobody took first is taken; root's consumers refuse the squatter.
    produce "$TMP/sq" "${N[@]}" "${P[@]}" /sq --tag 8
    expect_error "a framebuffer with that name already exists" "${R[@]}" "${P[@]}" /sq
    expect_error "permission denied" "${R[@]}" "$H" consume /sq --tag 8
}

# Links planted in a shared directory are never followed.
case_shared_directory_links() {
    local shared=$TMP/shared
    mkdir -m 1777 "$shared"
    local R=("${ROOT[@]}" SHMFB_RUNTIME_DIR="$shared")
    echo precious >"$TMP/target"
    "${NOBODY[@]}" ln -s "$TMP/target" "$(name_file "$shared" v1 lock)"
    # Opened without following: a link in the name's place, or EACCES first
    # where the kernel protects links in sticky directories
    # (fs.protected_symlinks).
    expect_error "stands in the name's place|permission denied" "${R[@]}" "${P[@]}" /v1
    "${NOBODY[@]}" ln -s "$TMP/target" "$(name_file "$shared" v2 sock)"
    produce "$TMP/v2" "${R[@]}" "${P[@]}" /v2 --tag 1
    [ -S "$(name_file "$shared" v2 sock)" ] && [ ! -L "$(name_file "$shared" v2 sock)" ] || fail "v2.sock is not the socket"
    expect_ok "${R[@]}" "$H" consume /v2 --tag 1
    [ "$(cat "$TMP/target")" = precious ] || fail "a planted link was followed"
    [ "$(stat -c %U:%a "$TMP/target")" = root:644 ] || fail "the link's target changed"
}

# refused WHY: a producer and a consumer with the current XDG_RUNTIME_DIR
# are refused with WHY.
refused() {
    expect_error "$1" env XDG_RUNTIME_DIR="$X" "${P[@]}" /d
    expect_error "$1" env XDG_RUNTIME_DIR="$X" "$S" snap /d "$TMP/d.png"
}

case_runtime_dir_refused() {
    # $XDG_RUNTIME_DIR/shmfb a link to a directory that would pass.
    X=$TMP/x-link
    mkdir -m 700 "$X" "$TMP/real"
    ln -s "$TMP/real" "$X/shmfb"
    refused "Not a directory"
    empty_dir "$TMP/real"
    # Group or world writable, or readable.
    for mode in 770 777 1777 750 701; do
        X=$TMP/x-$mode
        mkdir -p "$X/shmfb"
        chmod "$mode" "$X/shmfb"
        refused "permission denied"
        empty_dir "$X/shmfb"
    done
    # Another user's.
    X=$TMP/x-owner
    mkdir -p -m 700 "$X/shmfb"
    chown nobody:nogroup "$X/shmfb"
    refused "permission denied"
    empty_dir "$X/shmfb"
    # Not a directory at all.
    X=$TMP/x-file
    mkdir "$X"
    touch "$X/shmfb"
    refused "Not a directory"
    # SHMFB_RUNTIME_DIR names the directory itself: a link is refused too.
    expect_error "Not a directory" env SHMFB_RUNTIME_DIR="$TMP/x-link/shmfb" "${P[@]}" /d
    empty_dir "$TMP/real"
    # Missing: created, private.
    X=$TMP/x-new
    mkdir -m 700 "$X"
    produce "$TMP/new" env XDG_RUNTIME_DIR="$X" "${P[@]}" /d --tag 1
    [ "$(stat -c %U:%a "$X/shmfb")" = root:700 ] || fail "created $(stat -c %U:%a "$X/shmfb")"
}

case_pid_namespaces() {
    # Producer in a pid namespace of its own: consumers outside see its
    # real pid and open the memfd through /proc.
    produce "$TMP/p1" "${IN_PID_NS[@]}" env XDG_RUNTIME_DIR="$ROOT_XDG" "${P[@]}" /ns1 --tag 1
    local ns_producer=$BG
    expect_ok "${ROOT[@]}" "$H" consume /ns1 --tag 1
    expect_ok "${ROOT[@]}" "$S" snap /ns1 "$TMP/ns1.png"
    # Consumer in one: the producer's pid means nothing there; it gets the
    # memfd from the handoff instead.
    produce "$TMP/p2" "${ROOT[@]}" "${P[@]}" /ns2 --tag 2
    local host_producer=$BG
    expect_ok "${IN_PID_NS[@]}" env XDG_RUNTIME_DIR="$ROOT_XDG" "$H" consume /ns2 --tag 2
    # Either way, a producer's death reaches its consumers through the
    # connection (inside the namespace there is no pid to watch).
    local side producer consumer out t0
    for side in inside outside; do
        out=$TMP/gone-$side
        if [ $side = inside ]; then
            producer=$host_producer
            "${IN_PID_NS[@]}" env XDG_RUNTIME_DIR="$ROOT_XDG" "$H" consume /ns2 --tag 2 --until-gone \
                >"$out" 2>&1 &
        else
            producer=$ns_producer
            "${ROOT[@]}" "$H" consume /ns1 --tag 1 --until-gone >"$out" 2>&1 &
        fi
        consumer=$!
        PIDS+=("$consumer")
        wait_until 200 grep -q "frames of tag" "$out" || fail "consumer $side: $(cat "$out")"
        t0=$(date +%s%N)
        kill -KILL "$producer"
        wait "$consumer" || fail "consumer $side: exit $? ($(cat "$out"))"
        grep -q "producer gone" "$out" || fail "consumer $side: $(cat "$out")"
        echo "consumer $side a pid namespace noticed the producer's death" \
            "after $((($(date +%s%N) - t0) / 1000000)) ms"
    done
}

"case_$CASE"
