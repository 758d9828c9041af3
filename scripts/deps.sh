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
      xauth xdotool xclip x11-utils imagemagick clang-format cppcheck valgrind
      squeak-vm scratch clang libfuzzer-14-dev util-linux python3 python3-numpy python3-pytest
      python3-pil python3-venv python3-pip python3-setuptools python3-wheel
      libvncserver-dev libxkbcommon-dev novnc websockify gvncviewer chromium curl
      abigail-tools lintian debhelper scdoc dpkg-dev fakeroot man-db dh-python
      pybuild-plugin-pyproject python3-all
      libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
      gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
      gstreamer1.0-plugins-ugly gstreamer1.0-libav ffmpeg
      qemu-system-x86 libglib2.0-dev libglib2.0-bin python3-gi dbus-daemon)
# npm for the browser test's puppeteer-core, unless a node with npm is there.
command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "shmfb: missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
        exit 1
    fi
    echo "shmfb: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
bash "$(dirname "${BASH_SOURCE[0]}")/../tests/vnc/npm-install.sh"
