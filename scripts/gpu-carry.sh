#!/usr/bin/env bash
# Assembles .gpu-carry/: what scripts/gpu-check.mjs needs on a device machine, which has no
# internet and gets only the working tree plus at most 64 MiB of carried paths (no node_modules).
#   bash scripts/gpu-carry.sh     (after npm run build; needs apt-get download for libvulkan1)
# Then, in one device call with carry [".gpu-carry"]:
#   for f in .gpu-carry/debs/*.deb; do dpkg -x $f /; done; ldconfig;
#   export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json;
#   GPU_CHECK_MODULES=.gpu-carry node scripts/gpu-check.mjs --ep webgpu
set -euo pipefail
cd "$(dirname "$0")/.."
out=.gpu-carry
rm -rf "$out"
mkdir -p "$out/node_modules" "$out/inference-dist/testing" "$out/inference-dist/diffusion" "$out/debs"

# onnxruntime-node for linux/x64 only (the other platforms' binaries are most of its size), and the
# JavaScript the three inference files below need.
for pkg in onnxruntime-node onnxruntime-common onnx-proto protobufjs @protobufjs long; do
  rsync -a --exclude 'bin/napi-v*/darwin' --exclude 'bin/napi-v*/win32' --exclude 'bin/napi-v*/linux/arm64' --exclude 'cli' --exclude '*.map' --exclude '*.d.ts' "node_modules/$pkg" "$out/node_modules/"
done
for f in testing/tiny-onnx-graph.js testing/sd-like-graphs.js diffusion/random.js; do
  test -f "libs/inference/dist/$f" || { echo "libs/inference/dist/$f missing: run npm run build first" >&2; exit 1; }
  cp "libs/inference/dist/$f" "$out/inference-dist/$f"
done

# The Vulkan loader (a device machine has NVIDIA's driver but no loader).
(cd "$out/debs" && apt-get download libvulkan1 >/dev/null) || { echo "apt-get download libvulkan1 failed: the WebGPU check needs it" >&2; exit 1; }

size=$(du -sm "$out" | cut -f1)
echo "$out: ${size} MiB"
if [ "$size" -gt 60 ]; then echo "$out is over the 64 MiB a device call can carry" >&2; exit 1; fi
