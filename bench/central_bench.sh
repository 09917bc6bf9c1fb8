#!/usr/bin/env bash
# Central shipping benchmark (not a test): STATIONS station files of ATTEMPTS
# attempts with EVENTS events each (db_generate), shipped to one local
# PostgreSQL (tests/central/pgserver.py, fsync on) by `fota-station ship`,
# PARALLEL at a time. Prints rows/s (attempts + events) and the central counts.
# Usage: bench/central_bench.sh [STATIONS] [ATTEMPTS] [EVENTS] [PARALLEL] [DIR]
#        (default 20 10000 20 2 /tmp/fota-central-bench)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
stations=${1:-20} attempts=${2:-10000} events=${3:-20} parallel=${4:-2}
dir=${5:-/tmp/fota-central-bench}
mkdir -p "$dir"
cmake -S "$src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release -DFOTA_TESTS=OFF >/dev/null
cmake --build "$dir/build" -j2 --target fota-station >/dev/null
libs="$dir/build/reports/libfota_reports.a $dir/build/core/libfota_core.a $(pkg-config --libs sqlite3 yaml-0.1 libpq)"
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$src/reports" -I"$src/core" \
    "$src/bench/db_generate.c" $libs -o "$dir/db_generate"
station=$dir/build/station/fota-station

# One generated file, copied per station with its own station name.
rm -f "$dir"/st*.db* "$dir/gen.db"*
"$dir/db_generate" "$dir/gen.db" "$attempts" "$events" >/dev/null
for i in $(seq -w 1 "$stations"); do
  cp "$dir/gen.db" "$dir/st$i.db"
  sqlite3 "$dir/st$i.db" "UPDATE attempts SET station = 'st$i'"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "data: $stations stations x $attempts attempts x $events events"

python3 - "$src" "$dir" "$station" "$stations" "$parallel" <<'EOF'
import os, subprocess, sys, time
src, d, station, n, par = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
sys.path.insert(0, os.path.join(src, "tests", "central"))
import pgserver
pg = pgserver.PgServer(fsync=True)
try:
    files = [os.path.join(d, f"st{i:0{len(str(n))}d}.db") for i in range(1, n + 1)]
    t0 = time.time()
    running = []
    for f in files:
        while len(running) >= par:
            running = [p for p in running if p.poll() is None]
            time.sleep(0.05)
        running.append(subprocess.Popen([station, "ship", "--db", f, "--central", pg.dsn()],
                                        stdout=subprocess.DEVNULL))
    for p in running:
        p.wait()
    dt = time.time() - t0
    a = int(pg.psql("SELECT count(*) FROM attempts")[0][0])
    e = int(pg.psql("SELECT count(*) FROM events")[0][0])
    print(f"shipped {a} attempts + {e} events in {dt:.1f} s: {(a + e) / dt:,.0f} rows/s "
          f"({a / dt:,.0f} attempts/s), {par} ship processes at a time")
    t0 = time.time()
    r = subprocess.run([station, "report", "--central", pg.dsn()], capture_output=True, text=True)
    print(f"report --central (all stations, text): {time.time() - t0:.1f} s, exit {r.returncode}")
    t0 = time.time()
    pg.psql("SELECT * FROM batch_summary WHERE batch = 'B042'")
    print(f"batch_summary, one batch across stations: {time.time() - t0:.2f} s (psql start included)")
    t0 = time.time()
    pg.psql("SELECT * FROM latest_results WHERE imei = '860000001000007'")
    print(f"latest_results, one IMEI: {time.time() - t0:.2f} s (psql start included)")
finally:
    pg.close()
EOF
