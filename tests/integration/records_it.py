#!/usr/bin/python3
"""What the station shows is what the results file holds: the real fota-station
against fota-sim and the real SQLite file. A verdict whose row another writer
closed is NOT RECORDED (exit 3); the yields on the dashboard, in the exit line
and in `report` agree after a restart of the batch; an INTERRUPTED row has no
final_version; another program's database is refused untouched; batch and
operator names are refused beyond what a row holds, and one at the limit is
found again by `report --batch`.
Usage: records_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
from station_it import (Case, Fail, check, scenario_yaml, slot_name, local_job,  # noqa: E402
                        run_on_pty, SCEN_SPEED, SCEN_TIMING, FAMILIES)

ARGS = None
# A slow module store: a 200 kB package takes about 5 s to upload at speed 10, a
# window of seconds in which the test acts on the running rows.
SLOW_UPLOAD = dict(SCEN_TIMING, data_rate=4000)
PKG_SIZE = 200000


def run_cmd(c, job, *extra, db=None):
    return [ARGS.station, "run", "--job", job, "--db", db or c.db, "--ports", c.ports,
            "--profiles", os.path.join(ARGS.source, "profiles"), *extra]


def slow_line(c, n):
    """n RG50xQ modules whose uploads take seconds (fota-sim --verbose logs them)."""
    mods = [{"family": "RG50xQ", "slot": slot_name(i), "timing": SLOW_UPLOAD} for i in range(n)]
    c.sim("--scenario", c.write("scen.yaml", scenario_yaml(mods)), "--verbose",
          expect_links=n, speed=SCEN_SPEED)


def wait_for(what, cond, timeout=40, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise Fail(f"timed out waiting for {what}")


def uploading(c, n):
    """Every one of the n modules is inside its upload and its row names it."""
    rows = c.rows_now()
    return (c.uploads_started() >= n and len(rows) == n and
            all(r["imei"] and r["result"] is None for r in rows))


def report_json(c, batch):
    r = subprocess.run([ARGS.station, "report", "--db", c.db, "--batch", batch, "--format", "json"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"report exit {r.returncode}: {r.stderr}")
    return json.loads(r.stdout)


def strip_ansi(s):
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", s)


# ---- cases -------------------------------------------------------------------

def case_not_recorded(c):
    """Another writer (a plain sqlite3 connection, as an MES tool or a second
    station would) closes the running rows while the modules upload: the station's
    final write changes no row. Its verdicts are said NOT RECORDED on stdout and
    stderr, are not counted as passes in the exit line, and the exit code is 3; the
    other writer's results stay in the file."""
    job = local_job(c, "closed-under", n_size=PKG_SIZE, timeouts={"reboot": 10, "total": 90})
    slow_line(c, 2)
    out = open(os.path.join(c.dir, "station.log"), "w+")
    err = open(os.path.join(c.dir, "station.err"), "w+")
    st = subprocess.Popen(run_cmd(c, job, "--until-idle", "--no-dashboard"), stdout=out, stderr=err)
    c.procs.append(st)
    wait_for("both modules uploading with their rows written", lambda: uploading(c, 2))
    con = sqlite3.connect(c.db, timeout=10)
    n = con.execute("UPDATE attempts SET result = 'FAIL', finished_at = started_at,"
                    " error_class = 'internal', error_text = 'closed by the MES'"
                    " WHERE result IS NULL").rowcount
    con.commit()
    con.close()
    check(n == 2, f"the test closed both running rows: {n}")
    try:
        rc = st.wait(90)
    except subprocess.TimeoutExpired:
        raise Fail("station did not exit")
    out.seek(0)
    err.seek(0)
    stdout, stderr = out.read(), err.read()
    check(rc == 3, f"exit 3 for verdicts the database never took, got {rc}\n{stdout}\n{stderr}")
    rows = c.rows()
    check([r["result"] for r in rows] == ["FAIL", "FAIL"] and
          all(r["error_text"] == "closed by the MES" for r in rows),
          f"the other writer's results stay: {rows}")
    for r in rows:
        check(re.search(rf"NOT RECORDED in the database: {r['imei']} PASS", stdout),
              f"line log names {r['imei']}:\n{stdout}")
        check(re.search(rf"NOT RECORDED in the database: slot \S+ IMEI {r['imei']} result PASS",
                        stderr), f"stderr names {r['imei']}:\n{stderr}")
    check("already closed as FAIL by another writer" in stderr, f"the reason: {stderr}")
    done = [l for l in stdout.splitlines() if " done: " in l]
    check(done and "pass 0," in done[-1] and "NOT RECORDED 2" in done[-1],
          f"the exit line counts no pass: {done}")
    check(not re.search(r": PASS \S+ \((from|already) ", stdout), f"no verdict shown as recorded:\n{stdout}")


