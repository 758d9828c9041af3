#!/usr/bin/env bash
# shmfb-qemu against QEMU's own VNC server on the same guest: a boot sector
# (bench/guest.S) that redraws a 1024x768x32 screen 25 times a second, TCG.
#
#   bash tests/qemu/bench.sh BUILD_DIR [SECONDS]
#
# shmfb: shmfb-qemu --stats and a consumer that copies every frame's damage
# (qemu-watch count).  VNC: QEMU -vnc and a libvncclient client, raw
# encoding (qemu-vnc-count).  Prints the screens per second delivered (the
# updated area in whole 1024x768 screens) and the CPU time per screen of
# QEMU (the guest's drawing included, the same in both), the bridge and the
# client, measured over the same SECONDS (default 10) after a 3 s warm-up,
# then the bridge's Scanout/Update -> presented latency for its whole run.
set -uo pipefail
BUILD=$(cd "${1:?usage: bench.sh BUILD_DIR [SECONDS]}" && pwd)
SECS=${2:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/shmfb-qemu-bench.XXXXXX)
export XDG_RUNTIME_DIR=$T
PIDS=()
stop_all() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait
    rm -rf "$T"
}
trap stop_all EXIT

as --32 "$HERE/bench/guest.S" -o "$T/guest.o" &&
    ld -m elf_i386 -Ttext 0x7c00 --oformat binary "$T/guest.o" -o "$T/guest.img" || exit 1
GUEST=(-accel tcg -nodefaults -vga std -drive "file=$T/guest.img,format=raw,if=floppy")

# cpu_ms PID: user + system time so far.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { print a - b }'; }
qemu_of() { pgrep -P "$1" -f qemu-system | head -n 1; }
row() { # label frames screens client_ms qemu_ms bridge_ms
    awk -v l="$1" -v f="$2" -v full="$3" -v c="$4" -v q="$5" -v b="$6" -v s="$SECS" 'BEGIN {
        if (full + 0 == 0) { printf "| %s | nothing delivered |\n", l; exit }
        printf "| %s | %.1f | %.2f | %s | %.2f | %.2f |\n", l, full / s, q / full,
            b == "-" ? "-" : sprintf("%.2f", b / full), c / full, (q + (b == "-" ? 0 : b) + c) / full }'
}

# shmfb
"$BUILD/qemu/shmfb-qemu" --stats --name bench -- qemu-system-x86_64 "${GUEST[@]}" 2>"$T/bridge.err" &
BR=$!
PIDS+=("$BR")
sleep 3
QP=$(qemu_of "$BR")
q0=$(cpu_ms "$QP") b0=$(cpu_ms "$BR")
read -r _ frames _ full _ client < <("$BUILD/tests/qemu/qemu-watch" count bench "$SECS")
q1=$(cpu_ms "$QP") b1=$(cpu_ms "$BR")
kill -TERM "$BR"
wait "$BR"
SHMFB_ROW=$(row "shmfb-qemu + consumer" "$frames" "$full" "$client" "$(minus "$q1" "$q0")" "$(minus "$b1" "$b0")")

# VNC
PORT=$((20 + RANDOM % 70))
qemu-system-x86_64 "${GUEST[@]}" -display none -vnc "127.0.0.1:$PORT" 2>"$T/qemu.err" &
QV=$!
PIDS+=("$QV")
sleep 3
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$((5900 + PORT))") 2>/dev/null && break
    sleep 0.1
done
q0=$(cpu_ms "$QV")
read -r _ frames _ full _ client < <("$BUILD/tests/qemu/qemu-vnc-count" "127.0.0.1:$PORT" "$SECS")
q1=$(cpu_ms "$QV")
kill "$QV"
VNC_ROW=$(row "QEMU -vnc + libvncclient (raw)" "$frames" "$full" "$client" "$(minus "$q1" "$q0")" -)

echo "1024x768x32, TCG, $SECS s; CPU in ms per screen delivered"
echo "| path | screens/s | QEMU | bridge | client | total |"
echo "|---|---|---|---|---|---|"
echo "$SHMFB_ROW"
echo "$VNC_ROW"
grep 'stats:' "$T/bridge.err" | sed 's/^shmfb-qemu: stats: /bridge: /'
