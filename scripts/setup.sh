#!/usr/bin/env bash
# Installs everything jalad needs on a fresh Debian/Ubuntu machine with Node >= 20, then builds.
# Idempotent and non-interactive: safe to run again; skips what is already there.
#   - system packages (apt, only when missing): nats-server, ffmpeg, and for the RTSP test camera
#     (scripts/rtsp-server.py) gst-rtsp-server with python3-gi and the base/good GStreamer plugins
#   - npm dependencies (npm ci; onnxruntime's GPU download skipped: the CPU binaries ship in the package)
#   - the TypeScript build (dist/)
#   - real test photos extracted from Debian's opencv-doc package (scripts/fetch-photos.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
export ONNXRUNTIME_NODE_INSTALL=skip

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node >= 20 is required (found $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi

missing=()
for pkg in nats-server ffmpeg python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good; do
  [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} with apt-get"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "setup: building"
npm run --silent build

bash scripts/fetch-photos.sh
echo "setup: done"
