#!/bin/sh
# Builds fota-sim in Release (build-bench/) and runs bench/sim_latency against it.
#   bench/sim_latency.sh [N] [ROUNDS]
set -eu
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DFOTA_TESTS=OFF >/dev/null
cmake --build build-bench --target fota-sim -j2 >/dev/null
cc -O2 -Wall -o build-bench/sim_latency bench/sim_latency.c
echo "nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
build-bench/sim_latency build-bench/sim/fota-sim "${1:-128}" "${2:-10}"
