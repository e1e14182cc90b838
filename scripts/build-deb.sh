#!/bin/sh
# Builds the rtpengine-daemon and rtpengine-utils packages into build-deb/ (or $1).
# dpkg-buildpackage writes its results next to the source tree, so the sources (tracked
# and untracked files, not ignored ones) are copied to build-deb/src first; nothing is
# written outside build-deb/.
set -eu

cd "$(dirname "$0")/.."
OUT="${1:-build-deb}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
SRC="$OUT/src"
rm -rf "$SRC" "$OUT"/*.deb "$OUT"/*.buildinfo "$OUT"/*.changes
mkdir -p "$SRC"

if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f"; done' sh \
        | tar -cf - -T - | tar -xf - -C "$SRC"
    RTPE_GIT_DESCRIBE="$(git describe --always --dirty 2>/dev/null || true)"
else
    tar --exclude=./build* -cf - . | tar -xf - -C "$SRC"
    RTPE_GIT_DESCRIBE=""
fi
export RTPE_GIT_DESCRIBE

# debhelper gives the build a HOME of its own inside the (wiped) copy; keep ccache's
# cache where it is, so that a rebuild of the same sources hits it.
if command -v ccache >/dev/null 2>&1; then
    CCACHE_DIR="${CCACHE_DIR:-$(ccache -k cache_dir)}"
    export CCACHE_DIR
fi

JOBS="${JOBS:-2}"
cd "$SRC"
DEB_BUILD_OPTIONS="parallel=$JOBS ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -b -us -uc --no-sign
ls -1 "$OUT"/*.deb
