#!/usr/bin/env bash
# The GStreamer plugin and shmfb record against real pipelines, ffmpeg as
# the independent decoder, and shmfb-view under Xvfb.  One case per run:
#
#   gst_test.sh CASE BUILD_DIR SPRITE TOOLS_HELPER GST_PROBE
set -u
CASE=$1 BUILD=$2 SPRITE=$3 HELPER=$4 PROBE=$5
SHMFB=$BUILD/tools/shmfb
VIEW=$BUILD/viewer/shmfb-view
W=$(mktemp -d /tmp/shmfb-gst.XXXXXX)
export SHMFB_RUNTIME_DIR=$W/run GST_PLUGIN_PATH=$BUILD/gst GST_REGISTRY=$W/registry.bin
mkdir -m 700 "$SHMFB_RUNTIME_DIR"
# shellcheck source=../procs.sh
. "$(dirname "$0")/../procs.sh"
trap 'cleanup; rm -rf "$W"' EXIT
PREFIX=gst$$

# GStreamer's own programs load the plugin; in the sanitizer build they need
# its runtimes first.
gst() {
    if [ -n "${SHMFB_GST_PRELOAD:-}" ]; then
        env LD_PRELOAD="$SHMFB_GST_PRELOAD" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 "$@"
    else
        "$@"
    fi
}

# The private registry is written once, by gst-inspect-1.0, so that the
# programs under test load only the plugins they use (in the sanitizer
# build, scanning every plugin in-process would report their leaks).
gst gst-inspect-1.0 shmfb >/dev/null 2>&1

fail() {
    echo "FAIL ($CASE): $*" >&2
    exit 1
}
listed() { "$SHMFB" ls 2>/dev/null | grep -q -- "$1"; }

# A demo whose frames tools_helper can predict: 160x120, capacity 200x150
# (its other size), FIFO, started with a recorder attached.
DEMO_SIZE=160x120 DEMO_MAX=200x150
start_demo() {
    bg "$W/demo.err" "$SHMFB" demo "$1" --size $DEMO_SIZE --max $DEMO_MAX --sprite "$SPRITE" "${@:2}"
    DEMO=$LAST
    wait_for 10 listed "$1" || fail "demo did not start"
}

