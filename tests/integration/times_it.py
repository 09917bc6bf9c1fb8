#!/usr/bin/python3
"""One truth on an untidy line: times that are the module's own, verdicts that do
not wait behind other modules, and a line with no module that does not say "all
passed". The real fota-station against fota-sim over real ptys; every figure is
read back from the SQLite file the station wrote.
Usage: times_it.py --station BIN --sim BIN --source DIR --work DIR CASE...
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import station_it as it  # noqa: E402
from station_it import (FAMILIES, SCEN_SPEED, SCEN_TIMING, check, job_yaml,  # noqa: E402
                        local_job, luhn_imei, slot_name)

ARGS = None


def iso_ms(t):
    """ISO 8601 UTC text with milliseconds (the database's times) -> epoch ms."""
    from datetime import datetime, timezone
    d = datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return int(d.timestamp() * 1000 + 0.5)


def scenario(c, name, mods):
    import yaml
    return c.write(name, yaml.safe_dump({"defaults": {"timing": SCEN_TIMING}, "modules": mods}))


def start_station(c, job, *extra, ports=None, env=None):
    """A station in the background, its output in station.log (read with log())."""
    out = open(os.path.join(c.dir, "station.log"), "w")
    st = subprocess.Popen([ARGS.station, "run", "--job", job, "--db", c.db,
                           "--ports", ports or c.ports,
                           "--profiles", os.path.join(ARGS.source, "profiles"), "--no-dashboard",
                           *extra], stdout=out, stderr=subprocess.STDOUT, env=env)
    c.procs.append(st)
    return st


def log(c):
    with open(os.path.join(c.dir, "station.log"), errors="replace") as f:
        return f.read()


def wait_for(what, cond, timeout=60):
    """Waits for an event (a line in the log, a row in the file), never for a window."""
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.2)
    raise it.Fail(f"timed out waiting for {what}")


def row_of(c, slot):
    rows = [r for r in c.rows_now() if r["slot"] == slot]
    return rows[-1] if rows else None


def case_queued_not_in_duration(c):
    """--max-parallel 1 with three modules found at once: each later one waits in
    the queue for the earlier ones. Its queued_ms holds that wait (about the time
    the earlier ones took), its duration_ms is its own upgrade only (about
    finished_at - started_at), and its started_at is when its upgrade began, after
    the earlier one finished."""
    fam = FAMILIES["RG50xQ"]
    path, _ = c.mkpkg("RG50xQ", fam["rev"], fam["to"], "a06-a07.zip")
    # an update of 4 s each (40 s at speed 10): the queue is long beside identification
    timing = dict(SCEN_TIMING, update_s=40)
    mods = [{"family": "RG50xQ", "slot": slot_name(i), "timing": timing} for i in range(3)]
    c.sim("--scenario", scenario(c, "scen.yaml", mods), expect_links=3, speed=SCEN_SPEED)
    job = c.write("job.yaml", job_yaml("queued", [dict(family="RG50xQ", to=fam["to"], method="local",
                                                       packages=[{"from": fam["rev"], "to": fam["to"],
                                                                  "file": path}])],
                                       timeouts={"reboot": 10, "total": 120}))
    c.station(job, "--until-idle", "--max-parallel", "1", check_rc=0)
    rows = sorted(c.rows(), key=lambda r: r["started_at"])
    check(len(rows) == 3 and all(r["result"] == "PASS" for r in rows), f"3 PASS: {rows}")
    for prev, r in zip(rows, rows[1:]):
        check(r["started_at"] >= prev["finished_at"],
              f"started after the earlier one finished: {prev['finished_at']} / {r['started_at']}")
    for r in rows:
        check(r.get("queued_ms") is not None and r["queued_ms"] >= 0, f"queued_ms recorded: {r}")
        own = iso_ms(r["finished_at"]) - iso_ms(r["started_at"])
        # the module's own time: from its start to its end, plus its identification
        # before the queue (well under a second on a pty)
        check(own - 500 <= r["duration_ms"] <= own + 2000,
              f"duration_ms {r['duration_ms']} is the upgrade's own ({own} ms start to end): {r}")
        check(r["duration_ms"] >= 3500, f"an upgrade of at least the 4 s update: {r}")
    took = 0
    for k, r in enumerate(rows):
        if k:
            check(r["queued_ms"] >= took - 1000,
                  f"module {k} waited at least what the earlier ones took ({took} ms): {r}")
            check(r["queued_ms"] <= took + 3000 * k,
                  f"module {k} waited about what the earlier ones took ({took} ms): {r}")
        took += rows[k]["duration_ms"]
    # found at the same time: start less queue is the same moment for all three
    found = [iso_ms(r["started_at"]) - r["queued_ms"] for r in rows]
    check(max(found) - min(found) < 3000, f"start - queued_ms is when each was identified: {found}")
    check(rows[0]["queued_ms"] < 3000, f"the first one hardly waited: {rows[0]}")
    # the report's durations are the upgrades' own: none near the queue's length
    r = subprocess.run([ARGS.station, "report", "--db", c.db, "--format", "json"],
                       capture_output=True, text=True)
    import json
    rep = json.loads(r.stdout)
    check(r.returncode == 0, f"report: {r.stderr}")
    total = rep["durations_ms"]["total"]
    own = [iso_ms(x["finished_at"]) - iso_ms(x["started_at"]) for x in rows]
    check(total["n"] == 3 and total["p95"] <= max(own) + 2000,
          f"the report's p95 is an upgrade's own time (<= {max(own)} ms + identification): "
          f"{rep['durations_ms']}")


