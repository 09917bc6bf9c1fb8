#!/usr/bin/python3
"""Central shipping vs the line (not a test): the same simulated line (N modules,
fota-sim --count) run twice by a live station, once without --central and once
with --central while the station's file also holds a backlog of B finished
attempts (20 events each) to ship. Prints the station's own "longest gap between
ticks" (its loop latency; ticks are due every 250 ms) for both runs, their ratio,
the run times, and the shipping lag (shipped_at - finished_at) p50/p99 of the live
attempts. Usage: central_latency.py --station BIN --sim BIN [--modules N] [--backlog B]
"""
import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "central"))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import pgserver  # noqa: E402
import station_it as it  # noqa: E402


def backlog(db, n):
    con = sqlite3.connect(db)
    con.execute("BEGIN")
    for i in range(n):
        cur = con.execute(
            "INSERT INTO attempts (batch, station, imei, model, started_at, finished_at, result,"
            " last_heard_at, duration_ms) VALUES ('old', 'bench', ?, 'RG500Q-EA',"
            " '2025-11-20T08:00:00.000Z', '2025-11-20T08:00:01.000Z', 'PASS',"
            " '2025-11-20T08:00:01.000Z', 1000)", (it.luhn_imei(f"35{i:012d}"),))
        con.executemany("INSERT INTO events VALUES (?, ?, 'rx', ?)",
                        [(cur.lastrowid, 1763625600000 + j, f"+QIND: \"FOTA\",\"UPDATING\",{j}")
                         for j in range(20)])
    con.commit()
    con.close()


def run_line(c, job, db, n, *extra):
    sim = c.sim("--count", str(n), "--family", "RG50xQ", expect_links=n)
    t0 = time.time()
    r = subprocess.run([it.ARGS.station, "run", "--job", job, "--db", db, "--ports", c.ports,
                        "--profiles", os.path.join(SRC, "profiles"), "--no-dashboard",
                        "--until-idle", *extra], capture_output=True, text=True, timeout=600)
    dt = time.time() - t0
    c.stop(sim)
    shutil.rmtree(c.ports, ignore_errors=True)
    m = re.search(r"longest gap between ticks (\d+) ms", r.stdout)
    if r.returncode != 0 or not m:
        raise SystemExit(f"station run failed: {r.returncode}\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
    con = sqlite3.connect(db)
    dur = con.execute("SELECT avg(duration_ms), max(duration_ms) FROM attempts WHERE batch = 'lat'"
                      " AND result = 'PASS'").fetchone()
    con.close()
    return int(m.group(1)), dt, dur


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--station", required=True)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--modules", type=int, default=16)
    ap.add_argument("--backlog", type=int, default=5000)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fota-central-lat-")
    it.ARGS = argparse.Namespace(station=a.station, sim=a.sim, source=SRC, work=work)
    c = it.Case("lat")
    pg = pgserver.PgServer(fsync=True)
    try:
        fam = it.FAMILIES["RG50xQ"]
        path, _ = c.mkpkg("RG50xQ", fam["rev"], fam["to"], "a06-a07.zip")
        job = c.write("job.yaml", it.job_yaml("lat", [dict(
            family="RG50xQ", to=fam["to"], method="local",
            packages=[{"from": fam["rev"], "to": fam["to"], "file": path}])],
            timeouts={"reboot": 20, "total": 120}, station="bench"))
        off_db, on_db = os.path.join(work, "off.db"), os.path.join(work, "on.db")
        gap_off, t_off, d_off = run_line(c, job, off_db, a.modules)
        # the same file shape for the second run, plus the backlog to ship meanwhile
        os.makedirs(os.path.join(work, "empty"))
        subprocess.run([a.station, "run", "--job", job, "--db", on_db, "--ports",
                        os.path.join(work, "empty"), "--profiles", os.path.join(SRC, "profiles"),
                        "--no-dashboard", "--until-idle"], capture_output=True, check=True)
        backlog(on_db, a.backlog)
        gap_on, t_on, d_on = run_line(c, job, on_db, a.modules, "--central", pg.dsn())
        lag = pg.psql("SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY l)::numeric, 3),"
                      " round(percentile_cont(0.99) WITHIN GROUP (ORDER BY l)::numeric, 3), count(*)"
                      " FROM (SELECT extract(epoch FROM shipped_at - finished_at::timestamptz) AS l"
                      " FROM attempts WHERE batch = 'lat') x")[0]
        shipped = pg.psql("SELECT count(*) FROM attempts")[0][0]
        print(f"machine: {os.cpu_count()} cores, load {open('/proc/loadavg').read().split()[:3]}")
        print(f"line: {a.modules} modules (fota-sim --count, RG50xQ, local method)")
        print(f"without --central: longest tick gap {gap_off} ms, run {t_off:.1f} s")
        print(f"with --central + {a.backlog} backlog attempts x 20 events shipping: longest tick gap"
              f" {gap_on} ms, run {t_on:.1f} s; shipped {shipped} attempts by exit")
        print(f"module duration avg/max: {d_off[0]:.0f}/{d_off[1]} ms off, {d_on[0]:.0f}/{d_on[1]} ms on")
        print(f"ratio (on/off): tick gap {gap_on / max(gap_off, 1):.2f}, module avg duration"
              f" {d_on[0] / d_off[0]:.2f}, run time {t_on / t_off:.2f} (run time includes the"
              f" exit drain of up to 5 s)")
        print(f"shipping lag of the live attempts (n={lag[2]}): p50 {lag[0]} s, p99 {lag[1]} s")
    finally:
        c.close()
        pg.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
