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

# Whether every difference between two dumps is growth the rule allows
# (shmfb(3), VERSIONS AND ABI): each function has the same signature, each
# struct the same size and the same members at the same offsets, except that
# new members may take the space of its "reserved" tail, which keeps its end.
# Prints what breaks the rule.
grown_only() {
    python3 - "$1" "$2" <<'PY'
import sys
import xml.etree.ElementTree as ET

def load(path):
    root = ET.parse(path).getroot()
    types = {e.get("id"): e for e in root.iter() if e.get("id")}
    funcs = {f.get("name"): f for f in root.iter("function-decl")}
    structs = {}
    for c in root.iter("class-decl"):
        if c.get("is-declaration-only") != "yes" and c.get("name"):
            structs.setdefault(c.get("name"), c)
    return types, funcs, structs

def sig(types, tid, depth=0):
    e = types.get(tid)
    if e is None or depth > 20:
        return "?" + str(tid)
    tag = e.tag
    if tag in ("type-decl", "class-decl", "union-decl", "enum-decl", "typedef-decl"):
        return e.get("name") or tag
    if tag == "pointer-type-def":
        return sig(types, e.get("type-id"), depth + 1) + "*"
    if tag == "qualified-type-def":
        q = " ".join(k for k in ("const", "volatile") if e.get(k) == "yes")
        return q + " " + sig(types, e.get("type-id"), depth + 1)
    if tag == "array-type-def":
        n = [s.get("length") for s in e.iter("subrange")]
        return sig(types, e.get("type-id"), depth + 1) + "[" + ",".join(n) + "]"
    if tag == "function-type":
        ps = [sig(types, p.get("type-id"), depth + 1) for p in e.iter("parameter")]
        return "fn(" + ",".join(ps) + ")"
    return tag

def members(types, c):
    out = []
    for m in c.findall("data-member"):
        v = m.find("var-decl")
        t = types.get(v.get("type-id"))
        size = int(t.get("size-in-bits", 0)) if t is not None else 0
        out.append((v.get("name"), int(m.get("layout-offset-in-bits")),
                    sig(types, v.get("type-id")), size))
    return out

(ot, of, os_), (nt, nf, ns) = load(sys.argv[1]), load(sys.argv[2])
bad = []
for name, f in of.items():
    g = nf.get(name)
    if g is None:
        bad.append("function %s removed" % name)
        continue
    a = [sig(ot, p.get("type-id")) for p in f.findall("parameter") + f.findall("return")]
    b = [sig(nt, p.get("type-id")) for p in g.findall("parameter") + g.findall("return")]
    if a != b:
        bad.append("function %s: %s -> %s" % (name, a, b))
for name, c in os_.items():
    d = ns.get(name)
    if d is None:
        bad.append("struct %s removed" % name)
        continue
    if c.get("size-in-bits") != d.get("size-in-bits"):
        bad.append("struct %s: size changed" % name)
    old, new = members(ot, c), members(nt, d)
    res = [m for m in old if m[0] == "reserved"]
    start, end = (res[0][1], res[0][1] + res[0][3]) if res else (None, None)
    newnames = {m[0]: m for m in new}
    for m in old:
        if m[0] != "reserved" and newnames.get(m[0]) != m:
            bad.append("struct %s: member %s moved, changed or removed" % (name, m[0]))
    oldnames = {m[0] for m in old}
    for m in new:
        if m[0] == "reserved":
            if end is None or m[1] + m[3] != end:
                bad.append("struct %s: reserved tail does not keep its end" % name)
        elif m[0] not in oldnames and (start is None or m[1] < start or m[1] + m[3] > end):
            bad.append("struct %s: new member %s outside the reserved tail" % (name, m[0]))
for b in bad:
    print("abi:   " + b)
sys.exit(1 if bad else 0)
PY
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
    # A changed type where fields only took reserved space is growth.
    if [ $((rc & 12)) -eq 4 ] && grep -q 'Changed' "$tmp.diff" && grown_only "$ref" "$tmp" >/dev/null; then
        cat "$tmp.diff"
        echo "abi: $(basename "$lib"): a reserved tail gave room to new fields, as the growth rule" \
            "allows (compatible; scripts/abi.sh update records it)"
        rm -f "$tmp" "$tmp.diff"
        return 0
    fi
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
