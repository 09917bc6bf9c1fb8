#!/usr/bin/python3
"""Central PostgreSQL: real fota-station processes against fota-sim lines, shipping
to a real PostgreSQL that each case starts (pgserver.py: initdb + pg_ctl on a
free port on 127.0.0.1, as the postgres user when run as root).

Cases: three_stations (three lines ship to one server; the central rows,
transcripts and runs equal the three SQLite files; report --central prints each
station's run header as its own report does; a schema-2 server migrates in
place and a file without runs still ships), outage (the server is stopped for 20 s
while modules finish: the line does not pause, every row arrives once),
sigkill (station and shipper SIGKILLed while shipping a backlog; the restart
ships the rest, no duplicates), password (the DSN's password is in no output,
log, transcript or database, nor in error messages of either DSN form).
Usage: central_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import station_it as it  # noqa: E402
from station_it import (FAMILIES, SCEN_SPEED, Fail, check, job_yaml,  # noqa: E402
                        luhn_imei, scenario_yaml, slot_name)
import pgserver  # noqa: E402

ARGS = None
COLS = ("batch, operator, slot, port, imei, model, family, from_version, to_version, final_version,"
        " method, package_names, package_sha256, started_at, finished_at, result, noop,"
        " error_class, error_code, error_text, module_retries, hops, download_ms, update_ms,"
        " duration_ms, last_heard_at, queued_ms, power_cycles")
RUN_COLS = "started_at, batch, operator, job_name, job_path, job_sha256, software_version, packages"


# ---- helpers -------------------------------------------------------------------

def rg_package(c):
    fam = FAMILIES["RG50xQ"]
    path, _ = c.mkpkg("RG50xQ", fam["rev"], fam["to"], "a06-a07.zip")
    return fam, path


def station_job(c, fam, path, station, name="central", tag="", **timeouts):
    return c.write(f"job-{station}{tag}.yaml", job_yaml(
        name, [dict(family="RG50xQ", to=fam["to"], method="local",
                    packages=[{"from": fam["rev"], "to": fam["to"], "file": path}])],
        timeouts={"reboot": 10, "total": 60, **timeouts}, station=station))


def line(c, tag, imeis, faults=None, revisions=None):
    """A fota-sim line of RG50xQ modules in its own ports folder (revisions: index ->
    the revision that module reports)."""
    mods = [{"family": "RG50xQ", "slot": slot_name(i), "imei": m} for i, m in enumerate(imeis)]
    for i, f in (faults or {}).items():
        mods[i]["faults"] = f
    for i, rev in (revisions or {}).items():
        mods[i]["revision"] = rev
    scen = c.write(f"scen-{tag}.yaml", scenario_yaml(mods))
    ports = os.path.join(c.dir, f"ports-{tag}")
    return c.sim("--scenario", scen, expect_links=len(imeis), ports=ports, log=f"sim-{tag}.log",
                 speed=SCEN_SPEED), ports


def run_cmd(c, job, db, ports, *extra):
    return [ARGS.station, "run", "--job", job, "--db", db, "--ports", ports, "--profiles",
            os.path.join(ARGS.source, "profiles"), "--no-dashboard", *extra]


def start(c, cmd, log):
    out = open(os.path.join(c.dir, log), "w")
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    c.procs.append(p)
    return p


def local_rows(db):
    con = sqlite3.connect(db)
    con.text_factory = lambda b: b.decode("utf-8", "replace")
    rows = con.execute(f"SELECT id, {COLS} FROM attempts WHERE result IS NOT NULL ORDER BY id").fetchall()
    ev = con.execute("SELECT e.attempt_id, e.rowid, e.t_ms, e.dir, e.text FROM events e JOIN attempts a"
                     " ON a.id = e.attempt_id WHERE a.result IS NOT NULL ORDER BY e.rowid").fetchall()
    con.close()
    norm = lambda r: [None if v is None else str(v) for v in r]  # noqa: E731
    return [norm(r) for r in rows], [norm(r) for r in ev]


def central_rows(pg, station):
    rows = pg.psql(f"SELECT local_id, {COLS} FROM attempts WHERE station = '{station}' ORDER BY local_id")
    ev = pg.psql(f"SELECT attempt_id, seq, t_ms, dir, text FROM events WHERE station = '{station}'"
                 " ORDER BY seq")
    return rows, ev


def wait_for(what, cond, timeout=30, step=0.2):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise Fail(f"timed out waiting for {what}")


def same_as_file(pg, db, station):
    """The central rows and transcript of a station equal its file, column by column."""
    lr, le = local_rows(db)
    cr, ce = central_rows(pg, station)
    check(len(lr) > 0, f"{station}: the file has finished attempts")
    check(cr == lr, f"{station}: central attempts differ from the file\nfile:    {lr}\ncentral: {cr}")
    check(ce == le, f"{station}: central events differ ({len(ce)} vs {len(le)} lines)")
    return len(lr), len(le)


def same_runs_as_file(pg, db, station):
    """The central runs of a station equal the file's runs table, column by column."""
    con = sqlite3.connect(db)
    lr = [[None if v is None else str(v) for v in r]
          for r in con.execute(f"SELECT id, {RUN_COLS} FROM runs ORDER BY id")]
    con.close()
    cr = pg.psql(f"SELECT local_id, {RUN_COLS} FROM runs WHERE station = '{station}' ORDER BY local_id")
    check(len(lr) > 0 and cr == lr, f"{station}: central runs differ from the file\nfile:    {lr}\ncentral: {cr}")
    return lr


