#!/usr/bin/env bash
# Issue 19's device run, prepared in one script (a device's time is minutes, all tries together).
# Here:   npm run build:cli && node scripts/device-bundle.mjs        (device-bundle/, ~33 MiB)
#         and, once, the Vulkan loader packages in .gl/ (see the device tool's README)
# There:  run(command="bash device-bundle/device-run.sh", carry=["device-bundle", ".gl"])
# It writes everything under $OUT: the adapter, GPU parity on every PyTorch fixture, the benchmark
# suite for GPUs (the main four, DeepBench's shape, a 4096³ GEMM; GPU time from timestamps beside
# wall time; precision 'f16' as its own contender where the adapter has shader-f16), the GRU against TF.js, and directions and lengths (issue 15's 1.3× bidirectional target).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
OUT="${OUT:-$here/out}"
mkdir -p "$OUT"
log() { echo "== $* ($(date -u +%H:%M:%S))" | tee -a "$OUT/run.log"; }

# The Vulkan loader, where the machine has none (the device tool's recipe).
if [ -d "$here/../.gl" ] && ! ldconfig -p | grep -q libvulkan; then
  for f in "$here"/../.gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES="$icd"

cd "$here"
log "adapter"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv >"$OUT/nvidia-smi.csv" 2>&1
timeout 120 node dist/cli.js doctor --json >"$OUT/doctor.json" 2>>"$OUT/run.log" || { log "doctor failed: no GPU adapter"; exit 1; }

log "GPU parity on every PyTorch fixture (gateflow check)"
for f in fixtures/*.json fixtures/torch-v2/*.json; do
  case "$f" in */index.json) continue ;; esac
  timeout 60 node dist/cli.js check "$f" >>"$OUT/check.jsonl" 2>>"$OUT/run.log" || log "check FAILED: $f"
done

log "benchmark: the GPU suite"
timeout 420 node dist/cli.js bench --suite gpu --budget 3 --out "$OUT" --markdown "$OUT/RESULTS-gpu.md" >"$OUT/bench-gpu.txt" 2>>"$OUT/run.log" || log "bench --suite gpu did not finish"

log "benchmark: the GRU against TF.js"
timeout 150 node dist/cli.js bench --gru --budget 2 --no-save --markdown "$OUT/gru.md" >"$OUT/bench-gru.txt" 2>>"$OUT/run.log" || log "bench --gru did not finish"

log "benchmark: directions and lengths"
timeout 150 node dist/cli.js bench --sequence-options --suite main --contenders gateflow-webgpu --budget 2 --no-save --markdown "$OUT/sequence.md" >"$OUT/bench-sequence.txt" 2>>"$OUT/run.log" || log "bench --sequence-options did not finish"
log "done"
