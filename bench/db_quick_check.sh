#!/usr/bin/env bash
# Start-up check benchmark (not a test): what `fota-station run` spends on PRAGMA
# quick_check before it opens an existing results file, for files of 100,000 and
# 1,000,000 attempts (20 events each, as db_bench.sh builds them). The station
# runs the same pragma through the same SQLite library; the sqlite3 CLI times it
# here. Warm: the file in the page cache (a line restarted on the same PC);
# cold: after the page cache was dropped (needs root; skipped otherwise).
# Usage: bench/db_quick_check.sh [DIR]   (default /tmp/fota-bench-qc; needs ~1.7 GB)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/tmp/fota-bench-qc}
mkdir -p "$dir"
cmake -S "$src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release -DFOTA_TESTS=OFF >/dev/null
cmake --build "$dir/build" -j2 --target fota_reports >/dev/null
libs="$dir/build/reports/libfota_reports.a $dir/build/core/libfota_core.a $(pkg-config --libs sqlite3 yaml-0.1)"
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$src/reports" -I"$src/core" \
    "$src/bench/db_generate.c" $libs -o "$dir/db_generate"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for n in 100000 1000000; do
  db=$dir/qc-$n.db
  if [ ! -s "$db" ]; then
    rm -f "$db" "$db-wal" "$db-shm"
    "$dir/db_generate" "$db" "$n" 20 >/dev/null
  fi
  echo "$n attempts: $(du -m "$db" | cut -f1) MB"
  sqlite3 "$db" "PRAGMA quick_check(3)" >/dev/null # warm the page cache once
  for i in 1 2 3; do
    /usr/bin/time -f "  quick_check, warm: %e s, %M KiB max RSS" sqlite3 "$db" "PRAGMA quick_check(3)"
  done
  if [ "$(id -u)" = 0 ] && [ -n "${FOTA_BENCH_DROP_CACHES:-}" ]; then
    sync && echo 3 >/proc/sys/vm/drop_caches
    /usr/bin/time -f "  quick_check, cold: %e s" sqlite3 "$db" "PRAGMA quick_check(3)"
  fi
done
