#!/usr/bin/env bash
# Installs the Debian packages shmfb needs to build and test, if any are
# missing (with apt-get; as root, or it names what to install).
#
#   bash scripts/deps.sh
set -euo pipefail
case "${1:-}" in
-h | --help)
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
"") ;;
*)
    echo "deps.sh: unknown argument '$1' (try --help)" >&2
    exit 2
    ;;
esac

PKGS=(build-essential cmake pkg-config check libsubunit-dev libpng-dev libsdl2-dev
      libglx-mesa0 libgl1-mesa-dri libx11-dev libxfixes-dev libxdamage-dev xvfb x11-apps
      xauth xdotool imagemagick clang-format cppcheck valgrind squeak-vm scratch)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "shmfb: missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
fi
echo "shmfb: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
