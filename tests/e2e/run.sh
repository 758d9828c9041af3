#!/usr/bin/env bash
# End-to-end test of shmfb-view under an Xvfb server of its own.
#
# usage: run.sh CASE VIEW PRODUCER COMPARE GARBAGE GOLDEN_DIR OUT_DIR
#               [TOYVM WMCLOSE SHMFB XPROBE VIEWBENCH HOST XDND]
#
# CASE is a case_CASE function of cases.sh.  TOYVM, WMCLOSE, SHMFB, XPROBE,
# VIEWBENCH, HOST and XDND are the programs some cases need ("# needs:" there); "-" for
# one not built.
#
# Screenshots come from the X server (xwd of the viewer's window) and are
# compared with GOLDEN_DIR/e2e-*.png.  With SHMFB_UPDATE_GOLDEN=1 the golden
# images are written instead (once the window has settled); look at them
# before committing.  Everything a case produced stays in OUT_DIR/CASE.
set -uo pipefail

CASE=$1 VIEW=$2 PRODUCER=$3 COMPARE=$4 GARBAGE=$5 GOLDEN=$6 OUT=$7
TOYVM=${8:-} WMCLOSE=${9:-} SHMFB=${10:-} XPROBE=${11:-} VIEWBENCH=${12:-} HOST=${13:-} XDND=${14:-}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../procs.sh"
SPRITE=$GOLDEN/e2e-sprite.png
W=$OUT/$CASE
NAME=e2e-$CASE-$$
rm -rf "$W" && mkdir -p "$W" || exit 1
# Names of this run live in a runtime directory of its own.
mkdir -m 700 "$W/run" || exit 1
export SHMFB_RUNTIME_DIR=$W/run
# The viewer's own leak check must not trip over SDL's and Xlib's caches.
export LSAN_OPTIONS=suppressions=$HERE/lsan.supp:print_suppressions=0

log() { echo "[$CASE] $*"; }
fail() {
    echo "FAIL [$CASE]: $*" >&2
    [ -s "$W/view.err" ] && sed 's/^/  viewer: /' "$W/view.err" >&2
    exit 1
}

# Starts Xvfb on a free display derived from our pid; exports DISPLAY.
# Xvfb's own lock file (/tmp/.Xn-lock, taken atomically) settles races with
# other servers; the display is used once that lock names our server and a
# client got through.  -noreset: otherwise the server resets whenever its last
# client leaves, and a client connecting just then (SDL opens the display,
# closes it and opens it again) is refused.  Numbers are spread widely because /tmp may be shared
# with processes that cannot see our pids and so take our lock for stale.
start_x() { start_xvfb "$W/xvfb.log" 1024x768 || fail "could not start Xvfb (see $W/xvfb.log)"; }

# The title is UTF-8, which "xdotool search --name" cannot match: find the
# window by class, then check its title (the name, or a spawned program).
TITLE_OF="/$NAME"
find_window() {
    local w
    for w in $(xdotool search --classname '^shmfb-view$'); do
        case $(xdotool getwindowname "$w") in
        "shmfb-view $TITLE_OF "*) WID=$w && return 0 ;;
        esac
    done
    return 1
}
title() { xdotool getwindowname "$WID"; }
title_has() { title | grep -q -- "$1"; }
expect_title() {
    wait_for 10 title_has "$1" || fail "title '$(title)' does not say '$1'"
}

start_viewer() {
    bg "$W/view.err" "$VIEW" --wait "$@" "$NAME"
    VPID=$LAST
    wait_for 10 find_window || fail "no viewer window appeared"
}

# start_spawned VIEWER-ARGS... -- PROGRAM ARGS...
start_spawned() {
    TITLE_OF=$(printf '%s\n' "$@" | sed -n '/^--$/{n;p;q}')
    bg "$W/view.err" "$VIEW" "$@"
    VPID=$LAST
    wait_for 10 find_window || fail "no viewer window appeared"
}

# start_producer DONEFILE ARGS...
start_producer() {
    local done=$1
    shift
    rm -f "$done"
    bg "$W/producer.err" "$PRODUCER" --sprite "$SPRITE" --done "$done" --hold "$@" "$NAME"
    PPID_=$LAST
}

wait_done() { wait_for 15 test -e "$1" || fail "the producer did not finish its frames"; }

shot() {
    xwd -silent -id "$WID" >"$W/shot.xwd" && convert "xwd:$W/shot.xwd" "png:$1"
}

# expect_golden NAME: the window shows GOLDEN/NAME (polling while it settles).
expect_golden() {
    local golden=$GOLDEN/$1 got=$W/${1%.png}-shot.png
    if [ "${SHMFB_UPDATE_GOLDEN:-0}" = 1 ]; then
        wait_for 10 settled "$got" || fail "the window did not settle"
        cp "$got" "$golden" && log "updated $golden"
        return 0
    fi
    wait_for 10 matches "$got" "$golden" && return 0
    "$COMPARE" --diff "$W/${1%.png}-diff.png" "$got" "$golden"
    fail "window does not show $1 (screenshot $got)"
}
matches() { shot "$1" && "$COMPARE" --quiet "$1" "$2"; }
settled() {
    shot "$W/prev.png" && sleep 0.3 && shot "$1" && "$COMPARE" --quiet "$W/prev.png" "$1"
}

# expect_one_line_error STATUS_FILE ERR_FILE PATTERN
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
