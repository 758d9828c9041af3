#!/usr/bin/env bash
# Builds shmfb and shows the demo producer in shmfb-view.
#
#   bash scripts/demo.sh [options] [-- shmfb-demo-options]
#
# With a display the window stays until it is closed; without one (no DISPLAY)
# the viewer runs for a few seconds inside a private Xvfb server (or SDL's
# offscreen driver when Xvfb is missing).  Either way, what the window showed
# last is written as a PNG (default out/demo.png) and its path printed.
#
#   --out PNG        where the snapshot goes (default out/demo.png)
#   --seconds S      how long to run without a display (default 5)
#   --scale N        show every pixel N x N
#   --name NAME      framebuffer name (default shmfb-demo-PID)
#   --no-build       use the existing build/ as it is
#   -h, --help       this text
#
# Arguments after -- go to `shmfb demo` (see build/tools/shmfb demo --help),
# e.g. bash scripts/demo.sh -- --size 800x600 --fps 30
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

out=out/demo.png seconds=5 name=shmfb-demo-$$ build=1
view_args=() demo_args=()
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
need() { [ $# -ge 2 ] || { echo "demo.sh: $1 needs a value (try --help)" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case $1 in
    --out) need "$@"; out=$2; shift 2 ;;
    --seconds) need "$@"; seconds=$2; shift 2 ;;
    --scale) need "$@"; view_args+=(--scale "$2"); shift 2 ;;
    --name) need "$@"; name=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; demo_args=("$@"); break ;;
    *) echo "demo.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    esac
done

if [ $build -eq 1 ]; then
    bash scripts/deps.sh
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build -j2 >/dev/null
fi

view=build/viewer/shmfb-view
[ -x "$view" ] || { echo "demo.sh: $view is missing; build first" >&2; exit 1; }
if [ -x build/tools/shmfb ]; then
    producer=(build/tools/shmfb demo "$name" "${demo_args[@]}")
elif [ -x build/tests/producer/test-producer ]; then
    producer=(build/tests/producer/test-producer --frames 100000 --interval 16 "${demo_args[@]}" "$name")
else
    echo "demo.sh: no demo producer was built" >&2
    exit 1
fi

pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private X server on a free display; sets DISPLAY, or returns 1.
start_xvfb() {
    command -v Xvfb >/dev/null || return 1
    local n=$((1000 + ($$ * 37 + RANDOM) % 30000)) fd
    while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
    fd=$(mktemp)
    Xvfb ":$n" -screen 0 1280x1024x24 -nolisten tcp -noreset -displayfd 5 5>"$fd" 2>/dev/null &
    pids+=($!)
    for _ in $(seq 100); do
        if [ -s "$fd" ]; then
            rm -f "$fd"
            export DISPLAY=":$n"
            return 0
        fi
        sleep 0.05
    done
    rm -f "$fd"
    return 1
}

mkdir -p "$(dirname "$out")"
"${producer[@]}" &
pids+=($!)
echo "demo.sh: producer /$name running; another viewer can join with: $view $name"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    if start_xvfb; then
        echo "demo.sh: no display; showing it in Xvfb $DISPLAY for $seconds s"
    else
        echo "demo.sh: no display and no Xvfb; using SDL's offscreen driver for $seconds s"
        export SDL_VIDEODRIVER=offscreen
    fi
    "$view" --wait --timeout "$seconds" --snapshot "$out" "${view_args[@]}" "$name"
else
    echo "demo.sh: close the window to stop"
    "$view" --wait --snapshot "$out" "${view_args[@]}" "$name"
fi
echo "$out"