def yields_of(text, what):
    m = re.search(r"first-pass yield (\d+\.\d)% \((\d+)/(\d+)\)", text)
    check(m, f"{what}: no first-pass yield in {text!r}")
    f = re.search(r"final(?: yield)? (\d+\.\d)%", text)
    check(f, f"{what}: no final yield in {text!r}")
    return dict(first=float(m.group(1)), first_pass=int(m.group(2)), modules=int(m.group(3)),
                final=float(f.group(1)))


def case_yield_after_restart(c):
    """A batch stopped mid-upload (SIGTERM: both rows INTERRUPTED, with no
    final_version, since nothing was read back) and run again under the same batch:
    the last dashboard frame, the exit line, `report --batch --format json` and the
    view batch_summary give the same first-pass yield (0 of 2: each module's first verdict was INTERRUPTED)
    and final yield (2 of 2)."""
    job = local_job(c, "restarted", n_size=PKG_SIZE, timeouts={"reboot": 10, "total": 90})
    slow_line(c, 2)
    st = subprocess.Popen(run_cmd(c, job, "--no-dashboard"), stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    c.procs.append(st)
    wait_for("both modules uploading with their rows written", lambda: uploading(c, 2))
    st.send_signal(signal.SIGTERM)
    check(st.wait(30) == 1, f"stopped: exit 1, got {st.returncode}")
    first = c.rows()
    check([r["result"] for r in first] == ["INTERRUPTED"] * 2, f"{first}")
    check(all(r["final_version"] is None for r in first),
          f"INTERRUPTED rows carry no final_version that was never read back: {first}")

    rc, text = run_on_pty(run_cmd(c, job, "--until-idle"), lambda t, w: None, timeout=120,
                          save=os.path.join(c.dir, "dashboard.out"))
    check(rc == 0, f"the restart passes both: exit 0, got {rc}")
    rows = c.rows()
    check([r["result"] for r in rows[2:]] == ["PASS"] * 2 and
          all(r["final_version"] == FAMILIES["RG50xQ"]["to"] for r in rows[2:]), f"{rows}")
    frames = [strip_ansi(f) for f in text.split("\x1b[H")]
    frame = [f for f in frames if "FOTA  pass" in f][-1]
    header = [l for l in frame.splitlines() if l.startswith("FOTA  pass")][0]
    done = [l for l in strip_ansi(text).splitlines() if " done: " in l]
    check(done, f"exit line: {text[-400:]!r}")
    dash, exit_line = yields_of(header, "dashboard"), yields_of(done[-1], "exit line")
    tot = report_json(c, "restarted")["totals"]
    rep = dict(first=round(100 * tot["first_pass_yield"], 1), first_pass=tot["first_pass"],
               modules=tot["modules"], final=round(100 * tot["final_yield"], 1))
    check(dash == exit_line == rep, f"one yield: dashboard {dash}, exit line {exit_line}, "
                                    f"report {rep}")
    check(rep == dict(first=0.0, first_pass=0, modules=2, final=100.0), f"the figures: {rep}")
    con = sqlite3.connect(c.db)
    view = con.execute("SELECT modules, first_pass_yield, final_yield FROM batch_summary"
                       " WHERE batch = 'restarted'").fetchone()
    con.close()
    check(view == (2, 0.0, 1.0), f"batch_summary says the same: {view}")


def case_foreign_db(c):
    """Another program's SQLite file given as --db: refused with exit 3 and the
    reason, left byte for byte and mtime as it was, no -wal or -shm beside it; an
    empty file is taken and initialised."""
    os.makedirs(c.ports)
    job = local_job(c, "foreign")
    db = os.path.join(c.dir, "mes.db")
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE parts (pn TEXT, qty INTEGER)")
    con.execute("INSERT INTO parts VALUES ('A-1', 3)")
    con.commit()
    con.close()
    before = open(db, "rb").read()
    mtime = os.stat(db).st_mtime_ns
    time.sleep(0.05)
    r = c.station(job, "--until-idle", "--no-dashboard", db=db)
    check(r.returncode == 3, f"exit 3, got {r.returncode}\n{r.stderr}")
    check("not a FOTA results database" in r.stderr and "left as it is" in r.stderr,
          f"the reason in words: {r.stderr}")
    check(open(db, "rb").read() == before and os.stat(db).st_mtime_ns == mtime,
          "the file is byte for byte as it was")
    check(not os.path.exists(db + "-wal") and not os.path.exists(db + "-shm"), "no -wal/-shm left")
    empty = os.path.join(c.dir, "empty.db")
    open(empty, "w").close()
    sim = c.sim("--count", "1", "--family", "RG50xQ", expect_links=1)
    fam = FAMILIES["RG50xQ"]
    noop = c.write("noop.yaml", it.job_yaml("foreign", [dict(family="RG50xQ", to=fam["rev"],
                                                           method="url", url="http://127.0.0.1:9/x")]))
    c.station(noop, "--until-idle", "--no-dashboard", db=empty, check_rc=0)
    c.stop(sim)
    check(len(c.rows(db=empty)) == 1, "an empty file is initialised and used")


def case_damaged_db(c):
    """A results file with a damaged page (garbage written over the events table's
    b-tree page of a file the station made: start and crash recovery never read it,
    the first transcript written would fail) is refused at start: exit 3, PRAGMA
    quick_check's finding in words, the main file byte for byte as it was. The
    good copy of the same file still starts."""
    sim = c.sim("--count", "2", "--family", "RG50xQ", expect_links=2)
    fam = FAMILIES["RG50xQ"]
    noop = c.write("noop.yaml", it.job_yaml("damaged", [dict(family="RG50xQ", to=fam["rev"],
                                                           method="url", url="http://127.0.0.1:9/x")]))
    c.station(noop, "--until-idle", "--no-dashboard", check_rc=0)
    c.stop(sim)
    check(len(c.rows()) == 2, f"a real results file: {c.rows()}")
    good = os.path.join(c.dir, "good.db")
    with open(c.db, "rb") as f, open(good, "wb") as g:
        g.write(f.read())
    con = sqlite3.connect(c.db)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name='events'").fetchone()[0]
    con.close()
    check(root > 1, f"the events table has a page of its own: {root}")
    with open(c.db, "r+b") as f:  # a page header and cell pointers SQLite cannot read
        f.seek((root - 1) * page_size)
        f.write(b"\xee" * 64)
    before = open(c.db, "rb").read()
    mtime = os.stat(c.db).st_mtime_ns
    time.sleep(0.05)
    r = c.station(noop, "--until-idle", "--no-dashboard", check_rc=3)
    check(f"database {c.db}: the file is damaged (quick_check: " in r.stderr and
          "restore it from a backup or start a new file; not starting" in r.stderr,
          f"the reason in words: {r.stderr}")
    check(open(c.db, "rb").read() == before and os.stat(c.db).st_mtime_ns == mtime,
          "the damaged file is byte for byte as it was")
    r = c.station(local_job(c, "good", timeouts={"probe": 1}), "--until-idle", "--no-dashboard",
                  db=good, check_rc=4)  # started, found no module: the check passed
    check("damaged" not in r.stderr and "no module seen" in r.stdout + r.stderr,
          f"the good copy starts: {r.stdout}{r.stderr}")


def case_name_limits(c):
    """--batch beyond 127 bytes, --operator beyond 63 and a job name beyond 127 are
    refused with exit 2 naming the limit (the job's name at file:line:column),
    before any database is made; a batch of exactly 127 bytes and an operator of 63
    are recorded whole and `report --batch` finds the batch."""
    os.makedirs(c.ports)
    fam = FAMILIES["RG50xQ"]
    target = [dict(family="RG50xQ", to=fam["rev"], method="url", url="http://127.0.0.1:9/x.bin")]
    job = c.write("job.yaml", it.job_yaml("limits", target))
    r = c.station(job, "--until-idle", "--no-dashboard", "--batch", "B" * 128, check_rc=2)
    check("--batch is 128 bytes long, at most 127" in r.stderr, r.stderr)
    r = c.station(job, "--until-idle", "--no-dashboard", "--operator", "o" * 64, check_rc=2)
    check("--operator is 64 bytes long, at most 63" in r.stderr, r.stderr)
    long_job = c.write("long.yaml", it.job_yaml("L" * 128, target))
    r = c.station(long_job, "--until-idle", "--no-dashboard", check_rc=2)
    check(f"{long_job}:1:7: name: 128 bytes, at most 127" in r.stderr, r.stderr)
    check(not os.path.exists(c.db), "nothing written for a refused start")

    batch, op = "b" * 119 + "-2026-12", "o" * 63
    check(len(batch.encode()) == 127, "a batch at the limit")
    c.sim("--count", "2", "--family", "RG50xQ", expect_links=2)
    c.station(job, "--until-idle", "--no-dashboard", "--batch", batch, "--operator", op,
              check_rc=0)
    rows = c.rows()
    check(len(rows) == 2 and all(x["batch"] == batch and x["operator"] == op for x in rows),
          f"stored whole: {[(x['batch'], x['operator']) for x in rows]}")
    con = sqlite3.connect(c.db)
    runs = con.execute("SELECT batch, operator FROM runs").fetchall()
    con.close()
    check(runs == [(batch, op)], f"the run's record agrees: {runs}")
    tot = report_json(c, batch)["totals"]
    check(tot["attempts"] == 2 and tot["modules"] == 2 and tot["final_pass"] == 2,
          f"report --batch finds the batch: {tot}")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
