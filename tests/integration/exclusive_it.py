#!/usr/bin/python3
"""Exclusive use: one station per results file and per ports folder, and ports that
no other tool writes into while a station holds them. The real fota-station against
fota-sim, with uploads slowed down (fota-sim's data rate) so that a second station or
a `probe` lands inside them for seconds, never by luck of timing; then the first
station's rows are read back from its SQLite file.
Usage: exclusive_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
from station_it import check, local_job  # noqa: E402

ARGS = None
# bytes/s at speed 1, times the cases' --speed 400: 60 kB/s, so each module's
# 400 kB upload lasts about 7 s, with every module uploading at once.
SLOW_RATE = "150"


def run_cmd(c, job, *extra, db=None, ports=None):
    return [ARGS.station, "run", "--job", job, "--db", db or c.db, "--ports", ports or c.ports,
            "--profiles", os.path.join(ARGS.source, "profiles"), "--no-dashboard", *extra]


def slow_line(c, n):
    """n modules whose uploads take seconds, the job that upgrades them, and the first
    station started on them in the background (its output in station-a.log)."""
    c.sim("--count", str(n), "--family", "RG50xQ", "--verbose", "--data-rate", SLOW_RATE,
          expect_links=n)
    job = local_job(c, "excl", n_size=400000,
                    limits={"max_parallel": n, "max_transfers": n, "max_per_hub": 0},
                    timeouts={"reboot": 20, "total": 120})
    out = open(os.path.join(c.dir, "station-a.log"), "w")
    a = subprocess.Popen(run_cmd(c, job, "--until-idle"), stdout=out, stderr=subprocess.STDOUT)
    c.procs.append(a)
    end = time.time() + 60
    while time.time() < end and c.uploads_started() < n and a.poll() is None:
        time.sleep(0.1)
    check(c.uploads_started() >= n, f"{n} uploads under way (station exit {a.poll()})")
    return job, a


def finish(c, a, n):
    """The first station ends by itself and every one of its modules passed, in its
    database."""
    try:
        a.wait(150)
    except subprocess.TimeoutExpired:
        raise it.Fail("the first station did not finish")
    with open(os.path.join(c.dir, "station-a.log")) as f:
        log = f.read()
    rows = c.rows()
    check(a.returncode == 0, f"first station exit {a.returncode}:\n{log[-2000:]}")
    check(len(rows) == n and all(r["result"] == "PASS" for r in rows),
          f"{n} PASS rows: {[(r['slot'], r['result'], r['error_text']) for r in rows]}")


def second(c, cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    with open(os.path.join(c.dir, "station-b.log"), "w") as f:
        f.write(f"$ {' '.join(cmd)}\n{r.stdout}{r.stderr}rc={r.returncode}\n")
    return r


def case_two_stations_one_db(c):
    """A second station on the same results file (its own, empty ports folder) is
    refused before it touches the file: exit 2, naming the first station's pid. The
    first station's running attempts are not closed as INTERRUPTED under it: all its
    rows end PASS in the database."""
    job, a = slow_line(c, 3)
    other = os.path.join(c.dir, "other-ports")
    os.makedirs(other)
    r = second(c, run_cmd(c, job, "--until-idle", ports=other))
    check(r.returncode == 2, f"second station exit {r.returncode}, expected 2:\n{r.stderr}")
    check(f"is used by fota-station pid {a.pid}" in r.stderr and c.db in r.stderr,
          f"names the results file and the holder: {r.stderr!r}")
    check("INTERRUPTED" not in r.stdout, f"no recovery ran: {r.stdout}")
    finish(c, a, 3)


def case_two_stations_one_ports(c):
    """A second station on the same ports folder, named by another path (a symlink to
    it), with a results file of its own, is refused: exit 2, naming the first
    station's pid; the first station's modules all PASS."""
    job, a = slow_line(c, 3)
    link = os.path.join(c.dir, "ports-link")
    os.symlink(c.ports, link)
    db2 = os.path.join(c.dir, "second.db")
    r = second(c, run_cmd(c, job, "--until-idle", db=db2, ports=link + "/"))
    check(r.returncode == 2, f"second station exit {r.returncode}, expected 2:\n{r.stderr}")
    check(f"ports folder {link}/ is used by fota-station pid {a.pid}" in r.stderr,
          f"names the ports folder and the holder: {r.stderr!r}")
    check(not os.path.exists(db2) or not c.rows(db2), "the second station recorded nothing")
    finish(c, a, 3)


def case_probe_during_upload(c):
    """`probe` while a station uploads to 6 modules: it writes nothing to their
    ports, lists each module as held by the station's pid (JSON and table), exits 0;
    all 6 modules PASS."""
    job, a = slow_line(c, 6)
    probe = [ARGS.station, "probe", "--ports", c.ports, "--profiles",
             os.path.join(ARGS.source, "profiles")]
    r = second(c, probe + ["--json"])
    check(r.returncode == 0, f"probe --json exit {r.returncode}: {r.stderr}")
    mods = json.loads(r.stdout)
    check(len(mods) == 6, f"a row per module: {r.stdout}")
    for m in mods:
        h = m.get("held_by") or {}
        check(h.get("pid") == a.pid and h.get("program") == "fota-station" and
              f"held by fota-station pid {a.pid}" in m["note"], f"held by the station: {m}")
    check(c.uploads_started() >= 6, "still uploading after the probe")
    t = second(c, probe)
    check(t.returncode == 0, f"probe exit {t.returncode}: {t.stderr}")
    lines = [ln for ln in t.stdout.splitlines()[1:] if ln.strip()]
    check(len(lines) == 6 and all(f"held by fota-station pid {a.pid}" in ln for ln in lines),
          f"a row per module naming the holder:\n{t.stdout}")
    finish(c, a, 6)


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
