#!/usr/bin/env bash
# Installs everything Reelcraft needs on a Debian machine with Node 20 and builds it.
# Only the npm registry and Debian's packages are used; nothing else is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

# Offline, always: no Nx Cloud, no telemetry, no CUDA download from onnxruntime's install script.
export NX_NO_CLOUD=true NX_DAEMON=false NX_SKIP_NX_CACHE=${NX_SKIP_NX_CACHE:-false} ONNXRUNTIME_NODE_INSTALL=skip
export DO_NOT_TRACK=1 SCARF_ANALYTICS=false

need_debian=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need_debian+=(ffmpeg)
command -v espeak-ng >/dev/null || need_debian+=(espeak-ng)
fc-list 2>/dev/null | grep -qi -e "WenQuanYi Micro Hei" -e "Noto Sans CJK" || need_debian+=(fonts-wqy-microhei)
if [ "${REELCRAFT_WITH_BROWSER:-0}" = 1 ] && [ ! -x /usr/bin/chromium ]; then need_debian+=(chromium); fi
# The test run also checks docker/nginx.conf with a real nginx (nginx -t and a live proxy).
if [ "${REELCRAFT_WITH_BROWSER:-0}" = 1 ] && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then need_debian+=(nginx-light); fi
# The offline test (test/offline.spec.ts) runs the server in a loopback-only network namespace
# (unshare and nsenter from util-linux, ip from iproute2) and records its connections with strace.
if [ "${REELCRAFT_WITH_BROWSER:-0}" = 1 ]; then
  command -v strace >/dev/null || need_debian+=(strace)
  command -v ip >/dev/null || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || need_debian+=(iproute2)
  command -v unshare >/dev/null && command -v nsenter >/dev/null || need_debian+=(util-linux)
  # The fault suite (test/faults) restarts a redis-server of its own, apart from the shared one.
  command -v redis-server >/dev/null || need_debian+=(redis-server)
fi

if [ ${#need_debian[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian packages: ${need_debian[*]}"
    apt-get update -qq
    # Packages that bring a service (nginx) must not start it: the tests run their own.
    no_start=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && no_start=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_debian[@]}" fontconfig >/dev/null
    if [ "$no_start" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  else
    echo "error: Reelcraft needs these Debian packages: ${need_debian[*]}" >&2
    echo "       install them as root: apt-get install ${need_debian[*]}" >&2
    exit 1
  fi
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then echo "error: Node 20 or newer is needed (found $(node -v))" >&2; exit 1; fi

echo "==> npm ci"
npm ci --no-audit --no-fund

echo "==> building"
npx nx run-many -t build --outputStyle=static
