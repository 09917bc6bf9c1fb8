#!/usr/bin/env bash
# report --central against the local report over the same rows (not a test):
# ATTEMPTS generated attempts (db_generate, no transcripts) in one station file,
# bulk-loaded with COPY into a local PostgreSQL (tests/central/pgserver.py; the
# schema made by `fota-station ship`, then VACUUM ANALYZE as autovacuum would),
# then `report` from the file and `report --central` timed RUNS times each,
# alternating, per format. Prints the medians and central/local.
# Usage: bench/central_report_bench.sh [ATTEMPTS] [RUNS] [DIR]
#        (default 1000000 3 /tmp/fota-central-report-bench)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
attempts=${1:-1000000} runs=${2:-3} dir=${3:-/tmp/fota-central-report-bench}
mkdir -p "$dir"
cmake -S "$src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release -DFOTA_TESTS=OFF >/dev/null
cmake --build "$dir/build" -j2 --target fota-station >/dev/null
libs="$dir/build/reports/libfota_reports.a $dir/build/core/libfota_core.a $(pkg-config --libs sqlite3 yaml-0.1 libpq)"
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$src/reports" -I"$src/core" \
    "$src/bench/db_generate.c" $libs -o "$dir/db_generate"
station=$dir/build/station/fota-station
rm -f "$dir"/gen.db* "$dir"/empty.db*
"$dir/db_generate" "$dir/gen.db" "$attempts" 0 2>/dev/null
"$dir/db_generate" "$dir/empty.db" 0 0 >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "$(free -g | awk '/^Mem:/ {print $2}') GB RAM, load $(cut -d' ' -f1-3 /proc/loadavg)," \
     "PostgreSQL $(psql --version | awk '{print $3}') (default settings but fsync)"

python3 - "$src" "$dir" "$station" "$runs" <<'EOF'
import os, statistics, subprocess, sys, time
src, d, station, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, os.path.join(src, "tests", "central"))
import pgserver
COLS = ("batch, operator, slot, port, imei, model, family, from_version, to_version, final_version,"
        " method, package_names, package_sha256, started_at, finished_at, result, noop,"
        " error_class, error_code, error_text, module_retries, hops, download_ms, update_ms,"
        " duration_ms, last_heard_at, queued_ms")
pg = pgserver.PgServer(fsync=True)
try:
    subprocess.run([station, "ship", "--db", os.path.join(d, "empty.db"), "--central", pg.dsn()],
                   check=True, stdout=subprocess.DEVNULL)
    t0 = time.time()
    # What `ship` would send, as one COPY: every finished row, keyed (station, local id).
    out = subprocess.Popen(["sqlite3", "-csv", os.path.join(d, "gen.db"),
                            f"SELECT COALESCE(station, 'host'), id, {COLS} FROM attempts"
                            " WHERE result IS NOT NULL ORDER BY id"], stdout=subprocess.PIPE)
    subprocess.run(["psql", "-h", pg.root, "-p", str(pg.port), "-U", "fota", "-d", "fota", "-qX",
                    "-v", "ON_ERROR_STOP=1", "-c",
                    f"\\copy attempts (station, local_id, {COLS}) FROM STDIN (FORMAT csv)"],
                   stdin=out.stdout, check=True)
    out.wait()
    pg.psql("VACUUM ANALYZE attempts")
    n = pg.psql("SELECT count(*) FROM attempts")[0][0]
    print(f"loaded {n} attempts with COPY (+ VACUUM ANALYZE) in {time.time() - t0:.1f} s")
    db = os.path.join(d, "gen.db")

    def timed(args):
        t = time.time()
        r = subprocess.run([station, "report", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise SystemExit(f"report {args[:1]}: exit {r.returncode}: {r.stderr.decode()}")
        return time.time() - t, r.stdout

    for fmt in ("json", "text", "html"):
        loc, cen = [], []
        for _ in range(runs):
            t, lo = timed(["--db", db, "--format", fmt])
            loc.append(t)
            t, ce = timed(["--central", pg.dsn(), "--format", fmt])
            cen.append(t)
        if fmt == "text":
            ce = ce[:ce.find(b"\nShipping lag by station")]
        same = "identical" if lo == ce else "DIFFERENT"
        ml, mc = statistics.median(loc), statistics.median(cen)
        print(f"{fmt:5s} local {ml:6.2f} s  central {mc:6.2f} s  central/local {mc / ml:4.2f}"
              f"  (runs: local {' '.join(f'{x:.2f}' for x in loc)};"
              f" central {' '.join(f'{x:.2f}' for x in cen)}; output {same})")
finally:
    pg.close()
EOF
