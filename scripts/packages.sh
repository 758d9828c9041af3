#!/usr/bin/env bash
# Builds shmfb's Debian packages (debian/) from a copy of this tree, offline,
# and optionally installs them (as root, with apt-get, which adds what they
# depend on).  Installs the build dependencies first if any is missing.
#
#   bash scripts/packages.sh [options]
#
#   --out DIR        where the copy and the packages go (default out/packages)
#   --install        install the packages (not the -dbgsym ones) afterwards
#   -h, --help       this text
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

out=out/packages install=0
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
    --out)
        [ $# -ge 2 ] || { echo "packages.sh: --out needs a value (try --help)" >&2; exit 2; }
        out=$2
        shift 2
        ;;
    --install) install=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "packages.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    esac
done
# Debian's tools and interpreters (pybuild runs "python3.X" from PATH), not
# whatever else PATH offers first.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

if ! dpkg-checkbuilddeps debian/control 2>/dev/null; then
    bash scripts/deps.sh
fi
version=$(dpkg-parsechangelog -S Version)

# The tree as git knows it (tracked and new files, nothing .gitignore names,
# such as build trees), else everything but build trees.
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/shmfb-$version
changes=$out/shmfb_${version}_$(dpkg --print-architecture).changes
# What an earlier build left here (nothing else: DIR may hold other files).
while read -r p; do
    rm -f "$out/${p}_${version}_"*.deb "$out/${p}-dbgsym_${version}_"*.deb
done < <(sed -n 's/^Package: //p' debian/control)
rm -rf "$src" "$changes" "${changes%.changes}.buildinfo"
mkdir -p "$src"
if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$src"
else
    find . -path './build*' -prune -o -path ./out -prune -o -path ./tests/vnc/node_modules -prune \
        -o -type f -print0 | xargs -0 cp --parents -t "$src"
fi

if ! (cd "$src" && dpkg-buildpackage -us -uc -b -j"$(nproc)" >"$out/build.log" 2>&1); then
    tail -40 "$out/build.log" >&2
    echo "packages.sh: dpkg-buildpackage failed (the whole log: $out/build.log)" >&2
    exit 1
fi
rm -rf "$src"
# The packages the build made, from its .changes file.
debs=()
while read -r deb; do
    case $deb in *-dbgsym_*) continue ;; esac
    debs+=("$out/$deb")
done < <(sed -n '/^Files:/,$ s/^ .* \([^ ]*\.deb\)$/\1/p' "$changes")
echo "packages.sh: built in $out ($(basename "$changes")):"
printf '  %s\n' "${debs[@]##*/}"
if [ $install -eq 1 ]; then
    apt-get install -y "${debs[@]}"
fi
