#!/usr/bin/env bash
# What a shared library exports is exactly what its headers declare
# SHMFB_EXPORT and its version script lists, each symbol with a version of
# the script's nodes.
#
#   exports.sh LIBRARY MAP HEADER...
set -euo pipefail
lib=$1 map=$2
shift 2
headers=("$@")
header=$(printf '%s ' "${headers[@]##*/}")
header=${header% }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Declarations start a line with SHMFB_EXPORT; the name is the last word
# before the first '('.
perl -0777 -ne 'while (/^SHMFB_EXPORT\b([^(;#]*)\(/mg) { $d = $1; $d =~ /(\w+)\s*$/ and print "$1\n" }' \
    "${headers[@]}" | sort >"$work/header"
# The script's names: words followed by ';', comments and "local: *;" aside.
perl -0777 -pe 's{/\*.*?\*/}{}gs' "$map" | grep -oE '^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*;' |
    tr -d ' \t;' | sort >"$work/map"
perl -0777 -pe 's{/\*.*?\*/}{}gs' "$map" | grep -oE '^[A-Za-z_][A-Za-z0-9_.]* *\{' |
    tr -d ' {' | sort >"$work/nodes"
# Defined dynamic symbols: functions and data as NAME@@VERSION, and one
# absolute symbol per version node.
nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sort >"$work/lib"
nm -D --defined-only "$lib" | awk '$2 == "A" { print $3 }' | sort >"$work/libnodes"

status=0
# report WHAT FILE: says WHAT and the names in FILE, if any.
report() {
    if [ -s "$2" ]; then
        echo "$1:"
        sed 's/^/  /' "$2"
        status=1
    fi
}
sed 's/@@.*//' "$work/lib" | sort >"$work/libnames"
comm -23 "$work/header" "$work/map" >"$work/d1"
report "declared SHMFB_EXPORT in $header but not in $(basename "$map")" "$work/d1"
comm -13 "$work/header" "$work/map" >"$work/d2"
report "in $(basename "$map") but not declared in $header" "$work/d2"
comm -23 "$work/header" "$work/libnames" >"$work/d3"
report "declared but not exported by $(basename "$lib")" "$work/d3"
comm -13 "$work/header" "$work/libnames" >"$work/d4"
report "exported by $(basename "$lib") but not declared" "$work/d4"
grep -v '@@' "$work/lib" >"$work/d5" || true
report "exported without a version" "$work/d5"
sed -n 's/.*@@//p' "$work/lib" | sort -u | comm -23 - "$work/nodes" >"$work/d6"
report "versions that are no node of $(basename "$map")" "$work/d6"
comm -3 "$work/nodes" "$work/libnodes" >"$work/d7"
report "version nodes of $(basename "$map") and $(basename "$lib") differ" "$work/d7"
if [ $status -eq 0 ]; then
    echo "ok: $(basename "$lib") exports the $(wc -l <"$work/header") functions of" \
        "$header, versioned $(tr '\n' ' ' <"$work/nodes")"
fi
exit $status
