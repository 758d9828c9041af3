#!/usr/bin/env bash
# Each program answers --version with its name and VERSION.
#
#   versions.sh VERSION PROGRAM...
set -euo pipefail
version=$1
shift
status=0
for prog in "$@"; do
    name=$(basename "$prog")
    [ "$name" = release_version_check ] && name=shmfb
    out=$("$prog" --version 2>&1) || true
    if [ "$out" = "$name $version" ]; then
        echo "ok: $out"
    else
        echo "FAIL: '$prog --version' said '$out', expected '$name $version'"
        status=1
    fi
done
exit $status