def run_header(text):
    """The traceability header's run block of a text report (from "Runs (" on;
    identical runs are folded into one entry "  N run(s) started …")."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("Runs (")), None)
    if start is None:
        return []
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return lines[start:end]


def runs_in_header(head):
    """How many runs the header's entries cover."""
    return sum(int(m.group(1)) for m in (re.match(r"  (\d+) runs? started ", ln) for ln in head) if m)


def report(*args):
    return subprocess.run([ARGS.station, "report", *args], capture_output=True, text=True)


def count(pg, sql):
    try:
        return int(pg.psql(sql)[0][0])
    except RuntimeError as e:
        if "does not exist" in str(e):
            return 0  # the first shipper has not created the schema yet
        raise


def finish(p, timeout=60):
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        raise Fail("station did not exit")


# ---- cases -----------------------------------------------------------------------

def case_three_stations(c):
    """Three lines, three stations, one server: every finished attempt and its
    transcript arrive, equal to each station's SQLite file; the cross-station
    views count a module once; report --central agrees with the files."""
    pg = pgserver.PgServer()
    c.servers.append(pg.close)
    fam, path = rg_package(c)
    procs = []
    for k in range(3):
        imeis = [luhn_imei(f"3569380356{k}{i:03d}") for i in range(3)]
        faults = {2: {"error": {"phase": "update", "code": 504, "at": 20}}} if k == 0 else None
        _, ports = line(c, f"s{k}", imeis, faults)
        job = station_job(c, fam, path, f"line{k}")
        db = os.path.join(c.dir, f"line{k}.db")
        procs.append((start(c, run_cmd(c, job, db, ports, "--until-idle", "--central", pg.dsn()),
                            f"station{k}.log"), db, f"line{k}"))
    for p, db, name in procs:
        rc = finish(p)
        check(rc in (0, 1), f"{name}: exit {rc}")
    total = 0
    for p, db, name in procs:
        n, e = same_as_file(pg, db, name)
        check(n == 3 and e > 10, f"{name}: 3 attempts with transcripts, got {n}/{e}")
        total += n
    check(count(pg, "SELECT count(*) FROM attempts") == total == 9, "9 rows centrally")
    runs = {name: same_runs_as_file(pg, db, name)[-1] for _, db, name in procs}
    check(count(pg, "SELECT count(*) FROM runs") == 3, "one run per station centrally")
    bs = pg.psql("SELECT modules, pass, fail, stations FROM batch_summary WHERE batch = 'central'")
    check(bs == [["9", "8", "1", "3"]], f"batch_summary across stations: {bs}")
    lr = count(pg, "SELECT count(*) FROM latest_results")
    check(lr == 9, f"latest_results: one row per IMEI: {lr}")
    # Yield per hub centrally is what each station's file says: the same rule in
    # both SQL dialects (central schema 2, station schema 7).
    check(count(pg, "SELECT version FROM fota_schema") == 7, "central schema version 7")
    for p, db, name in procs:
        con = sqlite3.connect(db)
        lh = [[str(i), h] for i, h in con.execute(
            "SELECT id, hub FROM attempts_hub WHERE result IS NOT NULL ORDER BY id")]
        ls = [[h, s, str(n), str(ok)] for h, s, n, ok in con.execute(
            "SELECT hub, slot, attempts, pass FROM slot_summary ORDER BY slot")]
        con.close()
        ch = pg.psql(f"SELECT local_id, hub FROM attempts_hub WHERE station = '{name}' ORDER BY local_id")
        cs = pg.psql(f"SELECT hub, slot, attempts, pass FROM slot_summary WHERE station = '{name}'"
                     " ORDER BY slot COLLATE \"C\"")
        check(ch == lh and any(h for _, h in lh), f"{name}: hubs differ\nfile:    {lh}\ncentral: {ch}")
        check(cs == ls, f"{name}: slot_summary differs\nfile:    {ls}\ncentral: {cs}")
    r = subprocess.run([ARGS.station, "report", "--central", pg.dsn(), "--format", "json"],
                       capture_output=True, text=True)
    check(r.returncode == 0 and '"modules": 9' in r.stdout.replace(" ", "").replace('"modules":9', '"modules": 9'),
          f"report --central: {r.returncode} {r.stdout[:400]} {r.stderr}")
    r = report("--central", pg.dsn(), "--station", "line0")
    check(r.returncode == 0 and "attempts 3:" in r.stdout and "Shipping lag by station" in r.stdout
          and "By hub (worst first)" in r.stdout
          and "line0" in r.stdout and "line1" not in r.stdout.split("Shipping lag")[1],
          f"report --central --station line0: {r.stdout}{r.stderr}")
    check_central_header(pg, procs, runs)
    # Re-shipping changes nothing: the files say what was shipped, the key absorbs the rest.
    r = subprocess.run([ARGS.station, "ship", "--db", procs[0][1], "--central", pg.dsn()],
                       capture_output=True, text=True)
    check(r.returncode == 0 and "shipped 0 attempt(s)" in r.stdout, f"ship again: {r.stdout}{r.stderr}")
    con = sqlite3.connect(procs[1][1])
    con.execute("DELETE FROM central_shipped")  # as if every record of shipping was lost
    con.commit()
    con.close()
    r = subprocess.run([ARGS.station, "ship", "--db", procs[1][1], "--central", pg.dsn()],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"ship after losing the records: {r.stdout}{r.stderr}")
    check(count(pg, "SELECT count(*) FROM attempts") == 9, "no duplicate after re-shipping")
    same_as_file(pg, procs[1][1], "line1")
    check(count(pg, "SELECT count(*) FROM runs") == 3, "no duplicate run after re-shipping")
    older_central_and_file(c, pg, procs)
    hub_rule_in_postgres(pg)


