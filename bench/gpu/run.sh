#!/usr/bin/env bash
# The GPU benchmark (see bench/gpu/README.md): tfjs-webgpu in headless Chromium vs PyTorch CUDA.
#   bench/gpu/run.sh               the real run on a GPU machine → bench/results/gpu.md
#   bench/gpu/run.sh --cpu-check   the same path on the CPU, net-A, 1+2 steps (no GPU needed)
# Needs no network: everything it uses must already be on the machine (the README lists it).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v node >/dev/null 2>&1; then
  echo "bench/gpu: no node on PATH: install Node >= 20.19 (the project's engines field)." >&2
  exit 2
fi
if [ ! -x node_modules/.bin/tsx ]; then
  echo "bench/gpu: node_modules/.bin/tsx is missing: run 'npm ci' where there is network and" \
    "bring this checkout with its node_modules to this machine." >&2
  exit 2
fi
exec node_modules/.bin/tsx bench/gpu/gpu.ts "$@"