# PNGs of --png-dir are SEQ-TIME.png; each must be the demo's frame SEQ.
check_png_dir() {
    local f seq
    for f in "$1"/*.png; do
        seq=$(basename "$f" .png)
        seq=$((10#${seq%%-*}))
        "$HELPER" expect-demo "$f" "$seq" $DEMO_SIZE $DEMO_MAX "$SPRITE" ||
            fail "$f is not the demo's frame $seq"
    done
}

# frames_decoded FILE: ffprobe decodes every frame of FILE without a complaint;
# prints how many.  (ffmpeg's null output would rescale variable frame
# times to a guessed rate and complain about frames that share a tick.)
frames_decoded() {
    local n
    n=$(ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames \
        -of csv=p=0 "$1" 2>"$W/ff.err") && [ ! -s "$W/ff.err" ] ||
        fail "$1 does not decode cleanly: $(head -3 "$W/ff.err")"
    echo "$n"
}

case_inspect() {
    local e
    for e in shmfbsrc shmfbsink; do
        gst gst-inspect-1.0 "$e" >"$W/$e.txt" 2>&1 || fail "gst-inspect-1.0 $e: $(head -3 "$W/$e.txt")"
        grep -q "framebuffer *: Name of the shmfb framebuffer" "$W/$e.txt" ||
            fail "$e has no documented framebuffer property"
    done
    grep -q "pacing" "$W/shmfbsrc.txt" || fail "shmfbsrc has no pacing property"
    gst gst-inspect-1.0 shmfb | grep -q "2 elements" || fail "plugin shmfb does not hold both elements"
}

# 150 frames across a resize (frame 121) into FFV1/Matroska and PNGs; ffmpeg
# decodes the file; every decoded frame is the PNG of the same frame, every
# PNG the demo's frame of its sequence number; Matroska's millisecond
# timestamps follow the present times.
case_record_demo() {
    local name=/$PREFIX-rec n
    start_demo "$name" --fps 100
    "$SHMFB" record "$name" "$W/out.mkv" --frames 150 --png-dir "$W/png" 2>"$W/rec.err" ||
        fail "record: $(cat "$W/rec.err")"
    grep -q "150 frames" "$W/rec.err" || fail "no progress line: $(cat "$W/rec.err")"
    n=$(find "$W/png" -name '*.png' | wc -l)
    [ "$n" -eq 150 ] || fail "$n PNGs, not 150"
    check_png_dir "$W/png"
    mkdir "$W/dec"
    ffmpeg -v error -i "$W/out.mkv" -fps_mode passthrough "$W/dec/%05d.png" ||
        fail "ffmpeg cannot decode the recording"
    mapfile -t frames < <(find "$W/png" -name '*.png' | sort)
    mapfile -t decoded < <(find "$W/dec" -name '*.png' | sort)
    [ ${#decoded[@]} -eq 150 ] || fail "ffmpeg decoded ${#decoded[@]} frames, not 150"
    for ((i = 0; i < 150; i++)); do
        "$PROBE" pad "${decoded[i]}" "${frames[i]}" || fail "decoded frame $i differs"
    done
    # Both sizes made it into the stream.
    file_sizes=$(for f in "${frames[@]}"; do python3 -c \
        "import struct,sys; d=open(sys.argv[1],'rb').read(24); print(*struct.unpack('>II', d[16:24]))" "$f"; done | sort -u | wc -l)
    [ "$file_sizes" -eq 2 ] || fail "the PNGs have $file_sizes sizes, not 2"
    ffprobe -v error -select_streams v -show_entries frame=pts_time -of csv=p=0 "$W/out.mkv" \
        >"$W/pts.txt" || fail "ffprobe"
    printf '%s\n' "${frames[@]}" | sed 's/.*-\([0-9]*\)\.png/\1/' >"$W/times.txt"
    python3 - "$W/pts.txt" "$W/times.txt" <<'PY' || fail "timestamps do not follow present times"
import sys
pts = [float(l) for l in open(sys.argv[1]) if l.strip()]
ns = [int(l) for l in open(sys.argv[2]) if l.strip()]
assert len(pts) == len(ns) == 150, (len(pts), len(ns))
for i in range(1, 150):
    d_pts, d_ns = (pts[i] - pts[0]) * 1e3, (ns[i] - ns[0]) / 1e6
    assert abs(d_pts - d_ns) <= 1.0, (i, d_pts, d_ns)
PY
}

# shmfbsrc's stream itself, frames lent without a copy: caps follow the
# resize, every PTS difference is exactly the present-time difference, and
# every buffer holds the demo's frame of its sequence number.
case_stream_resize() {
    local name=/$PREFIX-stream
    start_demo "$name" --fps 200
    mkdir "$W/lent"
    "$PROBE" stream "$name" 150 "$W/lent" >"$W/stream.txt" || fail "stream check failed"
    check_png_dir "$W/lent"
    sizes=$(awk '{print $4}' "$W/stream.txt" | sort -u | tr '\n' ' ')
    [ "$sizes" = "160x120 200x150 " ] || fail "sizes seen: $sizes"
    awk 'NR > 1 && $1 != prev + 1 { exit 1 } { prev = $1 }' "$W/stream.txt" ||
        fail "frames were skipped with fifo pacing"
}

# pacing=newest with a mailbox producer and a slow pipeline: frames are
# skipped (the producer is not held), and each one taken is whole: the
# demo's frame of its sequence number.
case_newest() {
    local name=/$PREFIX-newest
    start_demo "$name" --pacing mailbox --fps 400
    mkdir "$W/newest"
    "$PROBE" newest "$name" 25 "$W/newest" >"$W/newest.txt" || fail "newest: stream failed"
    check_png_dir "$W/newest"
    awk 'NR > 1 && $1 <= prev { exit 1 } { prev = $1 }' "$W/newest.txt" ||
        fail "frames not in order: $(awk '{print $1}' "$W/newest.txt" | tr '\n' ' ')"
    awk 'NR > 1 && $1 > prev + 1 { skipped = 1 } { prev = $1 } END { exit !skipped }' \
        "$W/newest.txt" || fail "no frame was skipped: the producer was held"
}

# videotestsrc's SMPTE bars through shmfbsink: shmfb snap of the idle sink
# equals GStreamer's own PNG of the same buffer, pixel for pixel.
case_sink_snap() {
    local name=/$PREFIX-sink
    "$PROBE" sink "$name" 320x240 >"$W/sink.out" 2>"$W/sink.err" &
    PIDS+=($!)
    wait_for 10 grep -q ready "$W/sink.out" || fail "shmfbsink did not show the frame: $(cat "$W/sink.err")"
    wait_for 10 listed "$name" || fail "shmfbsink did not create $name"
    gst gst-launch-1.0 -q videotestsrc pattern=smpte num-buffers=1 ! \
        video/x-raw,format=BGRx,width=320,height=240 ! videoconvert ! pngenc ! \
        filesink location="$W/ref.png" || fail "pngenc"
    local t0 t1
    t0=$(date +%s%N)
    "$SHMFB" snap "$name" "$W/snap.png" >/dev/null || fail "snap of shmfbsink"
    t1=$(date +%s%N)
    [ $(((t1 - t0) / 1000000)) -lt 1500 ] || fail "snap of the idle sink took $(((t1 - t0) / 1000000)) ms"
    ae=$(compare -metric AE "$W/snap.png" "$W/ref.png" null: 2>&1)
    [ "$ae" = 0 ] || fail "snap differs from pngenc's picture: AE $ae"
}

# A click and keys in shmfb-view arrive at videotestsrc as navigation
# events.
case_sink_click() {
    local name=/$PREFIX-click
    start_xvfb "$W/xvfb.log" 800x600 || fail "Xvfb did not start (see $W/xvfb.log)"
    "$PROBE" sink "$name" 320x240 >"$W/nav.txt" 2>"$W/sink.err" &
    PIDS+=($!)
    wait_for 10 listed "$name" || fail "shmfbsink did not create $name"
    bg "$W/view.err" "$VIEW" "$name"
    wait_for 10 xdotool search --classname '^shmfb-view$' || fail "no viewer window"
    wid=$(xdotool search --classname '^shmfb-view$' | head -1)
    sleep 0.5
    xdotool mousemove --window "$wid" 40 30 click 1
    wait_for 10 grep -q "nav press 1 40 30" "$W/nav.txt" ||
        fail "no button press at 40,30 upstream: $(tr '\n' ';' <"$W/nav.txt")"
    grep -q "nav release 1 40 30" "$W/nav.txt" || fail "no button release upstream"
    xdotool key --window "$wid" a Return
    wait_for 10 grep -q "nav key-release Return" "$W/nav.txt" ||
        fail "no key events upstream: $(tr '\n' ';' <"$W/nav.txt")"
    grep -q "nav key-press a " "$W/nav.txt" || fail "no press of a upstream"
}

# The producer killed mid-recording: the recorder ends the file at EOS and
# it plays; errors are one clear line.
case_killed() {
    local name=/$PREFIX-kill
    start_demo "$name" --fps 60
    bg "$W/rec.err" "$SHMFB" record "$name" "$W/k.mkv"
    local rec=$LAST
    sleep 1.5
    kill -KILL "$DEMO"
    for _ in $(seq 100); do kill -0 "$rec" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$rec" 2>/dev/null && fail "record did not end with its producer"
    wait "$rec" || fail "record failed: $(cat "$W/rec.err")"
    n=$(frames_decoded "$W/k.mkv") || exit 1
    [ "$n" -gt 10 ] || fail "only $n frames in the file"
}

# Every codec and container pair shmfb record offers writes a file ffprobe
# reads back with that codec, the frames asked for (packets: ffmpeg may
# leave out a frame of an MP4 edit list when decoding), at the size asked for.
case_codecs() {
    local name=/$PREFIX-codecs out got
    start_demo "$name" --fps 100
    for spec in "h264 mp4 200x150" "vp9 webm 200x150" "h264 mkv 100x80" "ffv1 mkv 120x90"; do
        set -- $spec
        out=$W/c-$1-$3.$2
        "$SHMFB" record "$name" "$out" --codec "$1" --frames 12 --size "$3" 2>"$W/rec.err" ||
            fail "record $spec: $(cat "$W/rec.err")"
        got=$(ffprobe -v error -count_packets -select_streams v \
            -show_entries stream=codec_name,width,height,nb_read_packets -of csv=p=0 "$out")
        [ "$got" = "$1,${3%x*},${3#*x},12" ] || fail "$spec: ffprobe says $got"
    done
}

# Ctrl-C (SIGINT) ends a recording cleanly: exit 0, a file that plays.
case_sigint() {
    local name=/$PREFIX-int rec
    start_demo "$name" --fps 60
    bg "$W/rec.err" "$SHMFB" record "$name" "$W/i.mkv"
    rec=$LAST
    sleep 1
    kill -INT "$rec"
    for _ in $(seq 100); do kill -0 "$rec" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$rec" 2>/dev/null && fail "record did not stop on SIGINT"
    wait "$rec" || fail "record failed on SIGINT: $(cat "$W/rec.err")"
    kill -0 "$DEMO" || fail "the producer did not survive the recorder"
    n=$(frames_decoded "$W/i.mkv") || exit 1
    [ "$n" -gt 10 ] || fail "only $n frames in the file"
}

# shmfb-gstbench prints its table: every consumer measured (frames seen,
# rfbsrc through shmfb-vnc included) and the ratio columns; never timings.
case_bench_smoke() {
    [ -x "$BUILD/bench/shmfb-gstbench" ] || fail "shmfb-gstbench was not built"
    gst "$BUILD/bench/shmfb-gstbench" --seconds 0.5 >"$W/bench.txt" 2>"$W/bench.err" ||
        fail "shmfb-gstbench: $(cat "$W/bench.err")"
    local row
    for row in "bare C consumer (wait/release)" "bare C consumer + memcpy" \
        "shmfbsrc zero copy ! fakesink" "shmfbsrc copy=true ! fakesink" \
        "shmfb-vnc + rfbsrc ! fakesink"; do
        grep -F "$row" "$W/bench.txt" | awk '{ if ($(NF-5) + 0 <= 0) exit 1 }' ||
            fail "no frames for '$row': $(cat "$W/bench.txt")"
    done
    grep -q "fps/bare *CPU/bare" "$W/bench.txt" || fail "no ratio columns"
    gst "$BUILD/bench/shmfb-gstbench" --seconds nope >/dev/null 2>"$W/err" && fail "bad --seconds accepted"
    [ "$(wc -l <"$W/err")" -eq 1 ] || fail "bad --seconds: $(cat "$W/err")"
}

# Present times are the producer's word: jumping back, to 0 or to the
# largest value, they never stop PTS from increasing (nor crash anything),
# and a recording of them plays, its timestamps never going back.  Equal
# ones are allowed in the file: Matroska counts in milliseconds, and a
# consumer that skipped frames may see times 1 then 3 ns, which are sane
# steps forward (2 ns) that the container rounds to one millisecond.
case_wild_times() {
    local name=/$PREFIX-wild
    bg "$W/wild.err" "$PROBE" wild-times "$name"
    wait_for 10 listed "$name" || fail "the producer did not start"
    "$PROBE" monotonic "$name" 40 || fail "PTS did not increase"
    "$SHMFB" record "$name" "$W/wild.mkv" --frames 20 2>"$W/rec.err" ||
        fail "record: $(cat "$W/rec.err")"
    n=$(frames_decoded "$W/wild.mkv") || exit 1
    [ "$n" -eq 20 ] || fail "$n frames decoded, not 20"
    ffprobe -v error -select_streams v -show_entries packet=pts_time -of csv=p=0 "$W/wild.mkv" |
        awk 'NR > 1 && $1 < prev { exit 1 } { prev = $1 }' ||
        fail "timestamps in the file go back: $(ffprobe -v error -select_streams v -show_entries packet=pts_time -of csv=p=0 "$W/wild.mkv" | tr "\n" " ")"
}

expect_one_line() {
    local want=$1
    shift
    "$@" >/dev/null 2>"$W/err" && fail "$* succeeded"
    [ "$(wc -l <"$W/err")" -eq 1 ] || fail "$*: not one line: $(cat "$W/err")"
    grep -q -- "$want" "$W/err" || fail "$*: $(cat "$W/err")"
}

case_errors() {
    expect_one_line "not a framebuffer name" "$SHMFB" record "a b" "$W/x.mkv"
    expect_one_line "no framebuffer with that name" "$SHMFB" record /$PREFIX-none "$W/x.mkv"
    local name=/$PREFIX-err
    start_demo "$name" --fps 30
    expect_one_line "cannot record ffv1 into a '.webm' file" "$SHMFB" record "$name" "$W/x.webm"
    expect_one_line "unknown codec" "$SHMFB" record "$name" "$W/x.mkv" --codec gif
    [ ! -e "$W/x.mkv" ] && [ ! -e "$W/x.webm" ] || fail "a file was left behind"
}

# An idle producer that answers frame requests: shmfb snap returns at once
# (without a request it waits out its 2 s timeout) with the frame it drew.
case_snap_idle() {
    local name=/$PREFIX-idle t0 t1 seq
    start_demo "$name" --idle
    sleep 1
    for i in 1 2 3; do
        t0=$(date +%s%N)
        out=$("$SHMFB" snap "$name" "$W/idle$i.png") || fail "snap"
        t1=$(date +%s%N)
        echo "snap of an idle producer: $(((t1 - t0) / 1000000)) ms"
        [ $(((t1 - t0) / 1000000)) -lt 1000 ] || fail "snap took $(((t1 - t0) / 1000000)) ms"
        seq=$(sed 's/.*frame \([0-9]*\),.*/\1/' <<<"$out")
        [ "$seq" -eq $((i + 1)) ] || fail "snap $i got frame $seq"
        "$HELPER" expect-demo "$W/idle$i.png" "$seq" $DEMO_SIZE $DEMO_MAX "$SPRITE" ||
            fail "snap $i is not frame $seq"
    done
}

"case_$CASE"