def slot_hub_cases():
    """The one slot -> hub table the C tests read (tests/slot_hub_cases.h), parsed
    here so PostgreSQL is held to the very same rows: [(slot, hub or None)]."""
    import re
    text = open(os.path.join(ARGS.source, "tests", "slot_hub_cases.h")).read()
    usb = re.search(r'#define SH_USB "([^"]*)"', text).group(1)
    body = text[text.index("slot_hub_cases[][2] = {"):]
    body = body[:body.index("};")]
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    cases = []
    tok = r'SH_USB(?:\s*"[^"]*")?|"[^"]*"'
    for a, b in re.findall(r"\{\s*(%s)\s*,\s*(%s|NULL)\s*\}" % (tok, tok), body):
        def val(t):
            if t == "NULL":
                return None
            return (usb if t.startswith("SH_USB") else "") + (t[t.index('"') + 1:-1] if '"' in t else "")
        cases.append((val(a), val(b)))
    return cases


def hub_rule_in_postgres(pg):
    """attempts_hub in PostgreSQL gives every slot of the shared table the hub the
    C rule and the station's SQLite views give it (test_store_hub): a name from
    before slots were grouped, a UART, a renamed link have none."""
    cases = slot_hub_cases()
    check(len(cases) > 30, f"the shared table was read: {len(cases)} rows")
    values = ",".join(f"('hubrule', {i}, '{slot}', '2025-01-01T00:00:00.000Z')"
                      for i, (slot, _) in enumerate(cases))
    pg.psql(f"INSERT INTO attempts (station, local_id, slot, started_at) VALUES {values}")
    got = pg.psql("SELECT local_id, hub FROM attempts_hub WHERE station = 'hubrule' ORDER BY local_id")
    pg.psql("DELETE FROM attempts WHERE station = 'hubrule'")
    bad = [(cases[int(i)][0], h, cases[int(i)][1]) for i, h in got if h != cases[int(i)][1]]
    check(len(got) == len(cases) and not bad, f"PostgreSQL hubs (slot, got, want): {bad}")


