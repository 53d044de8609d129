#!/usr/bin/env bash
# ResNet-18 frames per second on a CUDA machine, CPU against GPU (docs/benchmarks.md, "ResNet-18 on a GPU").
# NOT RUN in this repository's sessions: no machine here has a GPU. Two measurements:
#   1. ResNet18Benchmarks (BenchmarkDotNet, --job short): the backbone alone at batch 1 and 16 with 1 and 2 intra-op
#      threads, on cpu and on cuda, against ONNX Runtime alone on the unmodified model file (same device);
#   2. dns index end to end (ffmpeg decoding, ResNet-18, L3-iMAC, PCA whitening, the store) on generated clips,
#      --device cpu against --device cuda, sharing one PCA so both runs do the same work.
# Needs the .NET 10 SDK, ffmpeg, an NVIDIA GPU and driver, and what ONNX Runtime 1.32.0's CUDA provider loads: the CUDA 13
# runtime libraries (libcudart, libcublas, libcublasLt .so.13) and cuDNN 9. Everything is built with
# -p:OnnxRuntimeGpu=true (build/OnnxRuntimeGpu.targets). Results land in $1 (default artifacts/gpu).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mkdir -p "${1:-$root/artifacts/gpu}" && cd "${1:-$root/artifacts/gpu}" && pwd)"

if ! command -v nvidia-smi >/dev/null; then
  echo "nvidia-smi not found: this script measures a CUDA GPU" >&2
  exit 1
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
nproc | sed 's/^/cpu cores: /' | tee -a "$out/gpu.txt"

# 1. The backbone alone. A cuda row never falls back to the CPU (the benchmark sets AllowCpuFallback = false).
DNS_BENCH_DEVICES=cpu,cuda dotnet run -c Release --project "$root/benchmarks/DnS.Benchmarks" -p:OnnxRuntimeGpu=true -- \
  --filter '*ResNet18Benchmarks*' --job short --artifacts "$out/benchmarkdotnet"

# 2. dns index end to end on 16 generated one-minute clips (960 frames at 1 fps).
dotnet build "$root/src/DnS.Cli" -c Release -p:OnnxRuntimeGpu=true -o "$out/dns" -nologo -clp:ErrorsOnly
clips="$out/clips"
mkdir -p "$clips"
for i in $(seq 0 15); do
  [ -f "$clips/clip$i.mp4" ] || ffmpeg -loglevel error -f lavfi -i "testsrc2=size=640x360:rate=25:duration=60,hue=h=$((i * 22))" \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p "$clips/clip$i.mp4"
done
rm -rf "$out/index-pca"
dotnet "$out/dns/dns.dll" index "$clips" --index "$out/index-pca" --features resnet18 --device cuda
pca="$(ls "$out/index-pca"/pca-*.safetensors)"
for device in cpu cuda; do
  rm -rf "$out/index-$device"
  dotnet "$out/dns/dns.dll" index "$clips" --index "$out/index-$device" --features resnet18 --pca "$pca" --device "$device" 2>&1 | tee "$out/index-$device.log"
  if grep -q "CUDA is unavailable" "$out/index-$device.log"; then
    echo "--device cuda fell back to the CPU (see the warning above): nothing measured on the GPU" >&2
    exit 1
  fi
done
echo "end to end (dns index, frames/s in the last field):"
grep -H "frames/s" "$out"/index-cpu.log "$out"/index-cuda.log