def case_verdict_at_identification(c):
    """A module of an unknown model, and one with no package chain from its
    revision (three fota-sim processes, one module each, own IMEIs), get their FAIL
    at identification: while --max-parallel 1 is taken by
    another module's upgrade (held in the update by a stall) and while the line is
    paused (stop_after_same_failures: 1), before the running one finishes, with
    nothing queued."""
    fam = FAMILIES["RG50xQ"]
    path, _ = c.mkpkg("RG50xQ", fam["rev"], fam["to"], "a06-a07.zip")
    job = c.write("job.yaml", job_yaml("ident", [dict(family="RG50xQ", to=fam["to"], method="local",
                                                      packages=[{"from": fam["rev"], "to": fam["to"],
                                                                 "file": path}])],
                                       limits={"stop_after_same_failures": 1},
                                       timeouts={"reboot": 10, "stall": 900, "total": 1800}))
    held, unknown, nochain = slot_name(0), slot_name(1), slot_name(2)
    c.sim("--scenario", scenario(c, "held.yaml", [
        {"family": "RG50xQ", "slot": held, "imei": luhn_imei("86403205100001"),
         "faults": {"stall": {"phase": "update", "at": 30}}}]),
        expect_links=1, speed=SCEN_SPEED, log="sim-held.log")
    st = start_station(c, job, "--max-parallel", "1")
    held_slot = it.hub_port(held)
    wait_for("the held module's upgrade", lambda: f"{held_slot}: upgrading" in log(c))
    c.sim("--scenario", scenario(c, "unknown.yaml", [
        {"family": "RG50xQ", "slot": unknown, "imei": luhn_imei("86403205100002"),
         "model": "XQ900Z-ZZ"}]),
        expect_links=2, speed=SCEN_SPEED, log="sim-unknown.log")
    unknown_slot = it.hub_port(unknown)
    wait_for("the unknown model's FAIL row",
             lambda: (row_of(c, unknown_slot) or {}).get("result") == "FAIL")
    wait_for("the pause", lambda: "PAUSED" in log(c))
    c.sim("--scenario", scenario(c, "nochain.yaml", [
        {"family": "RG50xQ", "slot": nochain, "imei": luhn_imei("86403205100003"),
         "revision": "RG500QEAAAR11A03M4G"}]),
        expect_links=3, speed=SCEN_SPEED, log="sim-nochain.log")
    nochain_slot = it.hub_port(nochain)
    wait_for("the no-package FAIL row",
             lambda: (row_of(c, nochain_slot) or {}).get("result") == "FAIL")
    running = row_of(c, held_slot)
    check(running and running["result"] is None, f"the held upgrade still runs: {running}")
    u, n = row_of(c, unknown_slot), row_of(c, nochain_slot)
    check(u["error_class"] == "unknown_model" and "XQ900Z-ZZ" in u["error_text"], f"{u}")
    check(n["error_class"] == "no_package" and "RG500QEAAAR11A03M4G" in n["error_text"], f"{n}")
    for r in (u, n):
        check(r["queued_ms"] == 0, f"never queued: {r}")
    text = log(c)
    check(f"{unknown_slot}: upgrading" not in text and f"{nochain_slot}: upgrading" not in text,
          f"neither took a place in the line:\n{text}")
    check(text.index("PAUSED") < text.index(f"{nochain_slot}: FAIL"),
          f"the no-package verdict came while paused:\n{text}")
    st.send_signal(signal.SIGTERM)
    check(st.wait(30) == 1, "a failed module: exit 1")
    check(row_of(c, held_slot)["result"] == "INTERRUPTED", f"{row_of(c, held_slot)}")