def check_central_header(pg, procs, runs):
    """report --central prints each station's run (job sha256, software) as the
    station's own report prints it from its file; --station keeps to one."""
    jobs = {name: hashlib.sha256(open(runs[name][5], "rb").read()).hexdigest()
            for _, _, name in procs}
    version = subprocess.run([ARGS.station, "--version"], capture_output=True,
                             text=True).stdout.strip()
    r = report("--central", pg.dsn())
    head = run_header(r.stdout)
    check(r.returncode == 0 and runs_in_header(head) == 3,
          f"report --central: one run per station in the header:\n{r.stdout[:3000]}{r.stderr}")
    for _, _, name in procs:
        check(runs[name][6] == jobs[name] and jobs[name] in "\n".join(head),
              f"{name}: job sha256 {jobs[name]} in the central header:\n{head}")
    # Runs of the same job file and software fold into one entry; different
    # job files stay apart, each naming the software.
    entries = len([ln for ln in head if re.match(r"  \d+ runs? started ", ln)])
    check(version and entries == len(set(jobs.values())) and
          "\n".join(head).count(version) == entries, f"software '{version}' per entry: {head}")
    for _, db, name in procs:
        local = run_header(report("--db", db).stdout)
        central = run_header(report("--central", pg.dsn(), "--station", name).stdout)
        check(local and central == local,
              f"{name}: central header differs from the file's\nfile:    {local}\ncentral: {central}")
    r = report("--central", pg.dsn(), "--station", "line0", "--format", "json")
    check(r.returncode == 0 and jobs["line0"] in r.stdout and jobs["line1"] not in r.stdout,
          f"json --station line0: {r.stdout[:2000]}")


