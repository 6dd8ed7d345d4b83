#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript, docs/GPU.md): prints the
# GPUs this executor's host (or container) shows, as Spark's ResourceInformation JSON:
#   {"name":"gpu","addresses":["0","1"]}
# Exits 1 with a message on stderr when there is no nvidia-smi, it fails, or it lists no GPU, so the
# executor fails at start with the reason instead of running GPU tasks on a CPU.
# Bash built-ins only besides nvidia-smi. Under YARN or Kubernetes GPU isolation, nvidia-smi lists
# only the container's GPUs; on a standalone host shared by several executors, Spark's worker
# hands out the addresses (spark.worker.resource.gpu.*) and this script runs on the worker.
set -euo pipefail
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "discover-gpus.sh: nvidia-smi not found on PATH ($PATH): no NVIDIA driver here, so no GPU for Spark" >&2
  exit 1
fi
if ! out=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>&1); then
  echo "discover-gpus.sh: nvidia-smi --query-gpu=index failed: $out" >&2
  exit 1
fi
addrs=""
while IFS= read -r line; do
  line="${line//[[:space:]]/}"
  [ -z "$line" ] && continue
  if ! [[ "$line" =~ ^[0-9]+$ ]]; then
    echo "discover-gpus.sh: unexpected line from nvidia-smi --query-gpu=index: '$line'" >&2
    exit 1
  fi
  addrs+="${addrs:+,}\"$line\""
done <<< "$out"
if [ -z "$addrs" ]; then
  echo "discover-gpus.sh: nvidia-smi lists no GPU" >&2
  exit 1
fi
printf '{"name":"gpu","addresses":[%s]}\n' "$addrs"