def case_no_module_seen(c):
    """--until-idle on an empty ports folder is not "all passed": it waits the
    settle and probe windows for a first module (a hub powered after the station),
    then exits 4 saying no module was seen, and records nothing."""
    os.makedirs(c.ports)
    job = local_job(c, "empty", timeouts={"probe": 2})
    r = c.station(job, "--until-idle", check_rc=4)
    check(f"no module seen in {c.ports}" in r.stdout + r.stderr, f"said in words:\n{r.stdout}")
    check(c.elapsed >= 2.3, f"waited the 0.3 s settle + 2 s probe windows first ({c.elapsed:.1f} s)")
    check(c.rows() == [], "nothing recorded")


def case_ports_folder_appears(c):
    """A ports folder that does not exist yet (udev makes /dev/serial/by-path with the
    first USB serial device) is waited for, with a line saying so, not exit 3; when
    it appears, two levels and a folder later, its modules are upgraded as usual."""
    base = os.path.join(c.dir, "dev")
    ports = os.path.join(base, "serial", "by-path")
    job = local_job(c, "appears", timeouts={"reboot": 10, "total": 60})
    st = start_station(c, job, "--until-idle", ports=ports)
    wait_for("the waiting line", lambda: f"waiting for {ports} to appear" in log(c))
    check(st.poll() is None, f"still running while the folder is missing:\n{log(c)}")
    os.makedirs(os.path.join(base, "serial"))
    c.sim("--count", "2", "--family", "RG50xQ", expect_links=2, ports=ports)
    check(st.wait(120) == 0, f"exit 0:\n{log(c)}")
    check(f"ports directory {ports} appeared" in log(c), log(c))
    rows = c.rows()
    check(len(rows) == 2 and all(r["result"] == "PASS" and r["noop"] == 0 for r in rows),
          f"two upgraded: {rows}")