def older_central_and_file(c, pg, procs):
    """A central database at schema 2 (no runs, queued_ms or report indexes) migrates in place
    when a station ships, gets every run and keeps its rows (queued_ms NULL: not
    measured); a station file from before runs and queued_ms still ships."""
    # attempts_hub (a.*) holds queued_ms since schema 5: the views go with it here,
    # and the step to 5 makes them again; the step to 6 builds the report indexes
    pg.psql("DROP VIEW hub_summary, slot_summary, attempts_hub;"
            " DROP TABLE runs; ALTER TABLE attempts DROP COLUMN queued_ms;"
            " DROP INDEX attempts_module, attempts_fail, attempts_batch_module;"
            " ALTER TABLE attempts DROP COLUMN power_cycles;"
            " UPDATE fota_schema SET version = 2")
    for _, db, name in procs:
        r = subprocess.run([ARGS.station, "ship", "--db", db, "--central", pg.dsn()],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"{name}: ship to a schema-2 database: {r.stdout}{r.stderr}")
    check(count(pg, "SELECT version FROM fota_schema") == 7, "migrated to 7 in place")
    check(count(pg, "SELECT count(*) FROM attempts") == 9, "the attempts stayed")
    check(count(pg, "SELECT count(*) FROM attempts WHERE queued_ms IS NULL") == 9,
          "rows shipped before schema 4 never measured their queue")
    for _, db, name in procs:
        same_runs_as_file(pg, db, name)
    old = os.path.join(c.dir, "schema6.db")
    src = sqlite3.connect(procs[2][1])
    dst = sqlite3.connect(old)
    src.backup(dst)
    src.close()
    dst.executescript("DROP VIEW hub_summary; DROP VIEW slot_summary; DROP VIEW attempts_hub;"
                      "ALTER TABLE attempts DROP COLUMN queued_ms;"
                      "ALTER TABLE attempts DROP COLUMN power_cycles;"
                      "DROP TABLE runs; DROP TABLE port_service; DELETE FROM central_shipped;"
                      "PRAGMA user_version = 6;")
    dst.close()
    r = subprocess.run([ARGS.station, "ship", "--db", old, "--central", pg.dsn()],
                       capture_output=True, text=True)
    check(r.returncode == 0 and "shipped 3 attempt(s)" in r.stdout,
          f"a file without runs ships: {r.stdout}{r.stderr}")
    con = sqlite3.connect(old)
    v = con.execute("PRAGMA user_version").fetchone()[0]
    con.close()
    check(v == 6, f"the older file keeps its version: {v}")
    check(count(pg, "SELECT count(*) FROM attempts") == 9 and
          count(pg, "SELECT count(*) FROM runs") == 3, "no duplicates from the older file")


def case_outage(c):
    """The server stops for 20 s while modules finish: the line goes on (results
    are committed locally at the usual pace), the shipper backs off and retries,
    and after the restart every row arrives exactly once."""
    pg = pgserver.PgServer()
    c.servers.append(pg.close)
    fam, path = rg_package(c)
    job = station_job(c, fam, path, "outage")
    first = [luhn_imei(f"4901542032{i:04d}") for i in range(3)]
    second = [luhn_imei(f"4901542033{i:04d}") for i in range(3)]
    a, ports = line(c, "a", first)
    st = start(c, run_cmd(c, job, c.db, ports, "--central", pg.dsn()), "station.log")
    wait_for("3 rows shipped", lambda: count(pg, "SELECT count(*) FROM attempts") == 3, 60)
    pg.stop()
    t_stop = time.time()
    c.stop(a)
    time.sleep(0.5)
    scen = c.write("scen-b.yaml", scenario_yaml(
        [{"family": "RG50xQ", "slot": slot_name(i), "imei": m} for i, m in enumerate(second)]))
    c.sim("--scenario", scen, expect_links=3, ports=ports, log="sim-b.log", speed=SCEN_SPEED)

    def done_locally():
        try:
            return len([r for r in c.rows() if r["result"]]) >= 6
        except sqlite3.Error:
            return False
    wait_for("the second three finish while the server is down", done_locally, 18)
    t_done = time.time() - t_stop
    check(t_done < 20, f"the line went on during the outage ({t_done:.1f}s)")
    rows = c.rows()
    d1 = max(r["duration_ms"] for r in rows[:3])
    d2 = max(r["duration_ms"] for r in rows[3:])
    check(d2 < d1 * 1.5 + 1500, f"no slow-down while offline: {d1} ms before, {d2} ms during")
    time.sleep(max(0.0, 20 - (time.time() - t_stop)))
    pg.start()
    # The shipper retries with a backoff of at most 10 s.
    wait_for("all 6 rows centrally", lambda: count(pg, "SELECT count(*) FROM attempts") == 6, 25)
    st.send_signal(signal.SIGTERM)
    rc = finish(st, 30)
    check(rc == 0, f"station exit {rc}")
    same_as_file(pg, c.db, "outage")
    with open(os.path.join(c.dir, "station.log")) as f:
        log = f.read()
    check("central: offline since" in log and log.count("central: connected") >= 2,
          f"the line log tells the outage and the reconnection:\n{log}")


