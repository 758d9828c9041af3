#!/usr/bin/env bash
# Measures Scratch 1.4 in Debian's Squeak VM, under an Xvfb server of its own:
#  - idle CPU of the VM with its own X11 display module and with
#    vm-display-shmfb (alone, and shown by shmfb-view), all three running at
#    once, from utime + stime in /proc/PID/stat over the same span;
#  - the time from the first ioShowDisplay of a frame (and from its present)
#    to shmfb-view having taken it (the module's present returns then, in
#    FIFO pacing), over a scripted run of clicks and a drag
#    (SHMFB_SQUEAK_TIMING).
#
# usage: vm/squeak/measure.sh BUILD_DIR [IDLE_SECONDS]   (default 30)
#
# Numbers from a shared or loaded machine are noisy: run it on a quiet one.
set -uo pipefail

BUILD=${1:?usage: measure.sh BUILD_DIR [IDLE_SECONDS]}
SPAN=${2:-30}
SETTLE=5
VIEW=$BUILD/viewer/shmfb-view
SQUEAK=$BUILD/vm/squeak/shmfb-squeak
IMAGE=/usr/share/scratch/Scratch.image
VM=$(ls /usr/lib/squeak/*/squeakvm 2>/dev/null | tail -n 1)
W=$(mktemp -d /tmp/shmfb-measure.XXXXXX)
PIDS=()
for f in "$VIEW" "$SQUEAK" "$VM" "$IMAGE"; do
    [ -e "$f" ] || { echo "measure.sh: missing $f" >&2; exit 1; }
done
export HOME=$W

cleanup() {
    local i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill "${PIDS[i]}" 2>/dev/null
        wait "${PIDS[i]}" 2>/dev/null
    done
    rm -rf "$W"
}
trap cleanup EXIT

bg() {
    "$@" 2>>"$W/stderr" &
    LAST=$!
    PIDS+=("$LAST")
}

start_x() {
    local n=$((3000 + RANDOM % 27000))
    while [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
    bg Xvfb ":$n" -screen 0 1600x1200x24 -nolisten tcp -noreset
    export DISPLAY=:$n
    for _ in $(seq 50); do
        xdotool getdisplaygeometry >/dev/null 2>&1 && { xdotool mousemove 5 1195; return; }
        sleep 0.1
    done
    echo "measure.sh: Xvfb did not start" >&2
    exit 1
}

# ticks PID: utime + stime in clock ticks.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# idle PID...: percent of one core each PID used over SPAN seconds.
idle() {
    sleep "$SETTLE"
    local p a=() b=() i=0
    for p in "$@"; do a+=("$(ticks "$p")"); done
    sleep "$SPAN"
    for p in "$@"; do b+=("$(ticks "$p")"); done
    for p in "$@"; do
        awk -v d=$((b[i] - a[i])) -v hz="$(getconf CLK_TCK)" -v s="$SPAN" \
            'BEGIN {printf "%.2f%% ", 100 * d / hz / s}'
        i=$((i + 1))
    done
}

child_of() { ps -o pid= --ppid "$1" | tr -d ' '; }

start_x
# The three run side by side over the same span, so that a machine whose
# load changes from minute to minute treats them alike.
echo "idle CPU of the VM over the same ${SPAN} s, after ${SETTLE} s (percent of one core):"
bg "$VM" -encoding UTF-8 -vm-display-X11 "$IMAGE"
x11=$LAST
bg "$SQUEAK" --name "/measure-$$" "$IMAGE"
alone=$LAST
bg "$VIEW" -- "$SQUEAK" "$IMAGE"
view=$LAST
sleep 2
read -r c1 c2 c3 c4 <<<"$(idle "$x11" "$alone" "$(child_of "$view")" "$view")"
echo "  X11 module:                   $c1"
echo "  vm-display-shmfb, no viewer:  $c2"
echo "  vm-display-shmfb in shmfb-view: $c3 (the viewer: $c4)"
kill "$x11" "$alone" "$view"
wait "$view" 2>/dev/null

# Latency: a scripted run of clicks through the categories and a block
# dragged across the scripts; the module writes its samples on exit.
SHMFB_SQUEAK_TIMING=$W/timing bg "$VIEW" -- "$SQUEAK" "$IMAGE"
view=$LAST
sleep 4
wid=$(xdotool search --classname '^shmfb-view$' | tail -n 1)
xdotool windowmove "$wid" 0 0
sleep 1
for _ in 1 2 3; do
    for xy in "65 59" "155 59" "65 83" "155 83" "65 107" "155 107" "65 131" "155 131"; do
        # shellcheck disable=SC2086
        xdotool mousemove --window "$wid" $xy click 1
        sleep 0.3
    done
done
xdotool mousemove --window "$wid" 65 59 click 1
sleep 0.5
xdotool mousemove --window "$wid" 24 175 mousedown 1
for x in $(seq 30 10 400); do
    xdotool mousemove --window "$wid" "$x" $((175 + x / 4))
    sleep 0.02
done
xdotool mouseup 1
sleep 1
# The project was modified, so a close would ask to save: SIGTERM ends the
# VM instead, and the module writes its samples on the way out.
kill "$(child_of "$view")"
wait "$view" 2>/dev/null

# p50 p99 max of column $1 of the samples.
percentiles() {
    awk -v c="$1" '{print $c}' "$W/timing" | sort -n | awk '
        { v[NR] = $1 }
        END { if (NR) printf "p50 %d us, p99 %d us, max %d us", v[int((NR + 1) / 2)],
                             v[int(NR * 0.99 + 0.999)], v[NR] }'
}
[ -s "$W/timing" ] || { echo "measure.sh: no latency samples" >&2; exit 1; }
echo "frames presented to shmfb-view: $(wc -l <"$W/timing")"
echo "  first ioShowDisplay -> taken by shmfb-view: $(percentiles 1)"
echo "  present -> taken by shmfb-view:             $(percentiles 2)"