def case_wall_clock_step(c):
    """A station started before NTP synced: its wall clock steps +24 h while it runs.
    Module 1 upgraded with the clock as it was; the clock steps; module 2, swapped
    into the same slot later, is dated 24 h later (started_at, finished_at, its
    events, its transcript file's name, the line log), while both duration_ms stay
    the few seconds each upgrade took. The station runs under an LD_PRELOAD shim
    that adds the offset in a file (the test's to write) to CLOCK_REALTIME,
    gettimeofday and time(); its monotonic clock is untouched, as with NTP."""
    day_ms = 86400 * 1000
    offset = c.write("clock-offset", "0")
    fam = FAMILIES["RG50xQ"]
    path, _ = c.mkpkg("RG50xQ", fam["rev"], fam["to"], "a06-a07.zip")
    job = c.write("job.yaml", job_yaml("step", [dict(family="RG50xQ", to=fam["to"], method="local",
                                                     packages=[{"from": fam["rev"], "to": fam["to"],
                                                                "file": path}])],
                                       timeouts={"reboot": 10, "total": 120}))
    slot = slot_name(0)
    imeis = [luhn_imei("35693803564390"), luhn_imei("35693803564391")]
    env = dict(os.environ, FOTA_TEST_CLOCK_OFFSET_FILE=offset,
               LD_PRELOAD=" ".join(filter(None, [ARGS.clock_shift, os.environ.get("LD_PRELOAD")])),
               # a sanitized station: the shim is preloaded ahead of the ASan runtime
               ASAN_OPTIONS=":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                   "verify_asan_link_order=0"])))
    logs = os.path.join(c.dir, "translog")
    os.makedirs(logs)
    st = start_station(c, job, "--expect", "2", "--log-dir", logs, env=env)
    sim1 = c.sim("--scenario", scenario(c, "one.yaml", [{"family": "RG50xQ", "slot": slot,
                                                         "imei": imeis[0]}]),
                 expect_links=1, speed=SCEN_SPEED, log="sim-1.log")
    wait_for("module 1's verdict", lambda: (row_of(c, it.hub_port(slot)) or {}).get("result"))
    c.stop(sim1)                                  # the operator pulls module 1
    wait_for("module 1 removed", lambda: not os.listdir(c.ports))
    c.write("clock-offset", str(86400))           # NTP steps the clock a day forward
    c.sim("--scenario", scenario(c, "two.yaml", [{"family": "RG50xQ", "slot": slot,
                                                  "imei": imeis[1]}]),
          expect_links=1, speed=SCEN_SPEED, log="sim-2.log")
    try:
        rc = st.wait(120)
    except subprocess.TimeoutExpired:
        raise it.Fail(f"--expect 2 did not end the run:\n{log(c)}")
    check(rc == 0, f"both passed: exit 0, got {rc}\n{log(c)}")
    rows = c.rows()
    check(len(rows) == 2 and [r["imei"] for r in rows] == imeis and
          all(r["result"] == "PASS" for r in rows), f"two PASS rows in order: {rows}")
    one, two = rows
    for r in rows:
        check(500 <= r["duration_ms"] <= 60000, f"duration_ms is the upgrade's few seconds: {r}")
    gap = iso_ms(two["started_at"]) - iso_ms(one["started_at"])
    check(day_ms <= gap <= day_ms + 90000,
          f"module 2 started 24 h (plus the swap) after module 1: {gap} ms\n{one}\n{two}")
    gap = iso_ms(two["finished_at"]) - iso_ms(one["finished_at"])
    check(day_ms <= gap <= day_ms + 90000, f"and finished 24 h after it: {gap} ms")
    own = iso_ms(two["finished_at"]) - iso_ms(two["started_at"])
    check(abs(own - two["duration_ms"]) <= 5000,
          f"no step during module 2: its times agree with its duration ({own} ms): {two}")
    import sqlite3
    con = sqlite3.connect(c.db)
    ev = {a: con.execute("SELECT min(t_ms), max(t_ms) FROM events WHERE attempt_id=?", (a,)).fetchone()
          for a in (one["id"], two["id"])}
    heard = con.execute("SELECT last_heard_at FROM attempts ORDER BY id").fetchall()
    con.close()
    check(ev[one["id"]][1] < iso_ms(one["finished_at"]) + 5000, f"module 1's events: {ev}")
    check(ev[two["id"]][0] >= ev[one["id"]][1] + day_ms - 1000,
          f"module 2's events dated after the step: {ev}")
    check(heard[1][0] and iso_ms(heard[1][0]) >= iso_ms(one["finished_at"]) + day_ms - 1000,
          f"module 2's last_heard_at after the step: {heard}")
    from datetime import datetime, timezone

    def day(ms):
        return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y%m%d")
    names = sorted(os.listdir(logs))
    want = [f"{day(iso_ms(r['started_at']))}-" for r in rows]
    check(len(names) == 2 and all(any(n.startswith(w) and n.endswith(f"-{r['id']}.log")
                                      for n in names) for w, r in zip(want, rows)),
          f"transcript files named by the day each began ({want}): {names}")
    text = log(c)
    lines = [ln for ln in text.splitlines() if f"attempt {two['id']}" in ln]
    check(lines and lines[0][:10] == two["started_at"][:10],
          f"the line log dates module 2 after the step ({two['started_at'][:10]}): {lines}")


CASES = {k[5:]: v for k, v in dict(globals()).items() if k.startswith("case_")}


def main():
    global ARGS
    ap = it.arg_parser()
    ap.add_argument("--clock-shift", help="the LD_PRELOAD shim that steps CLOCK_REALTIME")
    ARGS = ap.parse_args()
    it.run_cases(CASES, ARGS)


if __name__ == "__main__":
    main()