def fill_backlog(c, db, n, events):
    """n finished attempts with a transcript each, as an older station left them."""
    con = sqlite3.connect(db)
    con.execute("BEGIN")
    for i in range(n):
        cur = con.execute(
            "INSERT INTO attempts (batch, station, imei, model, started_at, finished_at, result,"
            " last_heard_at, duration_ms) VALUES ('old', 'kill', ?, 'RG500Q-EA', ?, ?, 'PASS', ?, 1000)",
            (luhn_imei(f"35{i:012d}"), f"2025-11-20T08:00:00.{i % 1000:03d}Z",
             "2025-11-20T08:00:01.000Z", "2025-11-20T08:00:01.000Z"))
        con.executemany("INSERT INTO events VALUES (?, ?, 'rx', ?)",
                        [(cur.lastrowid, 1763625600000 + j, f"line {j} \u00e9\t\\ \"q\"") for j in range(events)])
    con.commit()
    con.close()


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return out


def case_sigkill(c):
    """A station and its shipper SIGKILLed while shipping a 20,000-attempt backlog;
    the restarted station ships the rest: nothing missing, nothing twice."""
    pg = pgserver.PgServer()
    c.servers.append(pg.close)
    fam, path = rg_package(c)
    job = station_job(c, fam, path, "kill")
    os.makedirs(os.path.join(c.dir, "empty"))
    # no module there: exit 4 once the settle and probe windows (1 s here) are over
    empty = station_job(c, fam, path, "kill", tag="-empty", probe=1)
    r = subprocess.run(run_cmd(c, empty, c.db, os.path.join(c.dir, "empty"), "--until-idle"),
                       capture_output=True, text=True)
    check(r.returncode == 4, f"empty run creates the file: {r.stdout}{r.stderr}")
    # The central schema made now (shipping the empty file), so that a trigger can
    # slow each central insert by 2 ms: the backlog then takes about 40 s to ship,
    # and "killed mid-way" is a window of seconds, not a race with the poll.
    r = subprocess.run([ARGS.station, "ship", "--db", c.db, "--central", pg.dsn()],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"central schema made: {r.stdout}{r.stderr}")
    pg.psql("CREATE FUNCTION slow_ship() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.002);"
            " RETURN NEW; END $$ LANGUAGE plpgsql;"
            " CREATE TRIGGER slow_ship BEFORE INSERT ON attempts FOR EACH ROW"
            " EXECUTE FUNCTION slow_ship();")
    fill_backlog(c, c.db, 20000, 5)
    imeis = [luhn_imei(f"3539180578{i:04d}") for i in range(2)]
    _, ports = line(c, "k", imeis)
    st = start(c, run_cmd(c, job, c.db, ports, "--central", pg.dsn()), "station1.log")
    # generous: a loaded CI machine with sanitizers takes long to start shipping
    wait_for("shipping under way", lambda: 0 < count(pg, "SELECT count(*) FROM attempts") < 20000, 180, 0.05)
    kids = children(st.pid)
    os.kill(st.pid, signal.SIGKILL)
    for k in kids:
        try:
            os.kill(k, signal.SIGKILL)
        except ProcessLookupError:
            pass
    st.wait()
    part = count(pg, "SELECT count(*) FROM attempts")
    check(part < 20000, f"killed mid-way ({part} shipped)")
    pg.psql("DROP TRIGGER slow_ship ON attempts;")  # the restart ships at full speed
    r = subprocess.run(run_cmd(c, job, c.db, ports, "--until-idle", "--central", pg.dsn()),
                       capture_output=True, text=True, timeout=120)
    with open(os.path.join(c.dir, "station2.log"), "w") as f:
        f.write(r.stdout + r.stderr)
    check(r.returncode in (0, 1), f"restart: {r.returncode} {r.stderr[-2000:]}")
    wait_for("everything shipped", lambda: count(pg, "SELECT count(*) FROM attempts") ==
             len(local_rows(c.db)[0]), 120)
    n, e = same_as_file(pg, c.db, "kill")
    check(n >= 20000 + 2 and e >= 100000, f"{n} attempts, {e} events")
    check(count(pg, "SELECT count(*) FROM (SELECT imei FROM attempts GROUP BY station, local_id"
                    " HAVING count(*) > 1) d") == 0, "no duplicates")


