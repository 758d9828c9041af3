#!/usr/bin/env bash
# The ABI of libshmfb.so and libshmfb-png.so against the reference dumps in
# abi/ (abidw and abidiff, Debian's abigail-tools).
#
#   bash scripts/abi.sh check [BUILD]   compare BUILD's libraries with abi/;
#                                       fails on an incompatible change
#                                       unless the SOVERSION changed too
#   bash scripts/abi.sh update [BUILD]  write BUILD's ABI into abi/ (do it in
#                                       the commit that releases the change)
#
# Without BUILD, both build the libraries alone in build-abi (Debug, -g), the
# build the references come from; BUILD must have debug information.
# SHMFB_ABI_HEADERS names the public headers' folder the libraries were
# built with (default: include/shmfb of this tree).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
}

# library file name, reference, public header folder
LIBS=("src/libshmfb.so abi/libshmfb.abi"
      "src/png/libshmfb-png.so abi/libshmfb-png.abi")

build_abi() {
    local dir=$top/build-abi
    cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=OFF \
        -DSHMFB_BUILD_VIEWER=OFF -DSHMFB_BUILD_TOOLS=OFF -DSHMFB_BUILD_VM=OFF -DSHMFB_BUILD_EXAMPLES=OFF \
        -DSHMFB_BUILD_VNC=OFF -DSHMFB_SANITIZE=OFF -DCMAKE_C_FLAGS="-ffile-prefix-map=$top/=" \
        >/dev/null
    cmake --build "$dir" -j 2 --target shmfb shmfb_png >/dev/null
    echo "$dir"
}

# Writes the ABI of a library, as seen through the public headers, to $2.
dump() {
    abidw --headers-dir "${SHMFB_ABI_HEADERS:-$top/include/shmfb}" --drop-private-types --drop-undefined-syms \
        --no-show-locs --no-corpus-path --no-comp-dir-path --out-file "$2" "$1"
}

soname_of_dump() {
    sed -n "s/.*<abi-corpus .*soname='\([^']*\)'.*/\1/p" "$1" | head -1
}

# Compares one library with its reference; returns 1 when that must fail.
check_one() {
    local lib=$1 ref=$2 tmp rc=0 old new
    if [ ! -f "$lib" ]; then
        echo "abi: $lib not built" >&2
        return 1
    fi
    if [ ! -f "$ref" ]; then
        echo "abi: no reference $ref (scripts/abi.sh update writes it)" >&2
        return 1
    fi
    tmp=$(mktemp)
    dump "$lib" "$tmp"
    abidiff --no-show-locs "$ref" "$tmp" >"$tmp.diff" 2>&1 || rc=$?
    old=$(soname_of_dump "$ref")
    new=$(soname_of_dump "$tmp")
    rm -f "$tmp"
    if [ $((rc & 3)) -ne 0 ]; then
        cat "$tmp.diff" >&2
        rm -f "$tmp.diff"
        echo "abi: abidiff could not compare $ref with $lib (status $rc)" >&2
        return 1
    fi
    # abidiff sets bit 8 only for removed symbols; a changed type (a field
    # moved, a struct grown) is bit 4, as additions are: its summary tells.
    if [ $((rc & 8)) -ne 0 ] || grep -Eq \
        'changes summary: ([1-9][0-9]* Removed|[0-9]+ Removed, [1-9][0-9]* Changed)' \
        "$tmp.diff"; then
        cat "$tmp.diff"
        rm -f "$tmp.diff"
        if [ "$old" = "$new" ]; then
            echo "abi: $(basename "$lib"): INCOMPATIBLE change with the same SOVERSION ($new):" \
                "keep the ABI, or raise the major version and run scripts/abi.sh update"
            return 1
        fi
        echo "abi: $(basename "$lib"): incompatible change, SOVERSION changed ($old -> $new):" \
            "run scripts/abi.sh update in the same commit"
        return 0
    fi
    if [ $((rc & 4)) -ne 0 ]; then
        cat "$tmp.diff"
        echo "abi: $(basename "$lib"): compatible additions (not yet in $ref: scripts/abi.sh update)"
    else
        echo "abi: $(basename "$lib"): same ABI as $ref"
    fi
    rm -f "$tmp.diff"
    return 0
}

cmd=${1:-}
case "$cmd" in
-h | --help)
    usage
    exit 0
    ;;
check | update) ;;
*)
    echo "abi.sh: expected check or update (try --help)" >&2
    exit 2
    ;;
esac
if [ $# -gt 2 ]; then
    echo "abi.sh: too many arguments (try --help)" >&2
    exit 2
fi
for tool in abidw abidiff; do
    if ! command -v $tool >/dev/null; then
        echo "abi.sh: $tool not found (Debian package abigail-tools; scripts/deps.sh)" >&2
        exit 1
    fi
done
if [ -n "${2:-}" ]; then
    build=$(cd "$2" && pwd)
else
    build=$(build_abi)
fi

cd "$top"
status=0
for entry in "${LIBS[@]}"; do
    read -r lib ref <<<"$entry"
    if [ "$cmd" = check ]; then
        check_one "$build/$lib" "$ref" || status=1
    else
        check_one "$build/$lib" "$ref" >/dev/null 2>&1 || true
        dump "$build/$lib" "$ref"
        echo "abi: wrote $ref ($(soname_of_dump "$ref"))"
    fi
done
exit $status
