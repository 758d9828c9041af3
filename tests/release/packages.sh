#!/usr/bin/env bash
# The Debian packages: built from a copy of the tree (scripts/packages.sh,
# dpkg-buildpackage -b), lintian-clean (no error, no warning), installed on
# this machine with dpkg, used as a user would (the programs, the manual,
# pkg-config, the CMake package, a C program built against the installed
# headers, the Python module), then purged, leaving none of their files.
# Prints the time of each stage, lintian's output and the packages with
# their sizes.  As root; the packages must not be installed already.
#
#   packages.sh TOP WORK VERSION
set -euo pipefail
top=$1 work=$2 version=$3
# Debian's tools and interpreters, not whatever else PATH offers first.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset PYTHONPATH SHMFB_LIBRARY PKG_CONFIG_PATH LD_LIBRARY_PATH CMAKE_PREFIX_PATH GST_PLUGIN_PATH
# GStreamer's registry of this run only, so the plugin found is the package's.
export GST_REGISTRY=$2/gst-registry.bin
procs=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/procs.sh
# shellcheck source=tests/procs.sh
source "$procs"

PKGS=(libshmfb0 libshmfb-png0 libshmfb-dev shmfb-tools shmfb-squeak python3-shmfb
    gstreamer1.0-shmfb shmfb-qemu)

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
stage_start=$(date +%s.%N)
stage() {
    local now
    now=$(date +%s.%N)
    awk -v a="$stage_start" -v b="$now" -v what="$1" 'BEGIN { printf "== %-28s %6.1f s\n", what, b - a }'
    stage_start=$now
}

# dpkg waits for no lock: retry while another dpkg or apt holds it.
dpkg_locked() {
    local out
    for _ in $(seq 1 150); do
        if out=$(dpkg "$@" 2>&1); then
            echo "$out"
            return 0
        fi
        if ! grep -q 'lock' <<<"$out"; then
            echo "$out" >&2
            return 1
        fi
        sleep 2
    done
    echo "$out" >&2
    return 1
}

if [ "$(id -u)" -ne 0 ]; then
    fail "installing packages needs root"
fi
for p in "${PKGS[@]}"; do
    if dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qv '^not-installed$'; then
        fail "$p is installed on this machine already; this test installs and purges the" \
            "packages: remove them first (dpkg --purge ${PKGS[*]})"
    fi
done

changelog=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
[ "$changelog" = "$version" ] || fail "debian/changelog is at $changelog, the project at $version"

rm -rf "$work"
mkdir -p "$work"
installed=0
# procs.sh stops the background processes; then the packages go.
purge_at_exit() {
    cleanup || true
    if [ $installed -eq 1 ]; then
        dpkg_locked --purge "${PKGS[@]}" >/dev/null || true
    fi
}
trap purge_at_exit EXIT

# 1. Build them as scripts/packages.sh does for users.
bash "$top/scripts/packages.sh" --out "$work" | sed 's/^/  /'
stage "copy the tree, build (-b)"
changes=$work/shmfb_${version}_$(dpkg --print-architecture).changes
[ -f "$changes" ] || fail "no $changes"

# 2. Lintian: every tag it has, errors and warnings fail.
echo "lintian --pedantic --display-info $(basename "$changes"):"
lint=0
lintian --pedantic --display-info --fail-on error,warning "$changes" >"$work/lintian.log" 2>&1 ||
    lint=$?
grep -v '^running with root privileges' "$work/lintian.log" | sed 's/^/  /' || true
echo "  (end of lintian's output)"
[ $lint -eq 0 ] || fail "lintian reports errors or warnings (status $lint)"
stage "lintian"

debs=()
echo "packages:"
for p in "${PKGS[@]}"; do
    deb=$(ls "$work/${p}_${version}_"*.deb)
    debs+=("$deb")
    printf '  %-36s %8d bytes, installed %5d KiB\n' "$(basename "$deb")" "$(stat -c %s "$deb")" \
        "$(dpkg-deb -f "$deb" Installed-Size)"
done

# 3. Install.
installed=1
dpkg_locked -i "${debs[@]}" >"$work/install.log" || fail "dpkg -i failed: $(tail -5 "$work/install.log")"
for p in "${PKGS[@]}"; do
    dpkg -L "$p" >>"$work/files"
done
stage "dpkg -i"

# 4. Use them.
out=$(shmfb --version)
[ "$out" = "shmfb $version" ] || fail "shmfb --version said '$out'"
shmfb-view --help | grep -q '^usage: shmfb-view' || fail "shmfb-view --help"
shmfb-vnc --version | grep -qx "shmfb-vnc $version" || fail "shmfb-vnc --version"
shmfb-squeak --help | grep -q '^usage: shmfb-squeak' || fail "shmfb-squeak --help"
shmfb-qemu --help | grep -q '^usage: shmfb-qemu' || fail "shmfb-qemu --help"
shmfb-qemu --version | grep -qx "shmfb-qemu $version" || fail "shmfb-qemu --version"
shmfb record --help | grep -q '^usage: shmfb record' || fail "shmfb record --help"
plugin=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/gstreamer-1.0/libgstshmfb.so
out=$(gst-inspect-1.0 shmfbsrc) || fail "gst-inspect-1.0 shmfbsrc: $out"
# (with /lib a link to /usr/lib, GStreamer may name the file through /lib)
found=$(awk '$1 == "Filename" { print $2 }' <<<"$out")
[ "$(realpath "$found")" = "$(realpath "$plugin")" ] ||
    fail "gst-inspect-1.0 shmfbsrc: $found, not $plugin"
