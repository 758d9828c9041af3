#!/usr/bin/env bash
# Installs the browser test's npm packages (puppeteer-core) from
# package-lock.json into tests/vnc/node_modules when they are missing or
# older than the lockfile.  puppeteer-core drives the system's chromium; no
# browser is downloaded.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stamp=$here/node_modules/.package-lock.json
if [ -f "$stamp" ] && [ "$stamp" -nt "$here/package-lock.json" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "shmfb: npm is missing (scripts/deps.sh installs it)" >&2
    exit 1
fi
echo "shmfb: installing the browser test's npm packages (tests/vnc/node_modules)" >&2
cd "$here"
PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
