#!/usr/bin/env bash
# fuzz-smoke.sh TARGET SECONDS: builds one libFuzzer target with clang (build-fuzz/)
# and runs it for SECONDS; fails on any crash, leak or sanitizer report. ctest runs
# every target this way for a short while; run it longer by hand when you touch a parser.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1; secs=${2:-20}
build=${FUZZ_BUILD_DIR:-build-fuzz}
if ! command -v clang >/dev/null; then echo "fuzz-smoke: clang missing, skipped"; exit 77; fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang cmake -S . -B "$build" -DFOTA_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target "$target" -j2 >/dev/null
corpus="$build/corpus-$target"
mkdir -p "$corpus"
seeds="fuzz/seeds/${target#fuzz_}"
args=("$corpus")
[ -d "$seeds" ] && args+=("$seeds")
# -error_exitcode=1: libFuzzer's default (77) is ctest's SKIP code, so a crash read as "skipped".
"$build/fuzz/$target" -max_total_time="$secs" -error_exitcode=1 -print_final_stats=1 "${args[@]}" 2>&1 | tail -20
