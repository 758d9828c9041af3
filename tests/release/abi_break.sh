#!/usr/bin/env bash
# scripts/abi.sh check against libraries built from changed copies of the
# tree: it must pass for an unchanged copy and for a function added in a
# new version node and for fields taking a struct's reserved tail, and fail
# for a public struct changed (or grown past its tail) or a function
# removed, unless the SOVERSION changed too.
#
#   abi_break.sh TOP BUILD CASE    CASE: same, added, struct, grown,
#                                  overgrown, symbol, soname
set -euo pipefail
top=$1 build=$2 case=$3
cc=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A copy of the headers, sources and version script, changed by the case.
cp -r "$top/include" "$top/src" "$work/"
cp "$build/include/shmfb/version.h" "$work/include/shmfb/"
soname=libshmfb.so.0
case $case in
same) ;;
added) # a new function in the node of the next release
    sed -i 's/^SHMFB_EXPORT const char \*shmfb_version(void);$/&\nSHMFB_EXPORT int shmfb_added(void);/' \
        "$work/include/shmfb/shmfb.h"
    printf '#include <shmfb/shmfb.h>\nint shmfb_added(void)\n{\n    return 1;\n}\n' >"$work/src/added.c"
    printf 'SHMFB_0.2 {\n  global:\n    shmfb_added;\n} SHMFB_0.1;\n' >>"$work/src/libshmfb.map"
    grep -q 'shmfb_added(void);' "$work/include/shmfb/shmfb.h"
    ;;
struct) # a field before the first one moves every field of struct shmfb_frame
    sed -i 's/^struct shmfb_frame {$/&\n    uint32_t inserted;/' "$work/include/shmfb/shmfb.h"
    grep -q '^    uint32_t inserted;$' "$work/include/shmfb/shmfb.h"
    ;;
symbol) # shmfb_probe no longer exported
    sed -i '/^ *shmfb_probe;$/d' "$work/src/libshmfb.map"
    ! grep -q 'shmfb_probe;' "$work/src/libshmfb.map"
    ;;
grown) # a field takes reserved space, as the growth rule allows (shmfb(3))
    sed -i 's|^    uint32_t reserved\[16\]; /\*\*< must be zero, else -EINVAL|    uint32_t grown;\n    uint32_t reserved[15]; /**<|' \
        "$work/include/shmfb/shmfb.h"
    grep -q '^    uint32_t grown;$' "$work/include/shmfb/shmfb.h"
    ;;
overgrown) # a field added after the tail: the struct grows, which the rule forbids
    sed -i 's|^    uint32_t reserved\[16\]; /\*\*< must be zero, else -EINVAL.*$|&\n    uint32_t grown;|' \
        "$work/include/shmfb/shmfb.h"
    grep -q '^    uint32_t grown;$' "$work/include/shmfb/shmfb.h"
    ;;
soname) # the struct change of "struct", with a new SOVERSION
    sed -i 's/^struct shmfb_frame {$/&\n    uint32_t inserted;/' "$work/include/shmfb/shmfb.h"
    soname=libshmfb.so.1
    ;;
*)
    echo "abi_break.sh: unknown case $case" >&2
    exit 2
    ;;
esac

# Built as the library is (hidden visibility, the version script), in the
# layout scripts/abi.sh expects of a build tree; libshmfb-png is the build's.
mkdir -p "$work/b/src/png"
(cd "$work" && $cc -std=c11 -g -O0 -fPIC -shared -fvisibility=hidden -DSHMFB_BUILDING \
    -D_GNU_SOURCE -ffile-prefix-map="$work/=" -I include src/*.c \
    -Wl,--version-script=src/libshmfb.map -Wl,-soname,$soname -o b/src/libshmfb.so)
ln -s "$build/src/png/libshmfb-png.so" "$work/b/src/png/libshmfb-png.so"

rc=0
SHMFB_ABI_HEADERS=$work/include/shmfb bash "$top/scripts/abi.sh" check "$work/b" \
    >"$work/out" 2>&1 || rc=$?
cat "$work/out"
expect() {
    if [ "$rc" -ne "$1" ] || ! grep -q "$2" "$work/out"; then
        echo "FAIL: case $case: expected status $1 and '$2', got status $rc" >&2
        exit 1
    fi
    echo "ok: case $case: status $rc, '$2'"
}
case $case in
same) expect 0 "libshmfb.so: same ABI" ;;
added) expect 0 "shmfb_added@@SHMFB_0.2" ;;
struct) expect 1 "INCOMPATIBLE change with the same SOVERSION" ;;
grown) expect 0 "libshmfb.so: a reserved tail" ;;
overgrown) expect 1 "INCOMPATIBLE change with the same SOVERSION" ;;
symbol)
    expect 1 "INCOMPATIBLE change with the same SOVERSION"
    expect 1 "shmfb_probe@@SHMFB_0.1"
    ;;
soname) expect 0 "SOVERSION changed (libshmfb.so.0 -> libshmfb.so.1)" ;;
esac