def case_password(c):
    """The DSN's password appears in no output, log, transcript, nor either
    database, and not in the errors of a bad URI or keyword DSN."""
    pg = pgserver.PgServer()
    c.servers.append(pg.close)
    fam, path = rg_package(c)
    job = station_job(c, fam, path, "pw")
    _, ports = line(c, "p", [luhn_imei("86095004123456")])
    logs = os.path.join(c.dir, "logs")
    outs = []
    for form in ("uri", "kv"):
        r = subprocess.run(run_cmd(c, job, c.db, ports, "--until-idle", "--log-dir", logs,
                                   "--central", pg.dsn(form)), capture_output=True, text=True)
        outs.append(r.stdout + r.stderr)
        check("central: connected to fota@127.0.0.1" in r.stdout, f"run --central ({form}): {r.stdout}")
    bad = [pg.dsn("uri").replace(str(pg.port), "1"), pg.dsn("kv").replace(str(pg.port), "1"),
           pg.dsn("uri").replace("fota?", "nosuchdb?"), pg.dsn("kv") + " bogus=1",
           pg.dsn("uri") + "&bogus=1"]
    for d in bad:
        for cmd in (["report", "--central", d], ["ship", "--db", c.db, "--central", d]):
            r = subprocess.run([ARGS.station, *cmd], capture_output=True, text=True)
            outs.append(r.stdout + r.stderr)
            check(r.returncode == 3, f"{cmd[0]} with a bad DSN exits 3: {r.returncode} {r.stderr}")
    r = subprocess.run([ARGS.station, "report", "--central", pg.dsn()], capture_output=True, text=True)
    outs.append(r.stdout + r.stderr)
    pw = pgserver.PASSWORD
    for i, o in enumerate(outs):
        check(pw not in o, f"password in output {i}: {o}")
    check("***" in "".join(outs[2:]) or "failed" in "".join(outs[2:]), "errors were shown")
    for root, _, files in os.walk(c.dir):
        for f in files:
            path = os.path.join(root, f)
            if os.path.islink(path) or not os.path.isfile(path):
                continue  # the ports folder's links lead to the modules' ptys
            with open(path, "rb") as fh:
                check(pw.encode() not in fh.read(), f"password in {path}")
    check(pw not in pg.dump(), "password in the central database")
    check(count(pg, "SELECT count(*) FROM attempts") == 2, "both runs shipped")


