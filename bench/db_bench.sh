#!/usr/bin/env bash
# Report benchmark (not a test): builds a Release copy of the reports library,
# generates a 1,000,000-attempt / 20,000,000-event database once, then times
# the whole-database report, one batch, and single-IMEI look-ups.
# Usage: bench/db_bench.sh [DIR]   (default /tmp/fota-bench; needs ~1.5 GB)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/tmp/fota-bench}
mkdir -p "$dir"
cmake -S "$src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release -DFOTA_TESTS=OFF >/dev/null
cmake --build "$dir/build" -j2 --target fota_reports >/dev/null
libs="$dir/build/reports/libfota_reports.a $dir/build/core/libfota_core.a $(pkg-config --libs sqlite3 yaml-0.1)"
for t in db_generate db_report db_lookup; do
  gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$src/reports" -I"$src/core" \
      "$src/bench/$t.c" $libs -o "$dir/$t"
done
db=$dir/bench.db
if [ ! -s "$db" ]; then
  rm -f "$db" "$db-wal" "$db-shm"
  /usr/bin/time -f "generate: %e s, %M KiB max RSS" "$dir/db_generate" "$db" 1000000 20
fi
ls -l "$db"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$dir/db_report" --db "$db" >/dev/null   # warm the page cache once
for i in 1 2 3; do
  /usr/bin/time -f "report (whole db, text): %e s, %M KiB max RSS" "$dir/db_report" --db "$db" >/dev/null
done
for f in json html csv; do
  /usr/bin/time -f "report (whole db, $f): %e s" "$dir/db_report" --db "$db" --format $f -o "$dir/out.$f"
done
for i in 1 2 3; do
  /usr/bin/time -f "report (--batch B042, text): %e s" "$dir/db_report" --db "$db" --batch B042 >/dev/null
done
"$dir/db_lookup" "$db" 10000
/usr/bin/time -f "batch_summary, one batch: %e s (sqlite3 CLI, process start included)" \
  sqlite3 "$db" "SELECT * FROM batch_summary WHERE batch = 'B042'" >/dev/null
/usr/bin/time -f "batch_summary, all batches: %e s" sqlite3 "$db" "SELECT * FROM batch_summary" >/dev/null