grep -Eq "Version +$version\$" <<<"$out" || fail "gst-inspect-1.0 shmfbsrc: not version $version"
gst-inspect-1.0 shmfbsink >/dev/null || fail "gst-inspect-1.0 shmfbsink"
echo "ok: shmfb-qemu --help, shmfb record --help, gst-inspect-1.0 shmfbsrc ($plugin)"
for page in shmfb.1 shmfb-view.1 shmfb-vnc.1 shmfb-squeak.1 shmfb-record.1 shmfb-qemu.1 shmfb.3 \
    shmfb.7; do
    path=$(man -w "${page##*.}" "${page%.*}") || fail "man -w ${page%.*}: not found"
    [ "$path" = "/usr/share/man/man${page##*.}/$page.gz" ] || fail "man -w $page found $path"
done
[ "$(pkg-config --modversion shmfb)" = "$version" ] || fail "pkg-config --modversion shmfb"
[ "$(pkg-config --modversion shmfb-png)" = "$version" ] || fail "pkg-config --modversion shmfb-png"
echo "ok: shmfb --version, shmfb-view --help, man -w (8 pages), pkg-config --modversion: $version"

# C programs against the installed headers and libraries: through pkg-config
# and through the CMake package, nothing of this tree on their paths.
mkdir -p "$work/c"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror -o "$work/c/version_check" "$top/tests/release/version_check.c" \
    $(pkg-config --cflags --libs shmfb)
"$work/c/version_check" | grep -qx "shmfb $version" || fail "version_check against the install"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror -o "$work/c/uses_shmfb" "$top/tests/install/outside/uses_shmfb.c" \
    $(pkg-config --cflags --libs shmfb-png shmfb)
[ "$("$work/c/uses_shmfb" "$work/c/pc.png")" = ok ] || fail "uses_shmfb (pkg-config)"
cmake -S "$top/tests/install/outside" -B "$work/c/cmake" >"$work/c/cmake.log" 2>&1 ||
    fail "find_package(shmfb): $(tail -5 "$work/c/cmake.log")"
cmake --build "$work/c/cmake" >>"$work/c/cmake.log" 2>&1 || fail "build against the CMake package"
[ "$("$work/c/cmake/uses_shmfb" "$work/c/cmake.png")" = ok ] || fail "uses_shmfb (CMake)"
if ldd "$work/c/uses_shmfb" | grep -q "$top"; then
    fail "uses_shmfb loads a library of the tree"
fi
echo "ok: C programs built with pkg-config and find_package(shmfb) against /usr"

# The tools on the installed libraries: the demo's sprite from
# /usr/share/shmfb, a snapshot of its frame.
name=/shmfb-pkg-$$
demo_listed() {
    shmfb ls "$name" 2>/dev/null | grep -q -- "$name"
}
bg "$work/demo.err" shmfb demo "$name" --size 64x48 --fps 30
wait_for 10 demo_listed || fail "shmfb demo $name did not appear: $(cat "$work/demo.err")"
out=$(shmfb snap "$name" "$work/snap.png") || fail "shmfb snap: $out"
grep -q "frame [0-9]*, 64x48" <<<"$out" || fail "shmfb snap said '$out'"
# Three frames through the installed shmfb-record and plugin, as PNG files.
rec=$(shmfb record "$name" "$work/rec" --codec png --frames 3 2>&1) || fail "shmfb record: $rec"
pngs=$(find "$work/rec" -name '*.png' | wc -l)
[ "$pngs" -eq 3 ] || fail "shmfb record wrote $pngs PNG files, not 3: $rec"
kill "$LAST"
wait "$LAST" 2>/dev/null || true
# shellcheck disable=SC2034 # procs.sh's list: nothing left to stop
PIDS=()
echo "ok: shmfb demo, shmfb snap ($out), shmfb record (3 PNG files)"

# The Python module, from /usr/lib/python3/dist-packages on the installed
# libshmfb.so.0.
/usr/bin/python3 - "$version" <<'PY' || fail "python3: import shmfb"
import os, sys
import shmfb
assert shmfb.__file__.startswith("/usr/lib/python3/dist-packages/"), shmfb.__file__
assert shmfb.__version__ == sys.argv[1], shmfb.__version__
name = "/shmfb-pkg-py-%d" % os.getpid()
with shmfb.Producer(name, 4, 3, pacing="free") as p:
    p.pixels[1, 2] = 0xFF123456
    p.present()
    with shmfb.Consumer(name) as c:
        assert c.peek().pixels[1, 2] == 0xFF123456
print("ok: python3 -c 'import shmfb' (%s), a frame through it" % shmfb.__file__)
PY
stage "use the installed packages"

# 5. Purge: no package and none of their files are left.
dpkg_locked --purge "${PKGS[@]}" >"$work/purge.log" || fail "dpkg --purge failed"
installed=0
for p in "${PKGS[@]}"; do
    if dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qv '^not-installed$'; then
        fail "$p still known to dpkg after --purge"
    fi
done
left=0
while read -r f; do
    if [ -e "$f" ] && [ ! -d "$f" ]; then
        echo "left behind: $f"
        left=1
    fi
done <"$work/files"
[ $left -eq 0 ] || fail "files left after dpkg --purge"
shmfb --version >/dev/null 2>&1 && fail "shmfb still runs after dpkg --purge"
gst-inspect-1.0 shmfbsrc >/dev/null 2>&1 && fail "shmfbsrc still found after dpkg --purge"
echo "ok: dpkg --purge removed the $(sort -u "$work/files" | wc -l) paths of ${#PKGS[@]} packages"
stage "dpkg --purge"
