#!/usr/bin/env bash
# One-time setup for gateflow on Debian 12 / Ubuntu: a Vulkan driver WebGPU (Dawn) can use,
# Chromium for the browser tests, then the npm packages from the lock file.
# Idempotent: safe to run again. Quiet on success; any failure stops it with a message.
set -euo pipefail

cd "$(dirname "$0")/.."
log() { echo "setup: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "not root and no sudo: run as root, or install the packages listed in README.md by hand"
  SUDO="sudo"
fi

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# A Vulkan ICD that Mesa's package did not install (NVIDIA's, AMD's amdvlk, ...) means a real GPU
# driver is present: leave the machine's Mesa alone.
vendor_icd() {
  local f
  for f in /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json; do
    [ -e "$f" ] || continue
    dpkg -S "$f" 2>/dev/null | grep -q '^mesa-vulkan-drivers' || return 0
  done
  return 1
}

# Run a command with its output kept aside; show it only if the command fails.
quiet() {
  local out
  out=$(mktemp)
  if ! "$@" >"$out" 2>&1; then cat "$out" >&2; rm -f "$out"; die "failed: $*"; fi
  rm -f "$out"
}

# Mesa's lavapipe must be new enough for Dawn (Debian 12's own 22.3 is rejected).
lavapipe_ok() {
  [ -f /usr/share/vulkan/icd.d/lvp_icd.json ] || return 1
  local v
  v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo 0)
  dpkg --compare-versions "$v" ge 24 2>/dev/null
}

apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then
    quiet $SUDO apt-get update -qq
    apt_updated=1
  fi
}

if command -v apt-get >/dev/null; then
  . /etc/os-release
  export DEBIAN_FRONTEND=noninteractive
  if ! lavapipe_ok && ! vendor_icd; then
    extra=()
    if [ "${ID:-}" = debian ] && [ "${VERSION_CODENAME:-}" = bookworm ]; then
      # Mesa 25 from bookworm-backports, reusing the main Debian source's mirror and key.
      src=/etc/apt/sources.list.d/gateflow-bookworm-backports.sources
      if [ ! -f "$src" ]; then
        uri=$(awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
        key=$(awk '/^Signed-By:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
        uri=${uri:-http://deb.debian.org/debian}
        key=${key:-/usr/share/keyrings/debian-archive-keyring.gpg}
        printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' "$uri" "$key" | $SUDO tee "$src" >/dev/null
        log "added $src (Mesa 25 for lavapipe; this also upgrades the machine's other Mesa libraries)"
      fi
      extra=(-t bookworm-backports)
    fi
    apt_update
    quiet $SUDO apt-get install -y -qq "${extra[@]}" mesa-vulkan-drivers libvulkan1
    lavapipe_ok || die "mesa-vulkan-drivers installed but lavapipe is older than Mesa 24; Dawn needs a newer one"
  fi
  if ! have_pkg libvulkan1; then apt_update; quiet $SUDO apt-get install -y -qq libvulkan1; fi
  if [ ! -x /usr/bin/chromium ]; then
    apt_update
    quiet $SUDO apt-get install -y -qq chromium chromium-driver
  fi
else
  log "no apt-get: install a Vulkan driver (or GPU driver) and Chromium yourself; continuing with npm"
fi

command -v node >/dev/null || die "Node.js 20+ is required"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || die "Node.js 20+ is required (found $(node --version))"

# npm ci only when node_modules was not installed from this exact lock file.
stamp=node_modules/.gateflow-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # onnxruntime-node (the ONNX export tests) ships its CPU binaries; where npm runs its install
  # script, skip the extra download it would try (only the package registry is reachable).
  ONNXRUNTIME_NODE_INSTALL=skip quiet npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