def case_rework(c):
    """A rework bench with an empty file and --central: an IMEI that passed on
    line2 and still reports the target is skipped, one that passed on line2 but
    reports the old revision again is flashed (its transcript says why), one that
    failed on line1 is flashed again. With the server
    down, rework_offline decides: refuse (default) holds the modules untouched,
    local decides from the bench's own (empty) history with a warning."""
    pg = pgserver.PgServer()
    c.servers.append(pg.close)
    fam, path = rg_package(c)
    failed, passed = luhn_imei("35209900176148"), luhn_imei("35209900176149")
    rolled = luhn_imei("35209900176151")
    fault = {0: {"error": {"phase": "update", "code": 504, "at": 20}}}
    for k, imeis, f in ((1, [failed], fault), (2, [passed, rolled], None)):
        sim, ports = line(c, f"l{k}", imeis, f)
        job = station_job(c, fam, path, f"line{k}")
        r = subprocess.run(run_cmd(c, job, os.path.join(c.dir, f"line{k}.db"), ports, "--until-idle",
                                   "--central", pg.dsn()), capture_output=True, text=True)
        check(r.returncode == (1 if f else 0), f"line{k}: {r.returncode} {r.stdout[-1500:]}")
        c.stop(sim)
    check(pg.psql("SELECT station, result FROM latest_results ORDER BY station") ==
          [["line1", "FAIL"], ["line2", "PASS"], ["line2", "PASS"]], "history shipped")
    bench = station_job(c, fam, path, "bench")
    _, ports = line(c, "bench", [failed, passed, rolled], revisions={1: fam["to"]})
    db = os.path.join(c.dir, "bench.db")
    r = subprocess.run(run_cmd(c, bench, db, ports, "--until-idle", "--rework", "--central", pg.dsn()),
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"bench: {r.returncode} {r.stdout[-2000:]}")
    got = {x["imei"]: x for x in c.rows(db)}
    check(got[passed]["result"] == "SKIP" and got[passed]["error_text"] == "already passed",
          f"passed on line2: skipped: {got[passed]}")
    check(got[failed]["result"] == "PASS" and got[failed]["final_version"] == fam["to"],
          f"failed on line1: flashed again: {got[failed]}")
    check(got[rolled]["result"] == "PASS" and got[rolled]["from_version"] == fam["rev"]
          and got[rolled]["final_version"] == fam["to"],
          f"passed on line2, back at {fam['rev']}: flashed again: {got[rolled]}")
    con = sqlite3.connect(db)
    why = [t for (t,) in con.execute("SELECT text FROM events WHERE attempt_id=? AND dir='info'",
                                     (got[rolled]["id"],)) if "passed before" in t]
    con.close()
    check(why and fam["rev"] in why[0], f"the bench's transcript says why it was flashed: {why}")

    pg.stop()
    _, ports2 = line(c, "bench2", [luhn_imei("35209900176150")])
    db2 = os.path.join(c.dir, "bench-refuse.db")
    p = start(c, run_cmd(c, bench, db2, ports2, "--until-idle", "--rework", "--central", pg.dsn()),
              "refuse.log")
    time.sleep(8)
    check(p.poll() is None, "refuse: the held module keeps the bench waiting")
    rows = c.rows(db2)
    check(len(rows) == 1 and rows[0]["result"] is None, f"refuse: nothing decided: {rows}")
    p.send_signal(signal.SIGTERM)
    finish(p, 30)
    with open(os.path.join(c.dir, "refuse.log")) as f:
        log = f.read()
    check("central database unreachable for the rework decision" in log, f"refuse log: {log[-1500:]}")
    check(pgserver.PASSWORD not in log, "no password in the log")
    local = c.write("job-local.yaml", open(bench).read() + "rework_offline: local\n")
    db3 = os.path.join(c.dir, "bench-local.db")
    r = subprocess.run(run_cmd(c, local, db3, ports2, "--until-idle", "--rework", "--central", pg.dsn()),
                       capture_output=True, text=True, timeout=60)
    rows = c.rows(db3)
    check(len(rows) == 1 and rows[0]["result"] == "SKIP" and rows[0]["error_text"] == "not in database",
          f"local: the bench's own history decides: {rows} {r.stdout[-1500:]}")
    check("WARNING: central database offline" in r.stdout, f"local: warned: {r.stdout[-1500:]}")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ARGS = it.arg_parser().parse_args()
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
